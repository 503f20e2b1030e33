"""1.2 OAM ComponentDefinitions: KubeVela runs, and the platform's component types exist."""

from __future__ import annotations

import pytest

from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster
from oamconf.k8s.expect import Expect
from oamconf.k8s.verdicts.kubevela import definition_registered
from oamconf.k8s.verdicts.workloads import deployment_available
from oamconf.platform.profile import Profile
from oamconf.steps.evidence import Evidence

STEP = pytest.mark.step("1.2", "OAM ComponentDefinitions")


@pytest.mark.needs("kubevela", "cluster-gateway")
@STEP
def test_kubevela_is_running(expect: Expect, profile: Profile, evidence: Evidence) -> None:
    """KubeVela's controller and cluster gateway are Available."""
    names = ("kubevela-vela-core", "kubevela-cluster-gateway")
    for name in names:
        ref = kinds.DEPLOYMENT.ref(name, profile.namespaces.kubevela)
        expect(ref, deployment_available, timeout=profile.timeouts.deployment_available)
    evidence.add(f"KubeVela: {len(names)} Deployments Available in {profile.namespaces.kubevela}")


@pytest.mark.parametrize("component", ["postgresql", "redis"])
@pytest.mark.needs("kubevela", "platform")
@STEP
def test_the_component_definition_is_registered(
    component: str, cluster: Cluster, expect: Expect, profile: Profile, evidence: Evidence
) -> None:
    """The platform's ComponentDefinition exists where every Application can see it, and KubeVela took it."""
    name = getattr(profile.definitions, component)
    ref = kinds.COMPONENT_DEFINITION.ref(name, profile.definitions.namespace)
    # The platform installs its definitions before any step: missing now means missing, not "not yet".
    assert cluster.get(ref) is not None, (
        f"{ref} not found: apply fixtures/platform/kubevela/componentdefinition-{name}.yaml"
    )
    live = expect(ref, definition_registered, timeout=profile.timeouts.deployment_available)
    evidence.add(
        f"ComponentDefinition {ref.namespace}/{name} registered (revision {live.field('status.latestRevision.name')})"
    )
