"""The reference platform as data: real fixture files, names from the profile, and readiness verdicts
that pass on healthy objects and say precisely what is wrong with unhealthy ones.

The object builders here (status shapes from platform-facts.md §1, §2.1, §4.1) are also used by
test_install.py to seed a healthy cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from oamconf.cluster.components import Component, Ready, reference_platform
from oamconf.errors import UsageError
from oamconf.k8s.api import Ref
from oamconf.k8s.conditions import on_object
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.wait import State
from oamconf.platform.paths import FIXTURES
from oamconf.platform.profile import load_profile
from oamconf.platform.versions import load_versions

# -- healthy and unhealthy objects, as the controllers write them ---------------------------------


def deployment(ref: Ref, *, available: bool = True, generation: int = 1, observed: int = 1) -> dict[str, Any]:
    reason = "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable"
    message = "Deployment has minimum availability." if available else "Deployment does not have minimum availability."
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": ref.name, "namespace": ref.namespace, "generation": generation},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": ref.name}}},
        "status": {
            "observedGeneration": observed,
            "replicas": 1,
            "updatedReplicas": 1,
            "readyReplicas": 1 if available else 0,
            "availableReplicas": 1 if available else 0,
            **({} if available else {"unavailableReplicas": 1}),
            "conditions": [
                {"type": "Available", "status": str(available), "reason": reason, "message": message},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
            ],
        },
    }


def statefulset(ref: Ref, *, ready: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": ref.name, "namespace": ref.namespace, "generation": 1},
        "spec": {"replicas": 1, "serviceName": ref.name, "selector": {"matchLabels": {"app": ref.name}}},
        "status": {
            "observedGeneration": 1,
            "replicas": 1,
            "currentReplicas": 1,
            "updatedReplicas": 1,
            **({"readyReplicas": ready, "availableReplicas": ready} if ready else {}),
            "currentRevision": f"{ref.name}-6d5f8c7b9",
            "updateRevision": f"{ref.name}-6d5f8c7b9",
            "collisionCount": 0,
        },
    }


def crd(ref: Ref, *, established: bool = True) -> dict[str, Any]:
    plural, _, group = ref.name.partition(".")
    conditions = [{"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found"}]
    if established:
        conditions.append(
            {
                "type": "Established",
                "status": "True",
                "reason": "InitialNamesAccepted",
                "message": "the initial names have been accepted",
            }
        )
    else:
        conditions.append(
            {"type": "Established", "status": "False", "reason": "Installing", "message": "the initial names..."}
        )
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": ref.name, "generation": 1},
        "spec": {"group": group, "names": {"plural": plural}, "scope": "Cluster"},
        "status": {"conditions": conditions, "acceptedNames": {"plural": plural}, "storedVersions": ["v1"]},
    }


def package(ref: Ref, *, healthy: bool = True, message: str = "") -> dict[str, Any]:
    healthy_condition = (
        {"type": "Healthy", "status": "True", "reason": "HealthyPackageRevision"}
        if healthy
        else {"type": "Healthy", "status": "False", "reason": "UnhealthyPackageRevision", "message": message}
    )
    return {
        "apiVersion": ref.api_version,
        "kind": ref.kind,
        "metadata": {"name": ref.name, "generation": 1},
        "spec": {"package": f"xpkg.crossplane.io/crossplane-contrib/{ref.name}:v1.0.0"},
        "status": {
            "currentRevision": f"{ref.name}-5b8e1f3a9c2d",
            "conditions": [
                {"type": "Installed", "status": "True", "reason": "ActivePackageRevision"},
                healthy_condition,
            ],
        },
    }


def xrd(ref: Ref) -> dict[str, Any]:
    return {
        "apiVersion": ref.api_version,
        "kind": ref.kind,
        "metadata": {"name": ref.name, "generation": 1},
        "status": {"conditions": [{"type": "Established", "status": "True", "reason": "WatchingComposite"}]},
    }


_HEALTHY: dict[str, Callable[[Ref], dict[str, Any]]] = {
    "Deployment": deployment,
    "StatefulSet": statefulset,
    "CustomResourceDefinition": crd,
    "Provider": package,
    "Function": package,
    "CompositeResourceDefinition": xrd,
}


def every_ready(components: Iterable[Component]) -> list[Ready]:
    return [r for c in components for r in (*c.install.before_apply, *c.ready)]


def healthy_objects(components: Iterable[Component]) -> list[dict[str, Any]]:
    """A healthy object for every object the components wait for."""
    return [_HEALTHY[r.ref.kind](r.ref) for r in every_ready(components)]


# -- the tests ---------------------------------------------------------------------------------------


@pytest.fixture
def platform() -> tuple[Component, ...]:
    return reference_platform(load_versions(), load_profile())


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


def test_a_fixtures_folder_without_the_platform_manifests_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"platform/crossplane: no manifests found"):
        reference_platform(load_versions(), load_profile(), fixtures=tmp_path)


def test_every_check_passes_on_a_cluster_seeded_with_a_healthy_platform(platform: tuple[Component, ...]) -> None:
    cluster = MemoryCluster()
    cluster.seed(healthy_objects(platform))

    seen = {str(r.ref): on_object(cluster, r.ref, r.verdict)() for r in every_ready(platform)}

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

    seen = on_object(cluster, ready.ref, ready.verdict)()

    assert (seen.state, seen.message) == (State.PENDING, message)


def test_a_deployment_without_conditions_yet_is_pending(platform: tuple[Component, ...]) -> None:
    cluster = MemoryCluster()
    bare = deployment(REPO_SERVER)
    bare["status"] = {}
    cluster.seed([bare])
    ready = next(r for r in every_ready(platform) if r.ref == REPO_SERVER)

    seen = on_object(cluster, ready.ref, ready.verdict)()

    assert (seen.state, seen.message) == (State.PENDING, "want Available=True, is no Available condition yet")
