"""What a failed wait's diagnostics follow below the object: composed resources, workflow steps, the
resources Argo CD cannot sync, and pods with their container states."""

from __future__ import annotations

from typing import Any

from oamconf.k8s.api import KubeObject
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.related import related


def titled(sections: list[tuple[str, str]]) -> dict[str, str]:
    return dict(sections)


def manifest(api_version: str, kind: str, name: str, namespace: str | None = None, **rest: Any) -> dict[str, Any]:
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": api_version, "kind": kind, "metadata": meta, **rest}


def test_a_composite_shows_each_composed_resource_and_its_conditions() -> None:
    cluster = MemoryCluster("xr")
    cluster.declare_kind("platform.example.org/v1alpha1", "VirtualCluster", "Cluster")
    release = manifest(
        "helm.crossplane.io/v1beta1", "Release", "vc1",
        status={"conditions": [{"type": "Ready", "status": "False", "reason": "Unavailable"}]},
    )  # fmt: skip
    refs = [
        {"apiVersion": "helm.crossplane.io/v1beta1", "kind": "Release", "name": "vc1"},
        {"apiVersion": "kubernetes.crossplane.io/v1alpha2", "kind": "Object", "name": "vc1-argocd-cluster"},
    ]
    xr = manifest("platform.example.org/v1alpha1", "VirtualCluster", "vc1", spec={"crossplane": {"resourceRefs": refs}})
    cluster.seed([release, xr])

    sections = titled(related(cluster, KubeObject(xr)))

    assert sections["VirtualCluster vc1 composed resources"] == (
        "Release vc1: Ready=False reason=Unavailable\nObject vc1-argocd-cluster: missing"
    )


def test_an_oam_application_shows_its_failed_step_unhealthy_component_and_applied_release() -> None:
    cluster = MemoryCluster("oam")
    release = manifest(
        "helm.crossplane.io/v1beta1", "Release", "app-db",
        status={"atProvider": {"state": "failed"}, "conditions": [{"type": "Ready", "status": "False"}]},
    )  # fmt: skip
    app = manifest(
        "core.oam.dev/v1beta1", "Application", "app", "apps",
        status={
            "workflow": {"steps": [{"name": "db", "phase": "failed", "reason": "Execute", "message": "apply failed"}]},
            "services": [{"name": "db", "healthy": False, "message": "helm state: failed"}],
            "appliedResources": [{"apiVersion": "helm.crossplane.io/v1beta1", "kind": "Release", "name": "app-db"}],
        },
    )  # fmt: skip
    cluster.seed([release, app])

    sections = titled(related(cluster, KubeObject(app)))

    assert sections["Application apps/app workflow steps"] == "db: failed (Execute: apply failed)"
    assert sections["Application apps/app unhealthy components"] == "db: helm state: failed"
    assert sections["Application apps/app applied resources"] == "Release app-db: state failed; Ready=False"


def test_an_argo_cd_application_shows_only_what_is_not_synced_or_not_healthy() -> None:
    resources = [
        {"kind": "Deployment", "namespace": "apps", "name": "podinfo", "status": "Synced",
         "health": {"status": "Degraded", "message": "Deployment exceeded its progress deadline"}},
        {"kind": "Service", "namespace": "apps", "name": "podinfo", "status": "Synced",
         "health": {"status": "Healthy"}},
        {"kind": "ConfigMap", "namespace": "apps", "name": "settings", "status": "OutOfSync"},
    ]  # fmt: skip
    app = manifest("argoproj.io/v1alpha1", "Application", "podinfo-vc1", "argocd", status={"resources": resources})

    sections = titled(related(MemoryCluster("argo"), KubeObject(app)))

    assert sections["Application argocd/podinfo-vc1 resources not Synced/Healthy"] == (
        "Deployment apps/podinfo: sync=Synced health=Degraded (Deployment exceeded its progress deadline)\n"
        "ConfigMap apps/settings: sync=OutOfSync health=?"
    )


def test_a_statefulset_with_a_restarting_pod_shows_the_previous_runs_log() -> None:
    cluster = MemoryCluster("db")
    labels = {"app.kubernetes.io/instance": "db"}
    sts = manifest("apps/v1", "StatefulSet", "db", "apps", spec={"selector": {"matchLabels": labels}})
    pod = manifest("v1", "Pod", "db-0", "apps", status={"phase": "Running", "containerStatuses": [
        {"name": "postgresql", "ready": False, "restartCount": 3,
         "state": {"running": {}}, "lastState": {"terminated": {"reason": "Error", "exitCode": 1}}}]})  # fmt: skip
    pod["metadata"]["labels"] = labels
    cluster.seed([sts, pod])
    cluster.add_log("apps", "db-0", "postgresql", "FATAL: password authentication failed\n", previous=True)

    sections = titled(related(cluster, KubeObject(sts)))

    assert sections["Pod apps/db-0"] == (
        "phase Running\ncontainer postgresql: running, ready=False, restarts=3\n  last run: terminated Error (exit 1)"
    )
    log = sections["Pod apps/db-0 container postgresql: previous run's last 20 log lines"]
    assert log == "FATAL: password authentication failed"
