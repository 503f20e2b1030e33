"""``docs/troubleshooting.md``, generated from the hint catalogue: ``python -m oamconf.report.troubleshooting``.

The catalogue (``oamconf.steps.hint_catalogue``) is what the reports use; this page is the same rules
for a person: per area, each rule's symptom (an example of the upstream text it matches, values shown
as ``<placeholders>``), its root cause and fix as the report words them, and the source it was read
from. What the catalogue cannot say, where a platform engineer meets the text and a short example of it,
is kept here in ``AREAS``, one entry per rule. ``--check`` exits 1 when the file is not the generated
text, and the self-tests run the same comparison, so a new rule cannot land without its entry.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from oamconf.errors import UsageError
from oamconf.platform.paths import project_root, shown
from oamconf.steps.hints import RULES, Rule

DOC: Final = Path("docs") / "troubleshooting.md"
COMMAND: Final = "python -m oamconf.report.troubleshooting"
CATALOGUE_FILE: Final = "src/oamconf/steps/hint_catalogue.py"
THIS_FILE: Final = "src/oamconf/report/troubleshooting.py"


@dataclass(frozen=True)
class Entry:
    """What a rule looks like from the outside: a heading, where the text shows, and an example of it."""

    title: str
    seen_in: str
    example: str  # the upstream text, shortened; <name> stands for a value


@dataclass(frozen=True)
class Area:
    title: str
    about: str
    entries: Mapping[str, Entry]  # by rule name; the page lists them in catalogue order


_XR = "the composite's (XR) Synced condition"
_APPLY = "the API server's answer to an apply"
_ARGO = "Argo CD's cluster connection state, or an Application's ComparisonError"
_EVENTS = "the pod's events"

AREAS: Final[tuple[Area, ...]] = (
    Area(
        "Crossplane and compositions",
        "Composition functions, and the CRDs and admission webhooks the platform's charts install.",
        {
            "function-fatal-result": Entry(
                "A composition function returned a fatal result",
                _XR,
                'cannot compose resources: pipeline step "<step>" returned a fatal result: <result>',
            ),
            "function-unreachable": Entry(
                "Crossplane cannot call a composition function",
                _XR,
                'cannot run Composition pipeline step "<step>": cannot get gRPC client connection for Function '
                '"<function>": <error>',
            ),
            "webhook-certificate": Entry(
                "An admission webhook's certificate is not trusted",
                _APPLY,
                'failed calling webhook "<webhook>": failed to call webhook: Post "https://<service>.<namespace>.svc:443/'
                '<path>": tls: failed to verify certificate: x509: certificate signed by unknown authority',
            ),
            "webhook-not-ready": Entry(
                "An admission webhook is not ready",
                _APPLY,
                'failed calling webhook "<webhook>": failed to call webhook: Post "https://<service>.<namespace>.svc:443/'
                '<path>": no endpoints available for service "<service>"',
            ),
            "crd-not-served": Entry(
                "A kind is used before its CRD is served",
                _APPLY,
                'no matches for kind "<kind>" in version "<group>/<version>"',
            ),
        },
    ),
    Area(
        "vCluster",
        "The vCluster's serving certificate and CA as its clients see them, and values the open-source build refuses.",
        {
            "certificate-name-svc": Entry(
                "The vCluster's certificate does not cover its .svc name",
                _ARGO,
                "tls: failed to verify certificate: x509: certificate is valid for <sans>, not "
                "<vcluster>.<namespace>.svc",
            ),
            "certificate-name": Entry(
                "A certificate does not cover the host name dialled",
                "a TLS error of Argo CD or of the suite's TLS probe",
                "x509: certificate is valid for <sans>, not <host>",
            ),
            "certificate-unknown-authority": Entry(
                "The client does not trust the vCluster's CA",
                _ARGO,
                'Get "<server>/version": tls: failed to verify certificate: x509: certificate signed by unknown '
                "authority",
            ),
            "vcluster-pro-feature": Entry(
                "The vCluster stops at start on a Pro feature",
                "the vCluster pod's log",
                "you are trying to use a vCluster pro feature '<feature>' that is not available in the open source "
                "vcluster",
            ),
            "vcluster-pro-settings": Entry(
                "The vCluster's values use settings only vCluster Pro has",
                "step 2.2's warning",
                "<vcluster> (<namespace>): <settings> needs vCluster Pro",
            ),
            "vcluster-service-mapping": Entry(
                "A replicated Service mapping is malformed",
                "the vCluster syncer's log",
                "parse physical service mapping: invalid service mapping, please use "
                "namespace1/service1=namespace2/service2",
            ),
        },
    ),
    Area(
        "Images and storage",
        "What keeps a pod from starting: its volumes, and the images it pulls (the Bitnami move included).",
        {
            "storage-class-missing": Entry(
                "A PVC names a StorageClass that does not exist",
                "the PersistentVolumeClaim's events",
                'ProvisioningFailed: storageclass.storage.k8s.io "<storage_class>" not found',
            ),
            "pvc-unbound": Entry(
                "A PVC stays Pending",
                "the pod's PodScheduled condition, or the claim's events",
                "0/<n> nodes are available: pod has unbound immediate PersistentVolumeClaims",
            ),
            "bitnami-image-check": Entry(
                "A Bitnami chart refuses a substituted image",
                "the Helm Release's error",
                "execution error at (<chart>/templates/<file>): ERROR: Original containers have been substituted for "
                "unrecognized ones.",
            ),
            "bitnami-image-gone": Entry(
                "A Bitnami image is gone from Docker Hub",
                "the pod's container state",
                'ImagePullBackOff: Back-off pulling image "docker.io/bitnami/<repository>:<tag>"',
            ),
            "image-not-found": Entry(
                "An image does not exist",
                _EVENTS,
                'Failed to pull image "<image>": failed to resolve reference "<image>": <image>: not found',
            ),
            "image-pull-denied": Entry(
                "The registry refuses an image",
                _EVENTS,
                'Failed to pull image "<image>": failed to resolve reference "<image>": pull access denied, repository '
                "does not exist or may require authorization",
            ),
            "image-pull-rate-limit": Entry(
                "Docker Hub's pull limit stops a pull",
                _EVENTS,
                'Failed to pull image "<image>": 429 Too Many Requests - Server message: toomanyrequests: You have '
                "reached your pull rate limit.",
            ),
            "image-pull": Entry(
                "An image cannot be pulled",
                "the pod's container state",
                'container <container>: waiting ErrImagePull: failed to pull and unpack image "<image>": <error>',
            ),
        },
    ),
    Area(
        "Databases",
        "The databases phase 3 provisions through OAM, and the Services and port-forwards that reach them.",
        {
            "postgres-password-rejected": Entry(
                "PostgreSQL rejects the password",
                "step 3.2's failure",
                'FATAL:  password authentication failed for user "<user>"',
            ),
            "redis-password-rejected": Entry(
                "Redis rejects the password",
                "step 3.3's failure",
                "WRONGPASS invalid username-password pair or user is disabled.",
            ),
            "redis-password-missing": Entry(
                "Redis wants a password the client did not send",
                "step 3.3's failure",
                "NOAUTH Authentication required.",
            ),
            "service-no-endpoints": Entry(
                "A Service has no ready endpoints",
                "an API or port-forward error, or the Service's diagnostics",
                'no endpoints available for service "<service>"',
            ),
            "port-forward-pod-not-running": Entry(
                "A port-forward finds its pod not running",
                "step 3.2's or 3.3's failure",
                "port-forward <target> :<port> -n <namespace> exited with status 1: error: unable to forward port "
                "because pod is not running. Current status=<phase>",
            ),
            "port-forward-hung-up": Entry(
                "The pod behind a port-forward hangs up",
                "a probe's failure in step 3.2, 3.3, 4.1, 4.2 or 5",
                "Redis at 127.0.0.1:<port>: the connection was closed before Redis answered: the port-forward "
                "is up but cannot reach the pod (restarting?), or the port is not Redis's",
            ),
        },
    ),
    Area(
        "Argo CD and cluster access",
        "Argo CD deploying into a vCluster: its repo-server, its registered clusters, and their credentials.",
        {
            "argocd-repo-server-down": Entry(
                "Argo CD's repo-server does not answer",
                "the Application's ComparisonError",
                "failed to generate manifest for source 1 of 1: rpc error: code = Unavailable … dial tcp <ip>:8081: "
                "connect: connection refused",
            ),
            "argocd-cluster-not-monitored": Entry(
                "Argo CD does not monitor the cluster yet",
                "the cluster's connection state in Argo CD",
                "Cluster has no applications and is not being monitored.",
            ),
            "argocd-destination-unknown": Entry(
                "The Application's destination server is not registered",
                "the Application's InvalidSpecError",
                'error getting cluster by server "<server>": rpc error: code = NotFound desc = cluster "<server>" not '
                "found",
            ),
            "argocd-destination-name-unknown": Entry(
                "The Application's destination name is not registered",
                "the Application's InvalidSpecError",
                "there are no clusters with this name: <cluster>",
            ),
            "credentials-rejected": Entry(
                "The API server rejects the credentials",
                f"{_ARGO}, or the suite's own client",
                "the server has asked for the client to provide credentials",
            ),
            "rbac-forbidden": Entry(
                "RBAC denies a ServiceAccount",
                f"{_ARGO}, or an API error",
                '<resource> is forbidden: User "system:serviceaccount:<sa_namespace>:<sa>" cannot <verb> resource '
                '"<resource>" in API group "<group>" at the cluster scope',
            ),
            "argocd-comparison-error": Entry(
                "Argo CD cannot compare the Application (any other ComparisonError)",
                "the Application's conditions",
                "ComparisonError: <detail>",
            ),
            "argocd-sync-error": Entry(
                "Argo CD's sync failed",
                "the Application's conditions",
                "SyncError: <detail>",
            ),
        },
    ),
)

_GROUP: Final = re.compile(r"\{(\w+)\}")
_ANGLED: Final = re.compile(r"<[^<>`\n]+>")
_INTRO: Final = f"""# Troubleshooting

<!-- Generated by `{COMMAND}`: do not edit. The rules are in
{CATALOGUE_FILE}, their titles and examples in {THIS_FILE}. -->

When a step fails without a hint of its own, the report's root cause and fix come from the hint
catalogue (`{CATALOGUE_FILE}`): the first rule whose upstream text matches the
failure's message or the diagnostics of the object it waited on (its status, events, pods, their
states and logs). This page lists every rule, by area. Each entry gives the symptom (a short example
of the text the rule matches, `<name>` standing for a value), the root cause and the fix as the report
words them (where `<name>` is the value the failure carried), and the source the text was read from.
A failure no rule matches is reported as such, with the object and the diagnostics to read.

Sources: `xp:` crossplane v2.3.4, `vc:` vcluster 0.36, `acd:` argo-cd v3.4.4 (the pinned tags), `go:`
Go's standard library; "facts §N" is a section of `../shared/platform-facts.md`.
"""


def render(rules: Sequence[Rule] = RULES, areas: Sequence[Area] = AREAS) -> str:
    """The whole page for *rules*, grouped by *areas*.

    Raises:
        UsageError: a rule has no entry in *areas*, or an entry names no rule: the message says which.
    """
    _check_coverage(rules, areas)
    out = [_INTRO]
    out += [f"- [{area.title}](#{_slug(area.title)}) ({len(area.entries)})" for area in areas]
    for area in areas:
        out += ["", f"## {area.title}", "", area.about]
        for rule in rules:
            if rule.name in area.entries:
                out += ["", *_entry(rule, area.entries[rule.name])]
    return "\n".join(out) + "\n"


def _entry(rule: Rule, entry: Entry) -> list[str]:
    groups = {name for pattern in rule.patterns for name in pattern.groupindex} | set(rule.known.defaults)
    return [
        f"### {entry.title}",
        "",
        f"- **Symptom**, in {entry.seen_in}: {_code(entry.example)}",
        f"- **Root cause**: {_prose(rule.known.cause, groups)}",
        f"- **Fix**: {_prose(rule.known.fix, groups)}",
        f"- **Source**: {_code(rule.known.source)} (rule `{rule.name}`)",
    ]


def _prose(template: str, groups: set[str]) -> str:
    """A cause or fix as Markdown: ``{group}`` shown as ``<group>``, and every ``<...>`` outside a code span put
    in one, so a renderer does not take it for an HTML tag (inside a code span it is literal already)."""
    text = _GROUP.sub(lambda m: f"<{m[1]}>" if m[1] in groups else m[0], template)
    parts = text.split("`")
    parts[::2] = [_ANGLED.sub(lambda m: f"`{m[0]}`", part) for part in parts[::2]]
    return "`".join(parts)


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}"


def _slug(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def _check_coverage(rules: Sequence[Rule], areas: Sequence[Area]) -> None:
    named = [name for area in areas for name in area.entries]
    known = {rule.name for rule in rules}
    missing = [rule.name for rule in rules if rule.name not in named]
    if missing:
        raise UsageError(
            f"rule(s) {', '.join(missing)} of the hint catalogue have no entry in AREAS of {THIS_FILE}: add "
            f"a title, where the text shows and an example, then run `{COMMAND}`"
        )
    unknown = sorted({name for name in named if name not in known or named.count(name) > 1})
    if unknown:
        raise UsageError(
            f"AREAS of {THIS_FILE} names {', '.join(unknown)}: not a rule of the hint catalogue, or listed twice"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m oamconf.report.troubleshooting [--check] [--file PATH]``: write the page, or check it is current."""
    parser = argparse.ArgumentParser(prog=COMMAND, description="Write docs/troubleshooting.md from the hint catalogue.")
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is not the generated text")
    parser.add_argument("--file", type=Path, default=None, help=f"the page to write or check (default: {DOC})")
    args = parser.parse_args(argv)
    try:
        target: Path = args.file or project_root() / DOC
        text = render()
    except UsageError as err:
        sys.stderr.write(f"{err}\n")
        return 2
    if args.check:
        if not target.is_file():
            sys.stderr.write(f"{shown(target)} does not exist: run `{COMMAND}`\n")
            return 1
        if target.read_text(encoding="utf-8") != text:
            sys.stderr.write(f"{shown(target)} is out of date with the hint catalogue: run `{COMMAND}`\n")
            return 1
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {shown(target)}: {len(RULES)} rules in {len(AREAS)} areas\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
