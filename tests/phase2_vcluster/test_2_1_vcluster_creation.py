"""2.1 vCluster Creation: a VirtualCluster composite provisions a vCluster whose API answers."""

from __future__ import annotations

import pytest

from oamconf.cluster.ownership import Owned
from oamconf.cluster.vclusters import Target, VClusterApis, existing_vclusters, revision_of
from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster, KubeObject
from oamconf.k8s.expect import Expect
from oamconf.k8s.related import composed
from oamconf.k8s.simulated import pod_note
from oamconf.k8s.verdicts.crossplane import composite_composed, composite_ready
from oamconf.k8s.verdicts.helm import release_ready
from oamconf.k8s.verdicts.workloads import pod_running, statefulset_ready
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


@pytest.mark.needs("platform", "crossplane-packages", "provider-configs", "vcluster-chart")
@STEP
def test_the_composite_deploys_the_vcluster_chart(
    cluster: Cluster, owned: Owned, expect: Expect, profile: Profile, own_vcluster: Target, evidence: Evidence
) -> None:
    """A VirtualCluster composite composes a Release of the vcluster chart, the Release is deployed, and the
    vCluster's pod is scheduled and running."""
    xr = _apply_composite(owned, profile, own_vcluster)
    live = expect(xr.ref, composite_composed(kinds.RELEASE), timeout=profile.timeouts.vcluster_ready)
    release = next(r for r in composed(live) if kinds.RELEASE.is_kind_of(r))
    deployed = expect(release, release_ready, timeout=profile.timeouts.release_ready)
    chart = deployed.field("spec.forProvider.chart") or {}
    evidence.add(f"{release}: deployed (chart {chart.get('name')} {chart.get('version')})")
    name, namespace = own_vcluster
    pod = expect(kinds.POD.ref(f"{name}-0", namespace), pod_running, timeout=profile.timeouts.vcluster_ready)
    node = pod.field("spec.nodeName")
    evidence.add(f"vCluster pod {namespace}/{name}-0: Running on node {node}{pod_note(cluster, pod)}")


@pytest.mark.needs("platform", "crossplane-packages", "provider-configs", "vcluster-api")
@STEP
def test_the_composite_becomes_ready(
    owned: Owned, expect: Expect, profile: Profile, own_vcluster: Target, evidence: Evidence
) -> None:
    """The VirtualCluster composite becomes Synced and Ready: every composed resource is ready, including the
    kubeconfig Secret the running vCluster fills."""
    xr = _apply_composite(owned, profile, own_vcluster)
    live = expect(xr.ref, composite_ready, timeout=profile.timeouts.vcluster_ready)
    evidence.add(f"{live.ref}: Synced, Ready (composition revision {revision_of(live) or 'unknown'})")


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


def _apply_composite(owned: Owned, profile: Profile, target: Target) -> KubeObject:
    """The run's VirtualCluster (applied once: a second apply of the same object changes nothing)."""
    return owned.apply_fixture(
        "platform/vcluster/virtualcluster-vc1.yaml",
        name=target.name,
        fields=composite_fields(profile, target.namespace),
    )


def _exists(_: object) -> Observation:
    return Observation.succeeded("exists")
