"""Crossplane v2.3.4's package manager on the real control plane: the platform's own Provider and Function
manifests install from the loopback registry through an ImageConfig rewrite, and the suite's package verdict
judges the status Crossplane writes. The runtime is Crossplane's Deployment runtime with kwok's simulated
pods, so RuntimeHealthy is earned from the Deployment's Available condition (no provider code runs here)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client as k8s_client
from kubernetes import config as k8s_config

from oamconf.cluster.localcp.controlplane import CONTEXT, LocalControlPlane
from oamconf.cluster.localcp.crossplane import IMAGE_CONFIG, LocalCrossplane, crossplane_binaries, crossplane_running
from oamconf.cluster.localcp.registry import local_packages
from oamconf.cluster.tools import default_cache_dir
from oamconf.errors import ConformanceError, WaitFailed
from oamconf.k8s.api import KubeObject, Ref
from oamconf.k8s.conditions import condition_true
from oamconf.k8s.expect import Expect
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.verdicts.crossplane import composite_ready, package_healthy
from oamconf.k8s.wait import Observation, State
from oamconf.platform.paths import fixtures_dir
from oamconf.platform.versions import load_versions
from oamconf.steps.hints import diagnose
from oamconf.yamlio import load_all_kubernetes

PKG = "pkg.crossplane.io/v1"
PACKAGES = (("Provider", "provider-helm"), ("Provider", "provider-kubernetes"),
            ("Function", "function-patch-and-transform"))  # fmt: skip
MANIFESTS = ("function-patch-and-transform.yaml", "provider-helm.yaml", "provider-kubernetes.yaml")
INSTALL_TIMEOUT = 120


@pytest.fixture(scope="module")
def crossplane(plane: LocalControlPlane, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCrossplane]:
    """Crossplane and the registry on the session's control plane, with the platform's packages applied.
    They stay installed after the module: the control plane is the session's own and goes with it."""
    try:
        binaries = crossplane_binaries(default_cache_dir())
    except ConformanceError as err:
        pytest.fail(str(err), pytrace=False)
    packages = local_packages(load_versions())
    with crossplane_running(plane, binaries, packages, tmp_path_factory.mktemp("crossplane")) as local:
        admin = KubeCluster.from_kubeconfig(plane.kubeconfig, CONTEXT)
        try:
            for manifest in platform_manifests(local):
                admin.apply(manifest)
        finally:
            admin.close()
        yield local


@pytest.mark.parametrize(
    ("process", "account"), [("crossplane", "crossplane"), ("crossplane-rbac-manager", "rbac-manager")]
)
def test_crossplane_runs_as_its_charts_service_account(crossplane: LocalCrossplane, process: str, account: str) -> None:
    """The processes' kubeconfigs hold a TokenRequest token the API server reads as the chart's ServiceAccount."""
    kubeconfig = str(crossplane.kubeconfigs[process])
    api = k8s_config.new_client_from_config(config_file=kubeconfig, persist_config=False)  # type: ignore[no-untyped-call] # unannotated upstream
    try:
        review = k8s_client.AuthenticationV1Api(api).create_self_subject_review(k8s_client.V1SelfSubjectReview())
    finally:
        api.close()

    user = review.status.user_info if review.status else None
    assert user is not None
    assert user.username == f"system:serviceaccount:crossplane-system:{account}"
    assert next(p for p in crossplane.processes if p.name == process).exit_code() is None, "it is running"


def platform_manifests(local: LocalCrossplane) -> list[dict[str, Any]]:
    """fixtures/platform/crossplane as they are, but provider-helm at the tag the local tier serves."""
    helm = local.package("provider-helm")
    docs: list[dict[str, Any]] = []
    for name in MANIFESTS:
        for doc in load_all_kubernetes((fixtures_dir() / "platform" / "crossplane" / name).read_text("utf-8")):
            if doc["kind"] == "Provider" and doc["metadata"]["name"] == "provider-helm":
                pinned = f"xpkg.crossplane.io/crossplane-contrib/provider-helm:{helm.instead_of}"
                assert doc["spec"]["package"] == pinned
                doc["spec"]["package"] = helm.upstream
            docs.append(doc)
    return docs


def healthy(cluster: KubeCluster, kind: str, name: str) -> KubeObject:
    return Expect(cluster)(Ref(PKG, kind, name), package_healthy, timeout=INSTALL_TIMEOUT)


@pytest.mark.parametrize(("kind", "name"), PACKAGES, ids=[name for _, name in PACKAGES])
def test_a_platform_package_becomes_installed_and_healthy_through_crossplanes_package_manager(
    crossplane: LocalCrossplane, cluster: KubeCluster, kind: str, name: str
) -> None:
    live = healthy(cluster, kind, name)

    assert str(live.condition("Installed")) == "Installed=True reason=ActivePackageRevision"
    assert str(live.condition("Healthy")) == "Healthy=True reason=HealthyPackageRevision"
    package = crossplane.package(name)
    digest = crossplane.registry.digests[crossplane.registry.image(package)]
    assert live.status["currentRevision"] == f"{name}-{digest.removeprefix('sha256:')[:12]}"
    assert live.status["resolvedPackage"] == crossplane.registry.image(package)
    assert live.status["appliedImageConfigRefs"] == [{"name": IMAGE_CONFIG, "reason": "RewriteImage"}]


@pytest.mark.usefixtures("crossplane")
@pytest.mark.parametrize(("kind", "name"), PACKAGES, ids=[name for _, name in PACKAGES])
def test_the_active_revision_is_healthy_and_its_runtime_deployment_available(
    cluster: KubeCluster, kind: str, name: str
) -> None:
    revision_name = healthy(cluster, kind, name).status["currentRevision"]

    revision = cluster.get(Ref(PKG, f"{kind}Revision", revision_name))
    deployment = cluster.get(Ref("apps/v1", "Deployment", revision_name, "crossplane-system"))

    assert revision is not None
    assert deployment is not None, "Crossplane's runtime controller names the Deployment after the revision"
    assert str(revision.condition("RevisionHealthy")) == "RevisionHealthy=True reason=HealthyPackageRevision"
    assert str(revision.condition("RuntimeHealthy")) == "RuntimeHealthy=True reason=HealthyPackageRevision"
    assert revision.raw["spec"]["desiredState"] == "Active"
    assert [owner["name"] for owner in deployment.metadata["ownerReferences"]] == [revision_name]
    assert str(deployment.condition("Available")).startswith("Available=True reason=MinimumReplicasAvailable")


@pytest.mark.usefixtures("crossplane")
@pytest.mark.parametrize("crd", ["releases.helm.crossplane.io", "objects.kubernetes.crossplane.io"])
def test_a_providers_managed_resource_crd_becomes_established(cluster: KubeCluster, crd: str) -> None:
    for kind, name in PACKAGES:
        healthy(cluster, kind, name)
    ref = Ref("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd)

    live = Expect(cluster)(ref, condition_true("Established"))

    assert str(live.condition("Established")).startswith("Established=True")


@pytest.mark.usefixtures("crossplane")
def test_a_function_revision_has_the_endpoint_crossplane_dials(cluster: KubeCluster) -> None:
    revision_name = healthy(cluster, "Function", "function-patch-and-transform").status["currentRevision"]

    revision = cluster.get(Ref(PKG, "FunctionRevision", revision_name))

    assert revision is not None
    assert revision.status["endpoint"] == "dns:///function-patch-and-transform.crossplane-system:9443"


def test_a_package_tag_the_registry_does_not_have_fails_at_once_in_crossplanes_words(
    crossplane: LocalCrossplane, cluster: KubeCluster
) -> None:
    missing = {"apiVersion": PKG, "kind": "Provider", "metadata": {"name": "provider-helm-missing-tag"},
               "spec": {"package": "xpkg.crossplane.io/crossplane-contrib/provider-helm:v9.9.9"}}  # fmt: skip
    ref = cluster.apply(missing).ref
    try:
        with pytest.raises(WaitFailed) as caught:
            Expect(cluster)(ref, package_healthy, timeout=INSTALL_TIMEOUT)
    finally:
        cluster.delete(ref)

    image = f"{crossplane.registry.host}/crossplane-contrib/provider-helm:v9.9.9"
    manifest = f"https://{crossplane.registry.host}/v2/crossplane-contrib/provider-helm/manifests/v9.9.9"
    assert str(caught.value) == (
        "Provider provider-helm-missing-tag: want Installed=True, is Installed=False reason=UnpackingPackage "
        f"message='cannot unpack package: cannot resolve {image} to digest: failed to fetch package descriptor "
        f"with a GET request after a previous HEAD request failure: HEAD {manifest}: unexpected status code "
        "404 Not Found (HEAD responses have no body, use GET for details): "
        f"GET {manifest}: MANIFEST_UNKNOWN: Unknown manifest'"
    ), str(caught.value)
    hint = diagnose(str(caught.value))
    assert hint is not None
    assert hint.cause == f"Crossplane cannot install the package {image}: its registry has no such tag or repository"


FAULT_XRD = {
    "apiVersion": "apiextensions.crossplane.io/v2", "kind": "CompositeResourceDefinition",
    "metadata": {"name": "probes.faults.example.org"},
    "spec": {"scope": "Cluster", "group": "faults.example.org", "names": {"kind": "Probe", "plural": "probes"},
             "versions": [{"name": "v1alpha1", "served": True, "referenceable": True,
                           "schema": {"openAPIV3Schema": {"type": "object"}}}]},
}  # fmt: skip
FAULT_COMPOSITION = {
    "apiVersion": "apiextensions.crossplane.io/v1", "kind": "Composition", "metadata": {"name": "probe-missing-fn"},
    "spec": {"compositeTypeRef": {"apiVersion": "faults.example.org/v1alpha1", "kind": "Probe"}, "mode": "Pipeline",
             "pipeline": [{"step": "patch-and-transform", "functionRef": {"name": "function-not-installed"}}]},
}  # fmt: skip


def _probe_unsynced(cluster: KubeCluster, name: str, composition: str) -> tuple[Ref, KubeObject]:
    """A Probe composite named *name* naming *composition*, once its XRD is established and Crossplane core has
    set it Synced=False; its ref and what core wrote."""
    expect = Expect(cluster)
    expect(Ref("apiextensions.crossplane.io/v2", "CompositeResourceDefinition", "probes.faults.example.org"),
           condition_true("Established"), timeout=120)  # fmt: skip
    xr = {"apiVersion": "faults.example.org/v1alpha1", "kind": "Probe", "metadata": {"name": name},
          "spec": {"crossplane": {"compositionRef": {"name": composition}}}}  # fmt: skip
    ref = expect.applied(xr, timeout=60).ref

    def synced_false(obj: KubeObject) -> Observation:
        synced = obj.condition("Synced")
        return Observation.simple(synced is not None and synced.status == "False", f"is {synced}")

    return ref, expect(ref, synced_false, timeout=120)


@pytest.mark.usefixtures("crossplane")
def test_a_composition_naming_a_function_that_is_not_installed_is_crossplanes_error(cluster: KubeCluster) -> None:
    cluster.apply(FAULT_XRD)
    cluster.apply(FAULT_COMPOSITION)
    ref, live = _probe_unsynced(cluster, "p1", "probe-missing-fn")

    # Crossplane core's own words (`crossplane internal render`, the offline path, says "unknown function").
    assert str(live.condition("Synced")) == (
        "Synced=False reason=ReconcileError message='cannot compose resources: cannot run Composition pipeline step "
        '"patch-and-transform": cannot get gRPC client connection for Function "function-not-installed": cannot find '
        "an active FunctionRevision (a FunctionRevision with spec.desiredState: Active)'"
    )
    hint = diagnose(str(live.condition("Synced")))
    assert hint is not None
    assert hint.cause.startswith("Crossplane cannot call function-not-installed for pipeline step patch-and-transform")
    # Not a failure at once: installing the function lets it go on (the step's wait says this text when it ends).
    assert composite_ready(live).state is State.PENDING
    assert "cannot find an active FunctionRevision" in composite_ready(live).message
    cluster.delete(ref)


@pytest.mark.usefixtures("crossplane")
def test_a_composite_naming_a_composition_that_does_not_exist_is_crossplanes_error(cluster: KubeCluster) -> None:
    cluster.apply(FAULT_XRD)
    ref, live = _probe_unsynced(cluster, "p2", "no-such-composition")

    assert str(live.condition("Synced")) == (
        "Synced=False reason=ReconcileError message='cannot fetch Composition: cannot get Composition: "
        'Composition.apiextensions.crossplane.io "no-such-composition" not found\''
    )
    hint = diagnose(composite_ready(live).message)  # as 2.1's wait words it when it ends
    assert hint is not None
    assert hint.cause == "the composite names Composition no-such-composition, which does not exist"
    # Not a failure at once, like a missing function: applying the Composition lets it go on.
    assert composite_ready(live).state is State.PENDING
    cluster.delete(ref)
