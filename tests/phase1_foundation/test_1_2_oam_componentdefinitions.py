"""1.2 OAM ComponentDefinitions: KubeVela runs, and the platform's component types exist."""

from __future__ import annotations

import pytest

from oamconf.k8s.api import Cluster, KubeObject, Ref
from oamconf.k8s.conditions import deployment_available, wait_for
from oamconf.k8s.wait import Clock, Observation, WaitPolicy
from oamconf.platform.profile import Profile
from oamconf.steps.evidence import Evidence

STEP = pytest.mark.step("1.2", "OAM ComponentDefinitions")


@STEP
def test_kubevela_is_running(
    cluster: Cluster, profile: Profile, evidence: Evidence, wait_policy: WaitPolicy, clock: Clock
) -> None:
    """KubeVela's controller and cluster gateway are Available."""
    names = ("kubevela-vela-core", "kubevela-cluster-gateway")
    for name in names:
        ref = Ref("apps/v1", "Deployment", name, profile.namespaces.kubevela)
        wait_for(
            cluster, ref, deployment_available, timeout=profile.timeouts.deployment_available, policy=wait_policy,
            clock=clock,
        )  # fmt: skip
    evidence.add(f"KubeVela: {len(names)} Deployments Available in {profile.namespaces.kubevela}")


@pytest.mark.parametrize("component", ["postgresql", "redis"])
@STEP
def test_the_component_definition_is_registered(
    component: str, cluster: Cluster, profile: Profile, evidence: Evidence, wait_policy: WaitPolicy, clock: Clock
) -> None:
    """The platform's ComponentDefinition exists where every Application can see it, and KubeVela took it."""
    name = getattr(profile.definitions, component)
    ref = Ref("core.oam.dev/v1beta1", "ComponentDefinition", name, profile.definitions.namespace)
    assert cluster.get(ref) is not None, (
        f"{ref} not found: apply fixtures/platform/kubevela/componentdefinition-{name}.yaml"
    )
    # KubeVela records a DefinitionRevision once it has parsed the CUE template (platform facts §7.6).
    seen = wait_for(
        cluster, ref, _has_revision, timeout=profile.timeouts.deployment_available, policy=wait_policy, clock=clock
    )
    evidence.add(f"ComponentDefinition {ref.namespace}/{name} registered ({seen.message})")


def _has_revision(definition: KubeObject) -> Observation:
    revision = definition.field("status.latestRevision.name")
    return Observation.simple(
        bool(revision), f"revision {revision}" if revision else "want a latestRevision, is none yet"
    )
