"""1.1 Crossplane Helm Provider: provider-helm is installed and healthy, and deploys a Helm release."""

from __future__ import annotations

import pytest

from oamconf.cluster.ownership import Owned
from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster
from oamconf.k8s.expect import Expect
from oamconf.k8s.simulated import workload_note
from oamconf.k8s.verdicts.crossplane import package_healthy
from oamconf.k8s.verdicts.helm import release_ready
from oamconf.k8s.verdicts.workloads import deployment_available
from oamconf.platform.profile import Profile
from oamconf.platform.versions import Versions
from oamconf.steps.evidence import Evidence

STEP = pytest.mark.step("1.1", "Crossplane Helm Provider")


@pytest.mark.needs("crossplane")
@STEP
def test_crossplane_is_running(cluster: Cluster, expect: Expect, profile: Profile, evidence: Evidence) -> None:
    """Crossplane's core Deployments are Available."""
    for name in ("crossplane", "crossplane-rbac-manager"):
        ref = kinds.DEPLOYMENT.ref(name, profile.namespaces.crossplane)
        live = expect(ref, deployment_available, timeout=profile.timeouts.deployment_available)
        ready = live.field("status.readyReplicas", 0)
        evidence.add(f"{ref}: Available, {ready} replica(s) ready{workload_note(cluster, live)}")


@pytest.mark.needs("crossplane-packages")
@STEP
def test_provider_helm_is_installed_and_healthy(expect: Expect, profile: Profile, evidence: Evidence) -> None:
    """The provider-helm package is Installed and Healthy."""
    ref = kinds.PROVIDER.ref(profile.crossplane.helm_provider)
    provider = expect(ref, package_healthy, timeout=profile.timeouts.package_healthy)
    evidence.add(f"Provider {ref.name} ({provider.field('spec.package', '?')}) Installed=True Healthy=True")


@pytest.mark.needs("provider-configs")
@STEP
def test_a_provider_config_exists_for_helm_releases(cluster: Cluster, profile: Profile, evidence: Evidence) -> None:
    """The ProviderConfig the platform's Releases name exists."""
    ref = kinds.HELM_PROVIDER_CONFIG.ref(profile.crossplane.helm_provider_config)
    config = cluster.get(ref)
    assert config is not None, f"{ref} not found: apply fixtures/platform/crossplane/provider-configs.yaml"
    evidence.add(f"ProviderConfig {ref.name} exists (credentials: {config.field('spec.credentials.source', 'unset')})")


@pytest.mark.needs("crossplane-packages", "provider-configs")
@STEP
def test_a_helm_release_through_the_provider_is_deployed(
    owned: Owned, expect: Expect, profile: Profile, versions: Versions, evidence: Evidence
) -> None:
    """provider-helm deploys a Helm release through the platform's ProviderConfig."""
    owned.namespace(profile.namespaces.apps)
    release = owned.apply_fixture(
        "platform/smoke/release.yaml",
        name=f"conformance-smoke-{owned.run_id}",
        fields={
            "spec.providerConfigRef.name": profile.crossplane.helm_provider_config,
            "spec.forProvider.namespace": profile.namespaces.apps,
        },
    )
    live = expect(release.ref, release_ready, timeout=profile.timeouts.release_ready)
    chart = versions.podinfo
    evidence.add(
        f"Helm Release {live.ref.name} deployed (revision {live.field('status.atProvider.revision', '?')}, "
        f"chart {chart.chart} {chart.chart_version} from {live.field('spec.forProvider.chart.repository', '?')}); "
        "removed at the end of the run"
    )
