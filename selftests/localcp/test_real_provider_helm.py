"""provider-helm v1.3.0 (the pinned v1.4.0 is not served by the Go proxy) built from its module, run as a pod-like
process with the platform's ``InjectedIdentity`` ProviderConfig: it installs the real vcluster 0.36.1 chart,
packaged from the vcluster module's ``chart/`` and served by a loopback chart repository, and kwok runs the
pods. Its CRDs come straight from the module's ``package/crds`` (Crossplane's package manager is not started
here)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path
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
HOST_CHART_CACHE = Path("/tmp/charts")  # noqa: S108 - where provider-helm caches the charts it pulls, in its pod
VCLUSTER = ("github.com/loft-sh/vcluster", "v0.36.1")


@pytest.fixture(scope="module")
def charts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChartRepository]:
    helm = gobuild.ensure_all(["helm"], cache_dir=default_cache_dir())[0].path
    folder = tmp_path_factory.mktemp("charts")
    package(helm, gobuild.module_dir(*VCLUSTER) / "chart", VCLUSTER[1], folder)
    with serving(helm, folder) as repository:
        yield repository


def host_chart_cache() -> set[tuple[str, int]]:
    """What the host's /tmp/charts holds (an older suite let provider-helm write there), name and mtime."""
    if not HOST_CHART_CACHE.is_dir():
        return set()
    return {(p.name, p.stat().st_mtime_ns) for p in HOST_CHART_CACHE.iterdir()}


@pytest.fixture(scope="module")
def host_cache_before() -> set[tuple[str, int]]:
    return host_chart_cache()


@pytest.fixture(scope="module")
def provider_helm(
    admin: KubeCluster,
    plane: LocalControlPlane,
    charts: ChartRepository,
    tmp_path_factory: pytest.TempPathFactory,
    host_cache_before: set[tuple[str, int]],  # noqa: ARG001 - taken before the provider pulls anything
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
    admin: KubeCluster, vcluster_release: tuple[KubeObject, str], host_cache_before: set[tuple[str, int]]
) -> None:
    live, namespace = vcluster_release
    # The chart it pulled was cached in the pod's own /tmp, gone with it: the host's /tmp is as it was.
    assert host_chart_cache() == host_cache_before

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
    assert re.fullmatch(
        r"repository http://127\.0\.0\.1:\d+ has no chart vcluster at version 0\.0\.404: the chart's name or its "
        r"version is wrong \(helm says the same of a name the repository does not have at all\)",
        hint.cause,
    ), hint.cause


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


def _synced_message(admin: KubeCluster, manifest: dict[str, Any], releases: list[Ref]) -> str:
    ref = admin.apply(manifest).ref
    releases.append(ref)
    synced = Expect(admin)(ref, synced_false, timeout=120).condition("Synced")
    assert synced is not None
    return synced.message


def test_a_chart_the_repository_does_not_have_is_the_providers_error(
    admin: KubeCluster, charts: ChartRepository, namespace: str, releases: list[Ref]
) -> None:
    manifest = release(charts.url, "0.36.1", namespace)
    manifest["spec"]["forProvider"]["chart"]["name"] = "vcluster-typo"

    message = _synced_message(admin, manifest, releases)

    # helm names the version even when the repository has no chart of that name at all: one text for both.
    assert re.fullmatch(
        r'create failed: failed to install release: failed to pull chart: chart "vcluster-typo" version "0\.36\.1" '
        r"not found in http://127\.0\.0\.1:\d+ repository",
        message,
    ), message
    hint = diagnose(message)
    assert hint is not None
    assert hint.cause.startswith("repository http://127.0.0.1:"), hint.cause
    assert "has no chart vcluster-typo at version 0.36.1: the chart's name or its version is wrong" in hint.cause


def test_a_chart_repository_that_cannot_be_reached_is_the_providers_error(
    admin: KubeCluster, namespace: str, releases: list[Ref]
) -> None:
    """A version this provider has not pulled: provider-helm serves a chart from its cache (/tmp/charts) by name and
    version whatever the repository, so 0.36.1, pulled by the test above, would deploy without asking (and did,
    from a cache the host's /tmp kept from an earlier run, before each runtime got a /tmp of its own)."""
    message = _synced_message(admin, release("http://127.0.0.1:1", "0.36.0", namespace), releases)

    assert message == (
        'create failed: failed to install release: failed to pull chart: looks like "http://127.0.0.1:1" is not a '
        'valid chart repository or cannot be reached: Get "http://127.0.0.1:1/index.yaml": dial tcp 127.0.0.1:1: '
        "connect: connection refused"
    )
    hint = diagnose(message)
    assert hint is not None
    assert hint.cause.startswith('provider-helm cannot read the chart repository http://127.0.0.1:1: Get "'), hint.cause


def test_values_the_chart_s_schema_refuses_are_the_providers_error(
    admin: KubeCluster, charts: ChartRepository, namespace: str, releases: list[Ref]
) -> None:
    """vCluster's chart has a values schema since 0.20: a value the platform sets wrongly is refused by helm
    before anything is installed, and helm lists every violation, over several lines."""
    manifest = release(charts.url, "0.36.1", namespace)
    manifest["spec"]["forProvider"]["values"] = {"controlPlane": {"proxy": {"extraSANs": "not-a-list"}, "nope": 1}}

    message = _synced_message(admin, manifest, releases)

    assert message == (
        "create failed: failed to install release: values don't meet the specifications of the schema(s) in the "
        "following chart(s):\nvcluster:\n- at '/controlPlane': validation failed\n  - at "
        "'/controlPlane/proxy/extraSANs': got string, want array\n  - at '/controlPlane': additional properties "
        "'nope' not allowed\n"
    )
    # As 2.1 would report it: the phases' verdict fails at once, its text quoting the message with its newlines.
    with pytest.raises(WaitFailed) as waited:
        Expect(admin)(releases[-1], release_ready, timeout=60)
    for said in (message, str(waited.value)):
        hint = diagnose(said)
        assert hint is not None, said
        assert hint.cause == (
            "the values given to chart vcluster break its values schema, at /controlPlane/proxy/extraSANs: got "
            "string, want array (the Release's message lists every violation)"
        ), said
