"""Evidence read from a pod on a kwok node says the pod is simulated; on any other node it says nothing more."""

from __future__ import annotations

from typing import Any

from oamconf.k8s import kinds
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.simulated import KWOK_NODE_ANNOTATION, POD_SIMULATED, PODS_SIMULATED, pod_note, workload_note


def _node(name: str, annotations: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "annotations": annotations}}


def _pod(name: str, node: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "i"}]}
    if node:
        spec["nodeName"] = node
    metadata = {"name": name, "namespace": "ns", "labels": {"app": name.rsplit("-", 1)[0]}}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def _deployment(app: str) -> dict[str, Any]:
    selector = {"matchLabels": {"app": app}}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": app, "namespace": "ns"},
            "spec": {"selector": selector}}  # fmt: skip


def _cluster() -> MemoryCluster:
    cluster = MemoryCluster("c")
    cluster.seed(
        [
            _node("kwok-node-0", {KWOK_NODE_ANNOTATION: "fake"}),
            _node("kind-worker", {"node.alpha.kubernetes.io/ttl": "0"}),
            _pod("sim-0", "kwok-node-0"),
            _pod("real-0", "kind-worker"),
            _pod("pending-0", None),
            _deployment("sim"),
            _deployment("real"),
            _deployment("pending"),
        ]
    )
    return cluster


def _get(cluster: MemoryCluster, kind: kinds.Kind, name: str) -> Any:
    found = cluster.get(kind.ref(name, "ns"))
    assert found is not None
    return found


def test_a_pod_on_a_kwok_node_is_said_to_be_simulated() -> None:
    cluster = _cluster()
    assert pod_note(cluster, _get(cluster, kinds.POD, "sim-0")) == POD_SIMULATED
    assert pod_note(cluster, _get(cluster, kinds.POD, "real-0")) == ""
    assert pod_note(cluster, _get(cluster, kinds.POD, "pending-0")) == ""  # not scheduled: nothing to say


def test_a_deployment_whose_pods_are_on_kwok_nodes_is_said_to_be_simulated() -> None:
    cluster = _cluster()
    assert workload_note(cluster, _get(cluster, kinds.DEPLOYMENT, "sim")) == PODS_SIMULATED
    assert workload_note(cluster, _get(cluster, kinds.DEPLOYMENT, "real")) == ""
    assert workload_note(cluster, _get(cluster, kinds.DEPLOYMENT, "pending")) == ""
