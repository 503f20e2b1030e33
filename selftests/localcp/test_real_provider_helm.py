"""provider-helm v1.3.0 (the pinned v1.4.0 is not served by the Go proxy) built from its module, run as a pod-like
process with the platform's ``InjectedIdentity`` ProviderConfig: it installs the real vcluster 0.36.1 chart,
packaged from the vcluster module's ``chart/`` and served by a loopback chart repository, and kwok runs the
pods. Its CRDs come straight from the module's ``package/crds`` (Crossplane's package manager is not started
here)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from localcp.providers import delete_all, install, running
from oamconf.cluster import gobuild
from oamconf.cluster.localcp.charts import ChartRepository, package, serving
from oamconf.cluster.localcp.controlplane import LocalControlPlane
from oamconf.cluster.localcp.process import OwnedProcess
from oamconf.cluster.localcp.providers import PROVIDER_HELM
from oamconf.cluster.tools import default_cache_dir
from oamconf.errors import WaitFailed
from oamconf.k8s.api import KubeObject, Ref
from oamconf.k8s.expect import Expect
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.verdicts.helm import release_ready
from oamconf.k8s.verdicts.workloads import statefulset_ready
from oamconf.k8s.wait import Observation
from oamconf.steps.hints import diagnose

RELEASE = "helm.crossplane.io/v1beta1"
VCLUSTER = ("github.com/loft-sh/vcluster", "v0.36.1")


@pytest.fixture(scope="module")
def charts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChartRepository]:
    helm = gobuild.ensure_all(["helm"], cache_dir=default_cache_dir())[0].path
    folder = tmp_path_factory.mktemp("charts")
    package(helm, gobuild.module_dir(*VCLUSTER) / "chart", VCLUSTER[1], folder)
    with serving(helm, folder) as repository:
        yield repository


@pytest.fixture(scope="module")
def provider_helm(
    admin: KubeCluster, plane: LocalControlPlane, charts: ChartRepository, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OwnedProcess]:
    install(admin, plane, PROVIDER_HELM)
    log = tmp_path_factory.mktemp("provider-helm") / "provider-helm.log"
    with running(admin, plane, PROVIDER_HELM, log, forward=[charts.port]) as process:
        yield process


def release(repository: str, version: str, namespace: str) -> dict[str, Any]:
    chart = {"name": "vcluster", "repository": repository, "version": version}
    spec = {"providerConfigRef": {"name": "helm-provider"}, "forProvider": {"chart": chart, "namespace": namespace}}
    name = f"vc-{secrets.token_hex(3)}"
    return {"apiVersion": RELEASE, "kind": "Release", "metadata": {"name": name}, "spec": spec}


@pytest.fixture
def releases(admin: KubeCluster, provider_helm: OwnedProcess) -> Iterator[list[Ref]]:
    """Releases a test made, deleted (uninstalled by the provider) while it still runs."""
    made: list[Ref] = []
    yield made
    assert provider_helm.exit_code() is None, provider_helm.tail()  # else nothing uninstalls them
    delete_all(admin, made, timeout=120)


def synced_false(obj: KubeObject) -> Observation:
    synced = obj.condition("Synced")
    return Observation.simple(synced is not None and synced.status == "False", f"want Synced=False, is {synced}")


@pytest.fixture(scope="module")
def vcluster_release(
    admin: KubeCluster, charts: ChartRepository, provider_helm: OwnedProcess
) -> Iterator[tuple[KubeObject, str]]:
    """A Release of the vcluster chart awaited deployed, in a namespace of its own, with a PersistentVolume for its
    StatefulSet's claim: a stand-in for kind's local-path provisioner (there is no StorageClass here, so
    kube-controller-manager binds the claim to it; no kubelet ever mounts it)."""
    namespace = f"lcp-{secrets.token_hex(3)}"
    name = f"lcp-pv-{secrets.token_hex(3)}"
    volume = {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": f"/none/{name}"}}
    pv = admin.apply({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name}, "spec": volume}).ref
    ref = admin.apply(release(charts.url, "0.36.1", namespace)).ref
    try:
        yield Expect(admin)(ref, release_ready, timeout=180), namespace
    finally:
        assert provider_helm.exit_code() is None, provider_helm.tail()  # else nothing uninstalls it
        delete_all(admin, [ref], timeout=120)
        admin.delete(Ref("v1", "Namespace", namespace))
        admin.delete(pv)


def test_a_release_of_the_vcluster_chart_is_deployed(
    admin: KubeCluster, vcluster_release: tuple[KubeObject, str]
) -> None:
    live, namespace = vcluster_release

    assert str(live.condition("Ready")) == "Ready=True reason=Available"
    assert str(live.condition("Synced")) == "Synced=True reason=ReconcileSuccess"
    assert live.field("status.atProvider") == {
        "releaseDescription": "Install complete",
        "revision": 1,
        "state": "deployed",
        "version": "0.36.1",
    }
    claim = admin.get(Ref("v1", "PersistentVolumeClaim", f"data-{live.ref.name}-0", namespace))
    assert claim is not None
    assert claim.field("status.phase") == "Bound"


def test_the_vcluster_pod_runs_on_the_fake_node(admin: KubeCluster, vcluster_release: tuple[KubeObject, str]) -> None:
    live, namespace = vcluster_release

    statefulset = Expect(admin)(Ref("apps/v1", "StatefulSet", live.ref.name, namespace), statefulset_ready, timeout=60)

    assert statefulset.field("status.readyReplicas") == 1


def test_a_chart_version_the_repository_does_not_have_is_the_providers_error(
    admin: KubeCluster, charts: ChartRepository, namespace: str, releases: list[Ref]
) -> None:
    ref = admin.apply(release(charts.url, "0.0.404", namespace)).ref
    releases.append(ref)

    live = Expect(admin)(ref, synced_false, timeout=120)

    synced = live.condition("Synced")
    assert synced is not None
    assert re.fullmatch(
        r"Synced=False reason=ReconcileError message=\'create failed: failed to install release: failed to pull chart: "
        r'chart "vcluster" version "0.0.404" not found in http://127\.0\.0\.1:\d+ repository\'',
        str(synced),
    ), str(synced)
    assert str(live.condition("Ready")) == "Ready=False reason=Creating"
    assert live.field("status.atProvider") == {}
    # The verdict the phases use fails at once on it (it waited out its timeout before), and the hint names it.
    with pytest.raises(WaitFailed) as waited:
        Expect(admin)(ref, release_ready, timeout=60)
    assert "want deployed, is state none yet, Ready=False reason=Creating, Synced=False" in str(waited.value)
    hint = diagnose(str(waited.value))
    assert hint is not None
    assert hint.cause.startswith("the chart vcluster has no version 0.0.404 in repository http://127.0.0.1:")


def test_a_release_naming_a_provider_config_that_does_not_exist_is_the_providers_error(
    admin: KubeCluster, charts: ChartRepository, namespace: str, releases: list[Ref]
) -> None:
    manifest = release(charts.url, "0.36.1", namespace)
    manifest["spec"]["providerConfigRef"]["name"] = "no-such-config"
    ref = admin.apply(manifest).ref
    releases.append(ref)

    live = Expect(admin)(ref, synced_false, timeout=120)

    assert str(live.condition("Synced")) == (
        "Synced=False reason=ReconcileError message='connect failed: failed to resolve provider config: cannot get "
        'provider config: ProviderConfig.helm.crossplane.io "no-such-config" not found\''
    )
    assert live.condition("Ready") is None  # provider-helm sets no Ready before it connects
    with pytest.raises(WaitFailed) as waited:  # the phases' verdict fails at once, and the hint names the config
        Expect(admin)(ref, release_ready, timeout=60)
    hint = diagnose(str(waited.value))
    assert hint is not None
    assert hint.cause == "the ProviderConfig no-such-config (helm.crossplane.io) that the resource names does not exist"
