"""1.1 Crossplane Helm Provider: provider-helm is installed and healthy, with a ProviderConfig."""

from __future__ import annotations

import pytest

from oamconf.k8s.api import Cluster, Ref
from oamconf.k8s.conditions import deployment_available, package_healthy, wait_for
from oamconf.k8s.wait import Clock, WaitPolicy
from oamconf.platform.profile import Profile
from oamconf.steps.evidence import Evidence

STEP = pytest.mark.step("1.1", "Crossplane Helm Provider")


@STEP
def test_crossplane_is_running(
    cluster: Cluster, profile: Profile, evidence: Evidence, wait_policy: WaitPolicy, clock: Clock
) -> None:
    """Crossplane's core Deployments are Available."""
    for name in ("crossplane", "crossplane-rbac-manager"):
        ref = Ref("apps/v1", "Deployment", name, profile.namespaces.crossplane)
        seen = wait_for(
            cluster, ref, deployment_available, timeout=profile.timeouts.deployment_available, policy=wait_policy,
            clock=clock,
        )  # fmt: skip
        evidence.add(f"{ref}: {seen.message.removeprefix('want Available=True, is ')}")


@STEP
def test_provider_helm_is_installed_and_healthy(
    cluster: Cluster, profile: Profile, evidence: Evidence, wait_policy: WaitPolicy, clock: Clock
) -> None:
    """The provider-helm package is Installed and Healthy."""
    ref = Ref("pkg.crossplane.io/v1", "Provider", profile.crossplane.helm_provider)
    wait_for(cluster, ref, package_healthy, timeout=profile.timeouts.package_healthy, policy=wait_policy, clock=clock)
    provider = cluster.get(ref)
    package = provider.field("spec.package", "?") if provider else "?"
    evidence.add(f"Provider {ref.name} ({package}) Installed=True Healthy=True")


@STEP
def test_a_provider_config_exists_for_helm_releases(cluster: Cluster, profile: Profile, evidence: Evidence) -> None:
    """The ProviderConfig the platform's Releases name exists."""
    ref = Ref("helm.crossplane.io/v1beta1", "ProviderConfig", profile.crossplane.helm_provider_config)
    config = cluster.get(ref)
    assert config is not None, f"{ref} not found: apply fixtures/platform/crossplane/provider-configs.yaml"
    source = config.field("spec.credentials.source", "unset")
    evidence.add(f"ProviderConfig {ref.name} exists (credentials: {source})")
