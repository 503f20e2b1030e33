"""The local control plane is real Kubernetes at the pinned version: its components run as owned processes,
the scheduler places pods on kwok's fake node, kwok runs them, and the controller manager reconciles."""

from __future__ import annotations

import subprocess
from typing import Any

from oamconf.cluster.localcp.components import Binaries
from oamconf.cluster.localcp.controlplane import NODE, LocalControlPlane
from oamconf.k8s.api import KubeObject, Ref
from oamconf.k8s.expect import Expect
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.wait import Observation
from oamconf.platform.versions import load_versions

COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"]
# What the running control plane may hold resident, all processes together (measured ~0.6 GiB idle).
MEMORY_BOUND_KIB = 2 * 1024 * 1024


def pod(name: str, namespace: str) -> dict[str, Any]:
    container = {"name": "app", "image": "registry.invalid/app:1"}  # kwok runs no image: any name will do
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
            "spec": {"containers": [container]}}  # fmt: skip


def running_on_the_fake_node(obj: KubeObject) -> Observation:
    where, phase = obj.field("spec.nodeName"), obj.field("status.phase")
    return Observation.simple(where == NODE and phase == "Running", f"want Running on {NODE}, is {phase} on {where}")


def test_the_api_server_answers_as_the_kind_node_images_kubernetes(cluster: KubeCluster) -> None:
    assert cluster.server_version() == "v" + load_versions().cluster.kubernetes_version


def test_etcd_is_the_version_kubernetes_v1_36_is_released_with(local_binaries: Binaries) -> None:
    argv = [str(local_binaries.etcd), "--version"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout  # noqa: S603 - our own binary

    assert "etcd Version: 3.6.8" in out


def test_every_component_is_a_running_process_with_a_name_a_pid_and_a_log(plane: LocalControlPlane) -> None:
    assert [p.name for p in plane.processes] == COMPONENTS
    for process in plane.processes:
        assert process.exit_code() is None, process.died()
        assert process.log.is_file()
        assert process.log.parent == plane.layout.logs
    assert plane.died() is None


def test_every_server_listens_on_loopback_only(plane: LocalControlPlane) -> None:
    assert plane.server.startswith("https://127.0.0.1:")
    for process in plane.processes:
        addresses = [word for word in process.argv if "127.0.0.1" in word or "0.0.0.0" in word]  # noqa: S104
        assert addresses, process.name
        assert not any("0.0.0.0" in word for word in addresses), process.name  # noqa: S104


def test_a_pod_is_scheduled_onto_the_fake_node_and_kwok_runs_it(cluster: KubeCluster, namespace: str) -> None:
    cluster.apply(pod("web", namespace))

    live = Expect(cluster)(Ref("v1", "Pod", "web", namespace), running_on_the_fake_node, timeout=60)

    assert live.condition("Ready") is not None


def test_the_controller_manager_gives_a_deployment_its_pods(cluster: KubeCluster, namespace: str) -> None:
    labels = {"app": "web"}
    template = {"metadata": {"labels": labels}, "spec": pod("x", namespace)["spec"]}
    cluster.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": namespace},
                   "spec": {"replicas": 2, "selector": {"matchLabels": labels}, "template": template}})  # fmt: skip

    def available(obj: KubeObject) -> Observation:
        ready = obj.field("status.availableReplicas", 0)
        return Observation.simple(ready == 2, f"want 2 available replicas, is {ready}")

    Expect(cluster)(Ref("apps/v1", "Deployment", "web", namespace), available, timeout=90)

    assert len(cluster.list("v1", "Pod", namespace=namespace, labels=labels)) == 2


def test_the_running_control_plane_stays_within_its_memory_bound(plane: LocalControlPlane) -> None:
    now, peak = plane.memory_kib()

    assert 0 < now <= peak < MEMORY_BOUND_KIB, f"resident {now} KiB, peak {peak} KiB"
