"""4.2 ArgoCD Deployment to vCluster: Argo CD runs, syncs an Application into the vCluster, and it runs there."""

from __future__ import annotations

import pytest

from oamconf.cluster.ownership import Owned
from oamconf.cluster.vclusters import Target, VClusterApis
from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster
from oamconf.k8s.expect import Expect
from oamconf.k8s.verdicts.argocd import application_synced_healthy
from oamconf.k8s.verdicts.workloads import deployment_available, statefulset_ready
from oamconf.phases.argocd import argocd_api, check_registration, server_of, synced_pods
from oamconf.platform.profile import Profile
from oamconf.steps.evidence import Evidence

STEP = pytest.mark.step("4.2", "ArgoCD Deployment to vCluster", depends_on=["4.1"])
DEPLOYMENTS = ("argocd-server", "argocd-repo-server", "argocd-redis")
CONTROLLER = "argocd-application-controller"


@pytest.mark.needs("argocd")
@STEP
def test_argo_cd_components_are_ready(expect: Expect, profile: Profile, evidence: Evidence) -> None:
    """Argo CD's server, repo-server, redis and application controller are ready."""
    namespace, timeout = profile.namespaces.argocd, profile.timeouts.deployment_available
    for name in DEPLOYMENTS:
        expect(kinds.DEPLOYMENT.ref(name, namespace), deployment_available, timeout=timeout)
    expect(kinds.STATEFUL_SET.ref(CONTROLLER, namespace), statefulset_ready, timeout=timeout)
    evidence.add(f"Argo CD in {namespace}: {', '.join(DEPLOYMENTS)} Available; {CONTROLLER} ready")


@pytest.mark.needs("argocd", "vcluster-api", "containers")
@STEP
def test_an_application_targeting_the_vcluster_syncs_and_runs_inside_it(
    cluster: Cluster,
    owned: Owned,
    expect: Expect,
    vclusters: VClusterApis,
    profile: Profile,
    own_vcluster: Target,
    evidence: Evidence,
) -> None:
    """The Application reaches Synced + Healthy, and its workload runs inside the vCluster and on the host."""
    # What Argo CD will dial with: a certificate problem that insecure: true hides is a cause to know first.
    check_registration(cluster, expect, profile, own_vcluster, evidence)
    app = owned.apply_fixture(
        "platform/e2e/argocd-podinfo-vc1.yaml",
        name=profile.applications.argocd,
        namespace=profile.namespaces.argocd,
        fields={"spec.destination.server": f"{server_of(own_vcluster)}:443"},
    )
    live = expect(app.ref, application_synced_healthy, timeout=profile.timeouts.argocd_application_synced)
    evidence.add(f"{live.ref}: Synced, Healthy (revision {live.field('status.sync.revision', '?')})")
    destination = str(live.field("spec.destination.namespace"))
    inside = vclusters.open(own_vcluster.namespace, own_vcluster.name)
    workload = expect.on(inside)(
        kinds.DEPLOYMENT.ref("podinfo", destination),
        deployment_available,
        timeout=profile.timeouts.deployment_available,
    )
    evidence.add(f"inside {own_vcluster.name}: {workload.ref} Available")
    pods = synced_pods(cluster, own_vcluster, destination)
    assert pods, f"no pod of {destination} synced to host namespace {own_vcluster.namespace}: is the syncer running?"
    evidence.add(f"on the host: {', '.join(pods)} in {own_vcluster.namespace} (synced by vCluster)")


@pytest.mark.needs("argocd", "vcluster-api")
@STEP
def test_argo_cd_reports_the_vcluster_connection_successful(
    cluster: Cluster, expect: Expect, profile: Profile, own_vcluster: Target, evidence: Evidence
) -> None:
    """Argo CD's API says its connection to the vCluster is Successful (the state is in no Kubernetes object)."""
    server = f"{server_of(own_vcluster)}:443"
    with argocd_api(cluster, profile, evidence) as api:
        state = expect.until(
            lambda: api.connection(server),
            subject=f"Argo CD cluster {server}",
            timeout=profile.timeouts.argocd_cluster_connected,
        )
        evidence.add(f"Argo CD {api.version()}: {state.message}")
