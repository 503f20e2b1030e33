"""The forms an Argo CD text arrives in, and the prefixes Argo CD puts in front of a cluster's errors: shared by
the tables of ``hintvariants_argocd`` and ``hintvariants_argocd_tls``.

Besides the shared forms of ``hintvariants.WRAPS``, an Argo CD text arrives as an Application's condition
in the status YAML the diagnostics dump (``- type: ComparisonError`` / ``  message: …``), in the line the
Application's verdict writes (``… (ComparisonError: …)``), or as a cluster's connection state."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hintvariants import WRAPS, Variant, go_q
from oamconf.yamlio import dump


def _app_status(kind: str) -> Callable[[Variant], str]:
    """The Application's status as the diagnostics dump it: Argo CD writes a condition type, message, time."""

    def wrap(v: Variant) -> str:
        condition = {"type": kind, "message": v.chain + v.message, "lastTransitionTime": "2026-01-02T03:04:05Z"}
        status = {"sync": {"status": "Unknown"}, "health": {"status": "Missing"}, "conditions": [condition]}
        return "Application argocd/podinfo-2: want Synced and Healthy\n" + dump(status)

    return wrap


def _verdict(kind: str) -> Callable[[Variant], str]:
    """The line the Application's verdict writes (oamconf.k8s.verdicts.argocd)."""
    return lambda v: f"want Synced and Healthy, is sync Unknown, health Missing ({kind}: {v.chain + v.message})"


def _cluster_state(v: Variant) -> str:
    """Argo CD's connection state of a cluster as the suite's wait reports it (oamconf.probes.argocd)."""
    return f"want Successful for https://vc-7.ns-7:443, is Failed: {v.chain + v.message}"


ARGO_WRAPS: Mapping[str, Callable[[Variant], str]] = {
    **WRAPS,
    "comparison": _app_status("ComparisonError"),
    "invalid-spec": _app_status("InvalidSpecError"),
    "sync": _app_status("SyncError"),
    "comparison-verdict": _verdict("ComparisonError"),
    "invalid-spec-verdict": _verdict("InvalidSpecError"),
    "sync-verdict": _verdict("SyncError"),
    "cluster-state": _cluster_state,
}
APP = ("bare", "chained", "comparison", "comparison-verdict", "event", "folded", "json")
CLUSTER = (*APP, "cluster-state")
PROBE = ("bare",)  # the suite's own ProbeFailed text, as the step's failure carries it
SPEC = ("bare", "invalid-spec", "invalid-spec-verdict", "folded", "json")


def target_state(server: str) -> str:
    """What Argo CD puts in front of the discovery client's error when it asks the cluster's version:
    acd:controller/state.go:627, :207; acd:controller/cache/cache.go:742, :659;
    acd:gitops-engine/pkg/cache/cluster.go:1028; acd:gitops-engine/pkg/utils/kube/ctl.go:353."""
    return (
        f"Failed to load target state: failed to get cluster version for cluster {go_q(server)}: failed to get "
        f"cluster info for {go_q(server)}: error synchronizing cache state : failed to get server version: "
        f"failed to get server version: "
    )


def live_state(server: str, group_kind: str) -> str:
    """acd:controller/state.go:712, cache.go:732, :659, gitops-engine/pkg/cache/cluster.go:1110."""
    return (
        f"Failed to load live state: failed to get cluster info for {go_q(server)}: error synchronizing cache "
        f"state : failed to load initial state of resource {group_kind}: "
    )
