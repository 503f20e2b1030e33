"""1.1 Crossplane Helm Provider: provider-helm is installed and healthy, and deploys a Helm release."""

from __future__ import annotations

from typing import Any

import pytest

from oamconf.cluster.ownership import Owned
from oamconf.k8s.api import Cluster, Ref
from oamconf.k8s.conditions import condition_is, deployment_available, package_healthy, wait_for
from oamconf.k8s.wait import Clock, WaitPolicy
from oamconf.platform.profile import Profile
from oamconf.platform.versions import Chart, Versions
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


@STEP
def test_a_helm_release_through_the_provider_is_deployed(
    cluster: Cluster,
    owned: Owned,
    profile: Profile,
    versions: Versions,
    evidence: Evidence,
    wait_policy: WaitPolicy,
    clock: Clock,
) -> None:
    """provider-helm deploys a Helm release through the platform's ProviderConfig."""
    release = smoke_release(owned.run_id, versions.podinfo, profile)
    owned.namespace(profile.namespaces.apps)
    owned.apply(release)
    ref = Ref.of(release)
    wait_for(
        cluster, ref, condition_is("Ready"), timeout=profile.timeouts.release_ready, policy=wait_policy, clock=clock
    )
    live = cluster.get(ref)
    revision = live.field("status.atProvider.revision", "?") if live else "?"
    evidence.add(
        f"Helm Release {ref.name} deployed (revision {revision}, chart {versions.podinfo.chart} "
        f"{versions.podinfo.chart_version}); removed at the end of the run"
    )


def smoke_release(run_id: str, chart: Chart, profile: Profile) -> dict[str, Any]:
    """A provider-helm Release of a small public chart; its name is the Helm release name (facts §1.5)."""
    return {
        "apiVersion": "helm.crossplane.io/v1beta1",
        "kind": "Release",
        "metadata": {"name": f"conformance-smoke-{run_id}"},
        "spec": {
            "providerConfigRef": {"name": profile.crossplane.helm_provider_config},
            "forProvider": {
                "chart": {"name": chart.chart, "repository": chart.repository, "version": chart.chart_version},
                "namespace": profile.namespaces.apps,
                "values": {"replicaCount": 1},
            },
        },
    }
