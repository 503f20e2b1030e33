"""The reference platform as data: real fixture files, names from the profile, and readiness verdicts
that pass on healthy objects and say precisely what is wrong with unhealthy ones.

The objects come from healthy.py (status shapes from platform-facts.md §1, §2.1, §4.1).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from cluster.healthy import crd, deployment, every_ready, healthy_objects, package, statefulset
from oamconf.cluster.components import Component, reference_platform
from oamconf.errors import UsageError
from oamconf.k8s.api import Ref
from oamconf.k8s.conditions import Verdict
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.wait import Observation, State
from oamconf.platform.paths import fixtures_dir
from oamconf.platform.profile import load_profile
from oamconf.platform.versions import load_versions

FIXTURES = fixtures_dir()


@pytest.fixture
def platform() -> tuple[Component, ...]:
    return reference_platform(load_versions(), load_profile())


def observe(cluster: MemoryCluster, ref: Ref, verdict: Verdict) -> Observation:
    """One poll of a readiness wait: the verdict on the object as it is now."""
    obj = cluster.get(ref)
    return verdict(obj) if obj is not None else Observation.pending("not found yet")


def by_name(components: Iterable[Component]) -> dict[str, Component]:
    return {c.name: c for c in components}


def kinds_applied(component: Component) -> list[str]:
    manifests = component.install.manifests
    return [] if manifests is None else [doc["kind"] for doc in manifests.documents()]


def test_the_reference_platform_installs_its_components_after_what_they_need(platform: tuple[Component, ...]) -> None:
    assert {c.name: c.needs for c in platform} == {
        "crossplane": (),
        "crossplane-packages": ("crossplane",),
        "provider-configs": ("crossplane-packages",),
        "kubevela": (),
        "argocd": (),
        "platform": ("kubevela", "provider-configs", "argocd"),
    }


def test_every_component_resolves_to_real_files_under_fixtures(platform: tuple[Component, ...]) -> None:
    files = [
        *(p for c in platform if c.install.helm for p in c.install.helm.values_files),
        *(p for c in platform if c.install.manifests for p in c.install.manifests.files),
    ]
    assert files
    for path in files:
        assert path.is_file()
        assert path.resolve().is_relative_to(FIXTURES.resolve())
    values = {c.name: [p.name for p in c.install.helm.values_files] for c in platform if c.install.helm}
    assert values == {"crossplane": ["crossplane.yaml"], "kubevela": [], "argocd": ["argo-cd.yaml"]}


def test_packages_are_applied_without_provider_configs_which_come_after(platform: tuple[Component, ...]) -> None:
    components = by_name(platform)
    assert sorted(set(kinds_applied(components["crossplane-packages"]))) == [
        "ClusterRoleBinding",
        "DeploymentRuntimeConfig",
        "Function",
        "Provider",
    ]
    assert kinds_applied(components["provider-configs"]) == ["ProviderConfig", "ProviderConfig"]
    before = [r.ref.name for r in components["crossplane-packages"].install.before_apply]
    assert before == [
        "providers.pkg.crossplane.io",
        "functions.pkg.crossplane.io",
        "deploymentruntimeconfigs.pkg.crossplane.io",
    ]


def test_the_platform_applies_definitions_then_the_xrd_then_its_composition(platform: tuple[Component, ...]) -> None:
    component = by_name(platform)["platform"]
    assert kinds_applied(component) == [
        "ComponentDefinition",
        "ComponentDefinition",
        "CompositeResourceDefinition",
        "Composition",
    ]
    assert [str(r.ref) for r in component.ready] == ["CompositeResourceDefinition virtualclusters.platform.example.org"]


def test_charts_come_from_the_versions_file_and_names_from_the_profile() -> None:
    versions = load_versions()
    profile = load_profile(overrides=["crossplane.helm_provider=my-helm", "namespaces.argocd=gitops"])

    components = by_name(reference_platform(versions, profile))

    kubevela = components["kubevela"].install.helm
    assert kubevela is not None
    assert (kubevela.release, kubevela.chart, kubevela.namespace) == ("kubevela", versions.kubevela, "vela-system")
    waited = [str(r.ref) for r in components["crossplane-packages"].ready]
    assert "Provider my-helm" in waited
    assert [str(r.ref) for r in components["argocd"].ready] == [
        "Deployment gitops/argocd-server",
        "Deployment gitops/argocd-repo-server",
        "Deployment gitops/argocd-applicationset-controller",
        "StatefulSet gitops/argocd-application-controller",
    ]


def test_each_check_waits_with_the_profile_timeout_of_its_kind(platform: tuple[Component, ...]) -> None:
    assert {(r.ref.kind, r.wait) for r in every_ready(platform)} == {
        ("Deployment", "deployment_available"),
        ("StatefulSet", "deployment_available"),
        ("Provider", "package_healthy"),
        ("Function", "package_healthy"),
        ("CustomResourceDefinition", "crd_established"),
        ("CompositeResourceDefinition", "crd_established"),
    }


def test_a_fixtures_folder_without_the_platform_manifests_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"platform/crossplane: no manifests found"):
        reference_platform(load_versions(), load_profile(), fixtures=tmp_path)


def test_every_check_passes_on_a_cluster_seeded_with_a_healthy_platform(platform: tuple[Component, ...]) -> None:
    cluster = MemoryCluster()
    cluster.seed(healthy_objects(platform))

    seen = {str(r.ref): observe(cluster, r.ref, r.verdict) for r in every_ready(platform)}

    assert len(seen) == 20
    assert {name: obs.state for name, obs in seen.items() if obs.state is not State.SUCCEEDED} == {}


REPO_SERVER = Ref("apps/v1", "Deployment", "argocd-repo-server", "argocd")
CONTROLLER = Ref("apps/v1", "StatefulSet", "argocd-application-controller", "argocd")
HELM_PROVIDER = Ref("pkg.crossplane.io/v1", "Provider", "provider-helm")
RELEASES_CRD = Ref("apiextensions.k8s.io/v1", "CustomResourceDefinition", "releases.helm.crossplane.io")
PULL_ERROR = "cannot pull package: context deadline exceeded"


@pytest.mark.parametrize(
    ("unhealthy", "message"),
    [
        pytest.param(
            deployment(REPO_SERVER, available=False),
            "want Available=True, is Available=False reason=MinimumReplicasUnavailable",
            id="deployment-unavailable",
        ),
        pytest.param(
            deployment(REPO_SERVER, generation=2, observed=1),
            "want observedGeneration 2, is 1",
            id="deployment-rollout-not-observed",
        ),
        pytest.param(statefulset(CONTROLLER, ready=0), "want readyReplicas=1, is readyReplicas=0", id="statefulset"),
        pytest.param(
            crd(RELEASES_CRD, established=False),
            "want Established=True, is Established=False reason=Installing",
            id="crd",
        ),
        pytest.param(
            package(HELM_PROVIDER, healthy=False, message=PULL_ERROR),
            f"want Healthy=True, is Healthy=False reason=UnhealthyPackageRevision message='{PULL_ERROR}'",
            id="provider-unhealthy",
        ),
    ],
)
def test_an_unhealthy_object_fails_its_check_saying_what_it_is(
    platform: tuple[Component, ...], unhealthy: dict[str, Any], message: str
) -> None:
    cluster = MemoryCluster()
    cluster.seed(healthy_objects(platform))
    cluster.seed([unhealthy])
    ready = next(r for r in every_ready(platform) if r.ref == Ref.of(unhealthy))

    seen = observe(cluster, ready.ref, ready.verdict)

    assert (seen.state, seen.message) == (State.PENDING, message)


def test_a_deployment_without_conditions_yet_is_pending(platform: tuple[Component, ...]) -> None:
    cluster = MemoryCluster()
    bare = deployment(REPO_SERVER)
    bare["status"] = {}
    cluster.seed([bare])
    ready = next(r for r in every_ready(platform) if r.ref == REPO_SERVER)

    seen = observe(cluster, ready.ref, ready.verdict)

    assert (seen.state, seen.message) == (State.PENDING, "want Available=True, is no Available condition yet")
