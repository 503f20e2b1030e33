"""Known failure modes of this platform, matched against failure text, as root-cause hints.

A failing step that recorded no hint of its own gets the first matching rule's hint, so the
report says "likely cause + what to do" for the traps the platform team has already hit
(see ../shared/platform-facts.md: vCluster SANs, the Bitnami image move, Argo CD's repo-server).
A failure no rule knows still gets a root cause line (``unmatched``): that none matched, and
which object and which diagnostics to read, so Recommendations never drops a failure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from oamconf.k8s.api import Ref
from oamconf.steps.outcomes import Hint


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    cause: str
    fix: str

    def hint(self, match: re.Match[str]) -> Hint:
        groups = {k: v or "" for k, v in match.groupdict().items()}
        return Hint(cause=self.cause.format(**groups), fix=self.fix.format(**groups))


def _rule(pattern: str, cause: str, fix: str) -> Rule:
    return Rule(re.compile(pattern, re.IGNORECASE | re.DOTALL), cause, fix)


RULES: tuple[Rule, ...] = (
    _rule(
        r"x509: certificate is valid for .*?, not (?P<host>[\w.-]+)",
        "the vCluster's serving certificate does not cover {host} (not a default SAN)",
        "add {host} to controlPlane.proxy.extraSANs in the vCluster values, or register the cluster "
        "as https://<name>.<namespace>:443, which is a default SAN",
    ),
    _rule(
        r"certificate signed by unknown authority",
        "the CA in the Argo CD cluster Secret is not the one that signed the vCluster certificate",
        "copy certificate-authority from the vCluster Secret vc-<name> into caData of the cluster Secret",
    ),
    _rule(
        r"no matches for kind \"?(?P<kind>\w+)|does not serve (?P<what>[\w./ ]+?) \(is its CRD",
        "a custom resource was used before its CRD was served",
        "wait for the CRD to be Established (kubectl wait --for=condition=Established crd/<name>) "
        "and for its provider or chart to be Healthy",
    ),
    _rule(
        r"failed calling webhook",
        "an admission webhook was called before its pod was ready",
        "wait for the webhook's Deployment to be Available, then retry the apply",
    ),
    _rule(
        r"Original containers have been substituted|allowInsecureImages",
        "the Bitnami chart refuses a non-Bitnami image without global.security.allowInsecureImages",
        "set global.security.allowInsecureImages: true next to the image override (platform facts §5)",
    ),
    _rule(
        r"(ImagePullBackOff|ErrImagePull).*?(?P<image>docker\.io/bitnami/[\w./:-]+|bitnami/[\w./:-]+)",
        "the image {image} is gone: Bitnami moved its versioned tags to docker.io/bitnamilegacy in 2025",
        "override image.repository with bitnamilegacy/<name> (and allowInsecureImages), or use another chart",
    ),
    _rule(
        r"ImagePullBackOff|ErrImagePull",
        "a container image cannot be pulled",
        "check the image name and tag in the values, registry reachability, and Docker Hub pull limits",
    ),
    _rule(
        r"connection refused.*:8081|argocd-repo-server",
        "Argo CD's repo-server is not answering",
        "kubectl -n argocd rollout status deployment/argocd-repo-server; then hard-refresh the Application",
    ),
    _rule(
        r"you are trying to use a vCluster pro feature",
        "the vCluster values use a Pro-only option (e.g. sync.toHost.customResources)",
        "remove the Pro option, or use networking.replicateServices for host Services",
    ),
    _rule(
        r"password authentication failed for user \"?(?P<user>[\w-]+)",
        "the database rejected the credentials of user {user}",
        "compare the password the OAM Application passes with the chart's Secret <release>-postgresql",
    ),
    _rule(
        r"unbound immediate PersistentVolumeClaims|no persistent volumes available",
        "a PersistentVolumeClaim stays Pending: the cluster has no default StorageClass",
        "install a default StorageClass (kind ships local-path) or disable persistence in the values",
    ),
    _rule(
        r"Cluster has no applications and is not being monitored",
        "Argo CD only checks a cluster's connection once an Application targets it",
        "create the Application first, then poll the cluster's connection state",
    ),
)


def diagnose(text: str) -> Hint | None:
    """The hint of the first rule matching *text*, or ``None``."""
    for rule in RULES:
        match = rule.pattern.search(text)
        if match:
            return rule.hint(match)
    return None


def unmatched(*, step: str, test: str, looked_at: Ref | str | None, diagnostics: Sequence[str]) -> Hint:
    """The hint of a failure no rule matched: say so, name what to look at, point at the diagnostics.

    Parameters:
        step: the step id, where the report shows the diagnostics.
        test: the test's node id, named when the failure looked at no object.
        looked_at: the object (or the subject) the failed wait looked at, when it was one.
        diagnostics: the names of the diagnostics gathered for this failure.
    """
    subject = str(looked_at) if looked_at else f"the test {test}"
    cause = f"no known cause matched; look at {subject}"
    if diagnostics:
        fix = f"read the diagnostics of step {step} ({', '.join(diagnostics)})"
    else:
        fix = f"no diagnostics were gathered: read the failure of {test} in report.html"
    if isinstance(looked_at, Ref):
        fix += f"; its live state: `{describe_command(looked_at)}`"
    return Hint(cause=cause, fix=fix)


def describe_command(ref: Ref) -> str:
    """``kubectl describe release.helm.crossplane.io test-db-postgresql``: kind.group names a CRD unambiguously."""
    resource = f"{ref.kind.lower()}.{ref.group}" if ref.group else ref.kind.lower()
    namespace = f" -n {ref.namespace}" if ref.namespace else ""
    return f"kubectl describe {resource} {ref.name}{namespace}"
