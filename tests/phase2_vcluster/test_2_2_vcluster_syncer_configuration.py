"""2.2 vCluster Syncer Configuration: what the platform relies on is configured, effective, and current."""

from __future__ import annotations

import pytest

from oamconf.cluster.ownership import Owned
from oamconf.cluster.vclusters import (
    OSS_IMAGE,
    Target,
    VClusterApis,
    existing_vclusters,
    latest_revision,
    pro_only_settings,
    rendered_config,
    revision_of,
    setting,
)
from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster, KubeObject
from oamconf.k8s.conditions import Verdict
from oamconf.k8s.expect import Expect
from oamconf.k8s.wait import Observation
from oamconf.platform.profile import Profile
from oamconf.steps.evidence import Evidence

STEP = pytest.mark.step("2.2", "vCluster Syncer Configuration", depends_on=["2.1"])
COMPOSITION = "virtualcluster-helm-argocd"  # fixtures/platform/vcluster/composition.yaml
SANS = ("controlPlane", "proxy", "extraSANs")
REPLICATED = ("networking", "replicateServices", "fromHost")


@pytest.mark.needs("platform", "crossplane-packages", "vcluster-chart")  # the chart writes vc-config-<name>
@STEP
def test_the_configuration_the_platform_relies_on_is_rendered(
    cluster: Cluster, profile: Profile, own_vcluster: Target, evidence: Evidence
) -> None:
    """The vCluster's rendered values carry the host-Service replication and the SANs Argo CD dials."""
    name, namespace = own_vcluster
    values = rendered_config(cluster, namespace, name)
    assert values is not None, f"Secret {namespace}/vc-config-{name} (key config.yaml) not found: is the vCluster up?"
    sans = setting(values, SANS) or []
    missing = [san for san in (f"{name}.{namespace}.svc", f"{name}.{namespace}.svc.cluster.local") if san not in sans]
    assert not missing, f"vCluster {name}: controlPlane.proxy.extraSANs lacks {', '.join(missing)} (has {sans})"
    mappings = _mappings(cluster, profile, own_vcluster)
    replicated = setting(values, REPLICATED) or []
    absent = [m for m in mappings if m not in replicated]
    assert not absent, f"vCluster {name}: networking.replicateServices.fromHost lacks {absent} (has {replicated})"
    evidence.add(f"vc-config-{name}: extraSANs {', '.join(sans)}")
    pairs = ", ".join(f"{m['from']} → {m['to']}" for m in replicated)
    evidence.add(f"vc-config-{name}: replicates {pairs}")


@pytest.mark.needs("vcluster-api")
@STEP
def test_host_services_are_replicated_into_the_vcluster(
    cluster: Cluster,
    owned: Owned,
    expect: Expect,
    vclusters: VClusterApis,
    profile: Profile,
    own_vcluster: Target,
    evidence: Evidence,
) -> None:
    """Each host Service the composite maps appears inside the vCluster under its virtual name and port."""
    inside = vclusters.open(own_vcluster.namespace, own_vcluster.name)
    for mapping in _mappings(cluster, profile, own_vcluster):
        host_ns, host_name = mapping["from"].split("/")
        virtual_ns, virtual_name = mapping["to"].split("/")
        host = cluster.get(kinds.SERVICE.ref(host_name, host_ns))
        if host is None:  # the database comes in phase 5: stand in for it until this check is done
            owned.namespace(host_ns)
            host = owned.apply_fixture("platform/smoke/stand-in-service.yaml", name=host_name, namespace=host_ns)
        port = int(host.field("spec.ports")[0]["port"])
        ref = kinds.SERVICE.ref(virtual_name, virtual_ns)
        expect.on(inside)(ref, _serves(port), timeout=profile.timeouts.vcluster_ready)
        evidence.add(f"host Service {mapping['from']} is Service {mapping['to']}:{port} inside {own_vcluster.name}")
        if owned.is_ours(host):
            owned.delete(host.ref)


@pytest.mark.needs("platform")
@STEP
def test_every_vcluster_was_created_from_the_current_composition(
    cluster: Cluster, profile: Profile, evidence: Evidence
) -> None:
    """A vCluster composed from an older composition revision misses what the platform relies on now."""
    latest = latest_revision(cluster, COMPOSITION)
    if latest is None:
        evidence.warn(f"no CompositionRevision of {COMPOSITION}: cannot tell which vClusters are current")
        return
    current = int(latest.field("spec.revision", 0))
    outdated = []
    for vcluster in existing_vclusters(cluster):
        xr = _composite_of(cluster, vcluster.name, profile)
        revision = revision_of(xr) if xr is not None else None
        if xr is None:
            evidence.add(f"{vcluster}: not managed by a VirtualCluster composite")
        elif revision != latest.ref.name:
            outdated.append(f"{vcluster} (revision {revision or 'unknown'})")
        else:
            evidence.add(f"{vcluster}: composed from the current revision {current}")
    if outdated:
        evidence.warn(f"created before composition revision {current}: {', '.join(outdated)}")
        evidence.hint(
            f"vClusters composed before revision {current} of {COMPOSITION} do not have its syncer configuration",
            f"recreate vClusters created before composition revision {current}",
        )


@pytest.mark.needs("platform")
@STEP
def test_no_vcluster_relies_on_pro_only_configuration_on_an_oss_image(cluster: Cluster, evidence: Evidence) -> None:
    """Settings only vCluster Pro implements do nothing (or fail at start) on the open-source image."""
    broken = []
    for vcluster in existing_vclusters(cluster):
        values = rendered_config(cluster, vcluster.namespace, vcluster.name) or {}
        pro = pro_only_settings(values)
        if not pro:
            continue
        if OSS_IMAGE in vcluster.image:
            broken.append(f"{vcluster}: {', '.join(pro)} needs vCluster Pro, image is {vcluster.image}")
        else:
            evidence.warn(f"{vcluster}: {', '.join(pro)} needs a vCluster Pro license ({vcluster.image})")
    assert not broken, "; ".join(broken)
    evidence.add("no Pro-only setting on an open-source vCluster image")


def _mappings(cluster: Cluster, profile: Profile, vcluster: Target) -> list[dict[str, str]]:
    """The host Services the composite asks to replicate (its ``spec.hostServices``)."""
    xr = _composite_of(cluster, vcluster.name, profile)
    assert xr is not None, f"VirtualCluster {vcluster.name} not found: step 2.1 creates it"
    return [dict(m) for m in xr.field("spec.hostServices") or []]


def _composite_of(cluster: Cluster, name: str, profile: Profile) -> KubeObject | None:
    """The VirtualCluster composite of that name (the platform's XR kind, from the profile)."""
    kind = kinds.Kind(profile.virtual_cluster.api_version, profile.virtual_cluster.kind, "Cluster")
    return cluster.get(kind.ref(name))


def _serves(port: int) -> Verdict:
    def verdict(service: KubeObject) -> Observation:
        ports = [int(p.get("port", 0)) for p in service.field("spec.ports") or []]
        return Observation.simple(port in ports, f"want port {port}, is {ports}")

    return verdict
