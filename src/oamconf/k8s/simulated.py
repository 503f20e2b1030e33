"""Whether a pod a check saw could have run anything: kwok's nodes (the local tier) report pods Running whose
containers never run, so evidence read from such a pod says so rather than reading like a kind run's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster, KubeObject

KWOK_NODE_ANNOTATION: Final = "kwok.x-k8s.io/node"  # on every node kwok manages (kwok's node-initialize stage)
POD_SIMULATED: Final = " (a kwok node: the pod is simulated, no container runs)"
PODS_SIMULATED: Final = " (its pods are on kwok nodes: simulated, no container runs)"


def on_kwok_node(cluster: Cluster, node: object) -> bool:
    """*node* (a pod's ``spec.nodeName``, maybe unset) is a node kwok manages."""
    if not isinstance(node, str) or not node:
        return False
    found = cluster.get(kinds.NODE.ref(node))
    return found is not None and KWOK_NODE_ANNOTATION in (found.metadata.get("annotations") or {})


def pod_note(cluster: Cluster, pod: KubeObject) -> str:
    """``POD_SIMULATED`` when *pod* is on a kwok node, else nothing: appended to a line about the pod."""
    return POD_SIMULATED if on_kwok_node(cluster, pod.field("spec.nodeName")) else ""


def workload_note(cluster: Cluster, workload: KubeObject) -> str:
    """``PODS_SIMULATED`` when any pod of *workload* (a Deployment or StatefulSet, by its selector's
    matchLabels) is on a kwok node, else nothing: appended to a line about the workload's readiness."""
    labels: Mapping[str, str] = workload.field("spec.selector.matchLabels") or {}
    if not labels:
        return ""
    pods = cluster.list("v1", "Pod", namespace=workload.ref.namespace, labels=dict(labels))
    return PODS_SIMULATED if any(on_kwok_node(cluster, p.field("spec.nodeName")) for p in pods) else ""
