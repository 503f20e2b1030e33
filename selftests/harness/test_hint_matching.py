"""How the catalogue is matched: the first matching entry wins, so the specific ones beat the catch-alls;
messages the status YAML folded are read whole; what no entry knows stays unmatched."""

from __future__ import annotations

import re

import pytest

from oamconf.steps.hint_catalogue import CATALOGUE
from oamconf.steps.hints import RULES, VALUE_LIMIT, Rule, diagnose, matching_rule, unfold
from oamconf.yamlio import dump, load_kubernetes

BITNAMI = "docker.io/bitnami/postgresql:17.6.0-debian-12-r4"
SANS = "kubernetes.default.svc, kubernetes.default, kubernetes, localhost, vc1, vc1.vc1-ns, *.nodes.vcluster.com"
# Argo CD's condition for a destination dialled by a name the certificate lacks (platform facts §7.5)
ARGOCD_SAN = (
    'Failed to load target state: failed to get cluster version for cluster "https://vc1.vc1-ns.svc:443": '
    "error synchronizing cache state : failed to get server version: failed to get server version: Get "
    '"https://vc1.vc1-ns.svc:443/version?timeout=32s": tls: failed to verify certificate: x509: certificate is '
    f"valid for {SANS}, not vc1.vc1-ns.svc"
)


def test_rule_names_are_unique_and_in_catalogue_order() -> None:
    assert [r.name for r in RULES] == [k.name for k in CATALOGUE]
    assert len({k.name for k in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_cause_and_fix_name_only_values_the_patterns_capture(rule: Rule) -> None:
    groups = {name for pattern in rule.patterns for name in pattern.groupindex}
    shown = set(re.findall(r"\{(\w+)\}", rule.known.cause + rule.known.fix))
    assert shown <= groups, f"no group captures {shown - groups}"
    assert set(rule.known.defaults) <= shown, "a default for a value neither cause nor fix shows"


@pytest.mark.parametrize(
    ("text", "winner", "loser"),
    [
        pytest.param(
            f'Back-off pulling image "{BITNAMI}": ErrImagePull: {BITNAMI}: not found',
            "bitnami-image-gone",
            "image-not-found",
            id="the-bitnami-move-beats-image-not-found",
        ),
        pytest.param(
            f'Back-off pulling image "{BITNAMI}"',
            "bitnami-image-gone",
            "image-pull",
            id="the-bitnami-move-beats-any-pull-failure",
        ),
        pytest.param(
            f"- type: ComparisonError\n  message: '{ARGOCD_SAN}'",
            "certificate-name-svc",
            "argocd-comparison-error",
            id="the-san-rule-beats-comparison-error",
        ),
        pytest.param(
            "x509: certificate is valid for kubernetes, vc1, vc1.vc1-ns, not vc1.vc1-ns.svc",
            "certificate-name-svc",
            "certificate-name",
            id="a-svc-name-gets-the-vcluster-fix",
        ),
        pytest.param(
            "ComparisonError: Failed to load target state: failed to generate manifest for source 1 of 1: rpc "
            'error: code = Unavailable desc = "transport: Error while dialing: dial tcp 10.96.1.2:8081: connect: '
            'connection refused"',
            "argocd-repo-server-down",
            "argocd-comparison-error",
            id="repo-server-beats-comparison-error",
        ),
        pytest.param(
            'failed calling webhook "x.oam.dev": Post "https://w.vela-system.svc:443": no endpoints available for '
            'service "vela-core-webhook"',
            "webhook-not-ready",
            "service-no-endpoints",
            id="a-webhook-call-beats-service-without-endpoints",
        ),
        pytest.param(
            'failed calling webhook "x.oam.dev": Post "https://w.vela-system.svc:443": tls: failed to verify '
            "certificate: x509: certificate signed by unknown authority",
            "webhook-certificate",
            "certificate-unknown-authority",
            id="a-webhook-certificate-is-not-argocds-ca",
        ),
        pytest.param(
            'Failed to pull image "ghcr.io/acme/app:1": failed to authorize: 401 Unauthorized: Unauthorized',
            "image-pull-denied",
            "credentials-rejected",
            id="a-registry-401-is-not-the-api-servers",
        ),
    ],
)
def test_the_specific_rule_beats_the_general_one(text: str, winner: str, loser: str) -> None:
    names = [r.name for r in RULES]
    assert names.index(winner) < names.index(loser)
    loser_rule = RULES[names.index(loser)]
    assert loser_rule.search(unfold(text)), f"{loser} matches too, so only the order decides"
    found = matching_rule(text)
    assert found is not None
    assert found[0].name == winner


def test_unfolding_joins_what_yaml_folded_and_keeps_a_line_per_event_and_key() -> None:
    text = (
        "Warning Failed: one\nNormal Pulling: two\n- type: Ready\n  message: 'a long\n    message'\n"
        "  observedGeneration: 3\n- type: Synced"
    )
    assert unfold(text).splitlines() == [
        "Warning Failed: one",
        "Normal Pulling: two",
        "- type: Ready",
        "  message: 'a long message'",
        "  observedGeneration: 3",
        "- type: Synced",
    ]


def test_the_status_yaml_shows_a_message_in_its_controllers_words() -> None:
    schema = "values don't meet the specifications of the schema(s):\nvcluster:\n- at '/controlPlane': got string\n"
    cue = ("failed to compile workload c after merge parameter and context: expected operand, found '}' " * 2).strip()
    status = dump({"conditions": [{"type": "Synced", "message": schema}, {"type": "Ready", "message": cue}]})
    assert load_kubernetes(status) == {
        "conditions": [{"type": "Synced", "message": schema}, {"type": "Ready", "message": cue}]
    }
    assert "''" not in status, "no quote doubled"
    assert "\\" not in status, "no escape"
    assert "  - at '/controlPlane': got string\n" in status, "a multi-line message keeps its lines"
    assert "found '}' failed to compile" in unfold(status), "a folded one reads whole once joined"


def test_a_san_list_folded_by_the_status_yaml_is_read_whole() -> None:
    status = dump({"conditions": [{"type": "ComparisonError", "message": ARGOCD_SAN}]})
    assert "\n" in status.split("x509:")[1], "the YAML dump folds the SAN list over lines"
    hint = diagnose("Application podinfo-vc1: want Synced, is Unknown\n" + status)
    assert hint is not None
    assert hint.cause.endswith(f"does not cover vc1.vc1-ns.svc, the host it was dialled with; it is valid for {SANS}")


def test_a_folded_comparison_error_is_read_to_its_closing_quote() -> None:
    message = "Failed to load target state: " + "failed to get cluster version: " * 4 + "dial tcp: i/o timeout"
    status = dump({"conditions": [{"type": "ComparisonError", "message": message, "lastTransitionTime": "now"}]})
    hint = diagnose("Application podinfo-vc1: want Synced, is Unknown\n" + status)
    assert hint is not None
    assert hint.cause == f"Argo CD cannot compare the Application with its source or destination: {message}"


def test_a_long_captured_message_is_cut_to_one_report_line() -> None:
    hint = diagnose('pipeline step "pt" returned a fatal result: ' + "cannot render composed resource " * 20)
    assert hint is not None
    result = hint.cause.split("fatal result: ", 1)[1]
    assert len(result) <= VALUE_LIMIT
    assert result.endswith("…")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("vCluster vc1 answered 418 I'm a teapot", id="unknown"),
        pytest.param('Normal Pulling: Pulling image "postgres:17"', id="a-normal-pull-event"),
        pytest.param('Normal Pulled: Successfully pulled image "postgres:17" in 2.1s', id="a-pulled-image"),
        pytest.param("HTTP 407 Proxy Authentication Required.", id="a-proxy-is-not-redis"),
        pytest.param("dial tcp 10.96.0.1:443: connect: connection refused", id="refused-but-not-the-repo-server"),
        pytest.param("Deployment argocd/argocd-repo-server: want Available=True", id="naming-the-repo-server"),
        pytest.param("Release test-db: want Ready=True, is Ready=False reason=Unavailable", id="a-bare-wait"),
    ],
)
def test_a_message_no_rule_knows_stays_unmatched(text: str) -> None:
    assert matching_rule(text) is None
    assert diagnose(text) is None
