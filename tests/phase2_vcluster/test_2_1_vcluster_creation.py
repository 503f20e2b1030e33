"""2.1 vCluster Creation: a VirtualCluster composite provisions a vCluster whose API answers."""

from __future__ import annotations

import pytest

from oamconf.cluster.ownership import Owned
from oamconf.cluster.vclusters import Target, VClusterApis, existing_vclusters, revision_of
from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster
from oamconf.k8s.expect import Expect
from oamconf.k8s.related import composed
from oamconf.k8s.verdicts.crossplane import composite_ready
from oamconf.k8s.verdicts.helm import release_ready
from oamconf.k8s.verdicts.workloads import statefulset_ready
from oamconf.k8s.wait import Observation
from oamconf.phases.workload import composite_fields
from oamconf.platform.profile import Profile
from oamconf.steps.evidence import Evidence

STEP = pytest.mark.step("2.1", "vCluster Creation")


@pytest.mark.needs("platform")
@STEP
def test_existing_vclusters_are_listed_with_their_state(cluster: Cluster, evidence: Evidence) -> None:
    """Every vCluster already on the host, Running, Paused or scaled to zero, as vcluster list says."""
    found = existing_vclusters(cluster)
    evidence.add(f"Existing vClusters: {len(found)}" if found else "Existing vClusters: none")
    for vcluster in found:
        evidence.add(f"`{vcluster.name}` in {vcluster.namespace} ({vcluster.state})")


@pytest.mark.needs("platform", "crossplane-packages", "provider-configs", "vcluster-api")
@STEP
def test_the_composite_provisions_a_vcluster(
    owned: Owned, expect: Expect, profile: Profile, own_vcluster: Target, evidence: Evidence
) -> None:
    """A VirtualCluster composite becomes Synced and Ready, and its vcluster chart Release is deployed."""
    xr = owned.apply_fixture(
        "platform/vcluster/virtualcluster-vc1.yaml",
        name=own_vcluster.name,
        fields=composite_fields(profile, own_vcluster.namespace),
    )
    live = expect(xr.ref, composite_ready, timeout=profile.timeouts.vcluster_ready)
    evidence.add(f"{live.ref}: Synced, Ready (composition revision {revision_of(live) or 'unknown'})")
    refs = composed(live)
    release = next((r for r in refs if kinds.RELEASE.is_kind_of(r)), None)
    assert release is not None, f"{live.ref} composed no Release of the vcluster chart: {[str(r) for r in refs]}"
    deployed = expect(release, release_ready, timeout=profile.timeouts.release_ready)
    chart = deployed.field("spec.forProvider.chart") or {}
    evidence.add(f"{release}: deployed (chart {chart.get('name')} {chart.get('version')})")


@pytest.mark.needs("platform", "vcluster-api")
@STEP
def test_the_vcluster_control_plane_answers(
    expect: Expect, vclusters: VClusterApis, profile: Profile, own_vcluster: Target, evidence: Evidence
) -> None:
    """The control plane runs, its kubeconfig Secret exists, and its API answers an authenticated request."""
    name, namespace = own_vcluster
    sts = expect(kinds.STATEFUL_SET.ref(name, namespace), statefulset_ready, timeout=profile.timeouts.vcluster_ready)
    evidence.add(f"vCluster pod: {name}-0 running as StatefulSet replica ({sts.field('status.readyReplicas')} ready)")
    expect(kinds.SECRET.ref(f"vc-{name}", namespace), _exists, timeout=profile.timeouts.vcluster_ready)
    inside = vclusters.open(namespace, name)
    namespaces = inside.list("v1", "Namespace")
    listed = ", ".join(sorted(n.ref.name for n in namespaces)[:5])
    evidence.add(f"vCluster API ({inside.name}) answers: {len(namespaces)} namespaces ({listed})")


def _exists(_: object) -> Observation:
    return Observation.succeeded("exists")
