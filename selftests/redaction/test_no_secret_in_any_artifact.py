"""Secrets planted in cluster objects, events, logs, evidence, output and errors reach no artifact."""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path

import pytest

from synthetic import SUITE_PLUGINS, RunSteps

DB_PASSWORD = "Pl4nted-DB-pass-7781"
VALUES_PASSWORD = "Pl4nted-values-pass-2231"
CONN_PASSWORD = "Pl4nted-conn-pass-9054"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.UGw0bnRlZC1zaWduYXR1cmU"
KEY_LINE = "MHcCAQEEIPl4ntedPrivateKeyMaterial0123456789"
PLANTED = (DB_PASSWORD, VALUES_PASSWORD, CONN_PASSWORD, TOKEN, KEY_LINE)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


PEM_KEY = f"-----BEGIN EC PRIVATE KEY-----\n{KEY_LINE}\n-----END EC PRIVATE KEY-----\n"

SCENARIO = f"""
name: secrets-everywhere
objects:
- apiVersion: v1
  kind: Secret
  metadata: {{name: test-db-postgresql, namespace: default}}
  data: {{password: {b64(DB_PASSWORD)}, tls.key: {b64(PEM_KEY)}}}
- apiVersion: helm.crossplane.io/v1beta1
  kind: Release
  metadata: {{name: test-db-postgresql}}
  spec:
    forProvider:
      chart: {{name: postgresql, version: 17.1.0}}
      namespace: default
      values: {{auth: {{username: app, password: {VALUES_PASSWORD}}}}}
  status:
    conditions: [{{type: Ready, status: "False", reason: Unavailable}}]
events:
- ref: {{apiVersion: helm.crossplane.io/v1beta1, kind: Release, name: test-db-postgresql}}
  type: Warning
  reason: InstallFailed
  message: "connect postgresql://app:{CONN_PASSWORD}@test-db-postgresql:5432/app failed"
logs:
- namespace: default
  pod: test-db-postgresql-0
  container: postgresql
  text: "authorization: Bearer {TOKEN}"
"""

STEP = f"""
import logging
import yaml
import pytest
from oamconf.k8s.api import Ref

RELEASE = Ref("helm.crossplane.io/v1beta1", "Release", "test-db-postgresql")
SECRET = Ref("v1", "Secret", "test-db-postgresql", "default")


@pytest.mark.step("3.2", "Database Connectivity")
def test_everything_leaks_somewhere(cluster, evidence):
    secret = cluster.get(SECRET)
    release = cluster.get(RELEASE)
    evidence.diagnostic("Secret", yaml.safe_dump(dict(secret.raw)))
    evidence.diagnostic("Release", yaml.safe_dump(dict(release.raw)))
    evidence.diagnostic("events", "\\n".join(str(e) for e in cluster.events(RELEASE)))
    evidence.diagnostic("logs", cluster.pod_logs("default", "test-db-postgresql-0"))
    evidence.add("tried postgresql://app:{CONN_PASSWORD}@test-db-postgresql:5432/app")
    evidence.hint("password {DB_PASSWORD} was rejected", "rotate {DB_PASSWORD}")
    print("decoded password: {DB_PASSWORD}")
    logging.getLogger("probe").warning("token in use: {TOKEN}")
    raise AssertionError("login as app with {DB_PASSWORD} failed; key {KEY_LINE}")


@pytest.mark.step("5", "End-to-End")
def test_blocked(evidence):
    pass
"""


def test_no_planted_secret_reaches_any_report_log_or_terminal_line(pytester: pytest.Pytester) -> None:
    scenario = pytester.path / "secrets.yaml"
    scenario.write_text(textwrap.dedent(SCENARIO), encoding="utf-8")
    pytester.makepyfile(test_leaky=textwrap.dedent(STEP))
    result = pytester.runpytest(
        *SUITE_PLUGINS, "--scenario", str(scenario),
        "--report-dir", "reports", "-rA", "--log-level=INFO",
    )  # fmt: skip
    result.assert_outcomes(failed=1, skipped=1)
    artifacts = {p.name: p.read_text(encoding="utf-8") for p in (pytester.path / "reports").iterdir()}
    assert set(artifacts) == {"report.md", "report.html", "junit.xml", "results.json"}
    artifacts["terminal"] = result.stdout.str() + result.stderr.str()
    # The evidence is there, masked: the test did plant where a report looks.
    assert "tried postgresql://app:***@test-db-postgresql:5432/app" in artifacts["report.md"]
    assert "password: '***'" in artifacts["report.md"] or "password: ***" in artifacts["report.md"]
    for name, text in artifacts.items():
        for secret in PLANTED:
            for form in (secret, b64(secret)):
                assert form not in text, f"{name} leaks {form[:12]}..."


# Built from parts, so the step's source (shown in tracebacks) never holds the value itself.
LATE_STEPS = """
from pathlib import Path
import pytest

SECRET = "Zk7late" + "&<>" + '"' + "'" + "-pw-5521"
BINARY = b"\\xff\\xfe not text " + SECRET.encode()


@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_leaks_before_anyone_knows(request, evidence):
    logs = Path(request.config.getoption("report_dir")) / "kind-logs" / "oamconf-control-plane"
    logs.mkdir(parents=True)
    (logs / "kubelet.log.1").write_text(f"auth with {SECRET}\\n", encoding="utf-8")
    (logs / "containerd.service").write_text(f"env {SECRET}\\n", encoding="utf-8")
    (logs / "core.bin").write_bytes(BINARY)
    evidence.add(f"tried {SECRET}")
    evidence.diagnostic("env", f"DB_SECRET_VALUE {SECRET}")
    print(f"using {SECRET}")
    raise AssertionError(f"login with {SECRET} failed")


@pytest.mark.step("1.2", "Crossplane Kubernetes Provider")
def test_learns_the_secret_last(evidence):
    evidence.secret(SECRET)
"""


def test_a_secret_learnt_at_the_end_is_masked_raw_and_escaped_in_every_text_artifact(run_steps: RunSteps) -> None:
    """Evidence recorded before the secret was known is scrubbed at the end, in every form and file."""
    run = run_steps(test_late=LATE_STEPS)
    run.result.assert_outcomes(passed=1, failed=1)

    logs = run.report_dir / "kind-logs" / "oamconf-control-plane"
    texts = {p.relative_to(run.report_dir).as_posix(): t for p, t in _text_artifacts(run.report_dir).items()}
    assert {"report.html", "junit.xml", "report.md", "kind-logs/oamconf-control-plane/kubelet.log.1"} <= set(texts)
    for name, text in texts.items():
        assert "Zk7late" not in text, f"{name} still holds the secret: {text[text.index('Zk7late') - 40 :][:120]}"
    assert (logs / "containerd.service").read_text(encoding="utf-8") == "env ***\n"
    # A file that is not UTF-8 text is not rewritten (and so not corrupted).
    assert (logs / "core.bin").read_bytes().startswith(b"\xff\xfe not text Zk7late")


def _text_artifacts(directory: Path) -> dict[Path, str]:
    found = {}
    for path in directory.rglob("*"):
        if path.is_file():
            try:
                found[path] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
    return found


# -- the planted-secrets corpus: every form the issue found leaking ------------------------------

PLANTED_SCENARIO = Path(__file__).parent.parent / "scenarios" / "planted-secrets.yaml"
# Echoed by platform objects of the scenario, bare and in base64; no step reads their Secrets.
REFERENCED = (
    "Pl4ntedProviderCred-1174",
    "Pl4ntedReleasePw-5531",
    "Pl4ntedPodinfoPw-4471",
    "Pl4ntedVclusterTok-3390",
    "Pl4ntedArgoBearer-8812",
    "Pl4ntedEmbedded-6620",
)
# Written by the steps below, in the shapes a tool or a log would use.
SHAPED = (
    "Pl4ntedFlagPw-2290",
    "qqplantedflagword",  # letters only: prose would take it for a word, the flag still gives it away
    "Pl4ntedFlagTok-5126",
    "Pl4ntedFlagEq-9043",
    "Pl4ntedClientSecret-3318",
    "Pl4ntedApiKey-7702",
    "Pl4ntedProseTok-7741",
    "Pl4ntedProsePw-1859",
    "Pl4ntedColonPw-6637",
    "Pl4ntedJsonSplit-6650",
)

ECHO_STEPS = """
import json
import pytest
from oamconf.k8s.api import Ref

ECHOING = (
    Ref("helm.crossplane.io/v1beta1", "ProviderConfig", "helm-provider"),
    Ref("helm.crossplane.io/v1beta1", "Release", "test-postgres-only-test-db"),
    Ref("core.oam.dev/v1beta1", "Application", "podinfo", "conformance"),
    Ref("platform.example.org/v1alpha1", "VirtualCluster", "vc1"),
    Ref("kubernetes.crossplane.io/v1alpha2", "Object", "embedded-creds"),
)


@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_platform_objects_repeat_the_credentials_they_reference(cluster, evidence):
    for ref in ECHOING:
        live = cluster.get(ref)
        evidence.add(f"{ref}: {'; '.join(str(c) for c in live.conditions)}")
        evidence.diagnostic(f"{ref} events", "\\n".join(str(e) for e in cluster.events(ref)))
    release = cluster.get(ECHOING[1])
    print("release:", release.field("status.atProvider.releaseDescription"))
    last_error = cluster.get(ECHOING[3]).field("status.lastError")
    events = [str(e) for ref in ECHOING for e in cluster.events(ref)]
    raise AssertionError(f"vCluster vc1: {last_error}; {release.condition('Ready')}")


@pytest.mark.step("1.2", "Crossplane Kubernetes Provider")
def test_commands_and_prose_carry_credentials(evidence):
    evidence.add("ran: helm registry login ghcr.io --username bot --password Pl4ntedFlagPw-2290")
    evidence.add("ran: argocd login argocd.local --token Pl4ntedFlagTok-5126 --grpc-web")
    evidence.add("ran: docker login --password qqplantedflagword registry.example")
    evidence.warn("ran: helm registry login ghcr.io --password=Pl4ntedFlagEq-9043")
    evidence.hint("az login --client-secret Pl4ntedClientSecret-3318 was refused", "rotate it")
    print("curl --api-key Pl4ntedApiKey-7702 https://registry.example")
    raise AssertionError("auth with token Pl4ntedProseTok-7741 failed; password Pl4ntedProsePw-1859 rejected")


@pytest.mark.step("1.3", "Crossplane Functions")
def test_a_json_password_split_across_lines(evidence):
    password = "Pl4nted" + "JsonSplit-6650"  # built from parts: the source never holds the value
    body = json.dumps({"user": "app", "note": "y" * 50, "password": password, "more": "z" * 60})
    pretty = '{\\n  "user": "app",\\n  "password":\\n    "%s"\\n}' % password
    print(pretty)
    print("connecting with password: Pl4ntedColonPw-6637")
    raise AssertionError("login failed")
"""


@pytest.mark.parametrize(
    "show",
    [pytest.param((), id="plain"), pytest.param(("-l",), id="locals"), pytest.param(("-l", "-vv"), id="locals-vv")],
)
def test_the_planted_corpus_reaches_no_report_and_no_terminal_line(
    pytester: pytest.Pytester, show: tuple[str, ...]
) -> None:
    """Referenced Secrets' values, CLI flags, prose and a split JSON password: masked everywhere, -l or not."""
    pytester.makepyfile(test_echo=textwrap.dedent(ECHO_STEPS))
    result = pytester.runpytest(
        *SUITE_PLUGINS, "--scenario", str(PLANTED_SCENARIO),
        "--report-dir", "reports", "-rA", "--log-level=INFO", *show,
    )  # fmt: skip
    result.assert_outcomes(failed=3)
    artifacts = {p.name: p.read_text(encoding="utf-8") for p in (pytester.path / "reports").iterdir()}
    assert set(artifacts) == {"report.md", "report.html", "junit.xml", "results.json"}
    terminal = result.stdout.str() + result.stderr.str()
    artifacts["terminal"] = terminal

    for name, text in artifacts.items():
        for secret in (*REFERENCED, *SHAPED):
            for form in (secret, b64(secret)):
                assert form not in text, f"{name} leaks {form}: ...{text[text.find(form) - 60 :][:120]}"
    # The planted text did reach the reports, masked: the corpus tests something.
    report = artifacts["report.md"]
    assert "login to oci://registry-1.docker.io failed for ***" in report
    assert "--username bot --password ***" in report
    assert "--token *** --grpc-web" in report
    # A referenced Secret the run could not read is said in the report, with what references it.
    assert "Referenced Secrets not read" in report
    assert "Secret crossplane-system/k8s-creds (from ProviderConfig kubernetes-provider" in report
    assert (
        "Secret default/embedded-creds (from Object embedded-creds spec.forProvider.manifest): 404 not found" in report
    )
    if show:
        assert "body       = " in terminal, "pytest -l showed no locals: the locals were not tested"
        assert '"password": "***"' in terminal
