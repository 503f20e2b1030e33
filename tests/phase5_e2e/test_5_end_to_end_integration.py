"""5 End-to-End Integration: a fresh vCluster, registered, gets an app from Argo CD that writes to its OAM database."""

from __future__ import annotations

import secrets

import pytest

from oamconf.cluster.ownership import Owned
from oamconf.cluster.vclusters import Target, VClusterApis
from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster
from oamconf.k8s.expect import Expect
from oamconf.k8s.verdicts.argocd import application_synced_healthy
from oamconf.k8s.verdicts.crossplane import composite_ready
from oamconf.k8s.verdicts.workloads import job_complete
from oamconf.phases.argocd import cluster_secret_of, server_of
from oamconf.phases.databases import create_credentials, deploy, secret_value
from oamconf.phases.workload import composite_fields, writer_job
from oamconf.platform.profile import Profile
from oamconf.probes.postgres import read_marker
from oamconf.steps.evidence import Evidence

STEP = pytest.mark.step("5", "End-to-End Integration")
PORT = 5432


@pytest.mark.needs(
    "platform", "kubevela", "argocd", "vcluster-api", "containers", "database-servers", "database-charts"
)
@STEP
def test_an_argo_cd_app_in_a_fresh_vcluster_writes_to_its_oam_database_and_nothing_is_left(
    cluster: Cluster,
    owned: Owned,
    expect: Expect,
    vclusters: VClusterApis,
    profile: Profile,
    e2e_vcluster: Target,
    evidence: Evidence,
) -> None:
    """Composite → vCluster → Argo CD registration → app deployed inside → database via OAM on the host →
    a Job inside writes a row the host reads back; then everything created is deleted and verified gone."""
    timeouts, apps = profile.timeouts, profile.namespaces.apps
    # Given a fresh vCluster from the composite, registered with Argo CD by the composition.
    xr = owned.apply_fixture(
        "platform/vcluster/virtualcluster-vc1.yaml",
        name=e2e_vcluster.name,
        fields=composite_fields(profile, e2e_vcluster.namespace),
    )
    expect(xr.ref, composite_ready, timeout=timeouts.vcluster_ready)
    registration = cluster_secret_of(cluster, expect, profile, e2e_vcluster)
    evidence.add(f"{xr.ref} provisioned; registered with Argo CD as {registration.ref}")
    # And its app's database, provisioned on the host through OAM.
    owned.namespace(apps)
    secret = profile.credentials.e2e_database
    create_credentials(owned, evidence, name=secret, namespace=apps, keys=("postgres-password", "password"))
    db = deploy(
        owned,
        expect,
        profile,
        fixture="platform/e2e/podinfo-db.yaml",
        name=profile.applications.e2e_database,
        secret=secret,
    )
    evidence.add(f"database: OAM Application {db.application.ref.name}, Helm Release {db.release.ref.name} deployed")
    # When Argo CD deploys the app into the vCluster,
    app = owned.apply_fixture(
        "platform/e2e/argocd-podinfo-vc1.yaml",
        name=f"podinfo-{e2e_vcluster.name}",
        namespace=profile.namespaces.argocd,
        fields={"spec.destination.server": f"{server_of(e2e_vcluster)}:443"},
    )
    expect(app.ref, application_synced_healthy, timeout=timeouts.argocd_application_synced)
    destination = str(app.field("spec.destination.namespace"))
    evidence.add(f"Argo CD {app.ref}: Synced, Healthy in {e2e_vcluster.name}/{destination}")
    # and a workload inside the vCluster writes through the replicated Service,
    password = secret_value(cluster, evidence, namespace=apps, name=secret, key="password")
    marker = f"oamconf-{secrets.token_hex(6)}"
    inside = vclusters.open(e2e_vcluster.namespace, e2e_vcluster.name)
    inside.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": secret, "namespace": destination},
            "stringData": {"password": password},
        }
    )
    written = inside.apply(writer_job(profile, marker))
    expect.on(inside)(written.ref, job_complete, timeout=timeouts.database_accepts_connections)
    # then the row is in the database, read from the host.
    with cluster.port_forward(apps, db.fullname, PORT) as endpoint:
        found = read_marker(endpoint, user="podinfo", password=password, database="podinfo", marker=marker)
    assert found, f"the Job inside {e2e_vcluster.name} completed, but its row {marker} is not in {db.fullname}"
    evidence.add(f"{written.ref} inside {e2e_vcluster.name} wrote row {marker}; read back from the host")
    # Finally everything the step created is deleted, and nothing is left.
    gone = [app.ref, db.application.ref, xr.ref]
    for ref in gone:
        owned.delete(ref)
    vclusters.close(e2e_vcluster.namespace, e2e_vcluster.name)
    left = [registration.ref, db.release.ref, kinds.NAMESPACE.ref(e2e_vcluster.namespace), *gone]
    for ref in left:
        expect.gone(ref, timeout=timeouts.vcluster_ready)
    evidence.add(f"cleaned up: {', '.join(str(r) for r in left)} gone")
