"""3.1 PostgreSQL via OAM: an OAM Application with a postgresql component runs, and its database with it."""

from __future__ import annotations

import pytest

from oamconf.cluster.ownership import Owned
from oamconf.k8s.api import Cluster
from oamconf.k8s.expect import Expect
from oamconf.phases.databases import create_credentials, deploy, pod_line
from oamconf.platform.profile import Profile
from oamconf.steps.evidence import Evidence

STEP = pytest.mark.step("3.1", "PostgreSQL via OAM")


@pytest.mark.needs("kubevela", "platform", "provider-configs", "database-charts")
@STEP
def test_the_application_runs_with_its_release_deployed_and_its_database_ready(
    cluster: Cluster, owned: Owned, expect: Expect, profile: Profile, evidence: Evidence
) -> None:
    """The Application reaches running, its Helm Release is deployed, and the database pod runs ready."""
    owned.namespace(profile.namespaces.apps)
    secret = profile.credentials.postgres
    create_credentials(
        owned, evidence, name=secret, namespace=profile.namespaces.apps, keys=("postgres-password", "password")
    )
    db = deploy(
        owned,
        expect,
        profile,
        fixture="platform/apps/test-postgres-only.yaml",
        name=profile.applications.postgres,
        secret=secret,
    )
    chart = db.release.field("spec.forProvider.chart") or {}
    evidence.add(f"OAM Application `{db.application.ref.name}` running in {db.namespace}")
    evidence.add(
        f"Helm Release `{db.release.ref.name}` deployed via Crossplane (chart {chart.get('name')} "
        f"{chart.get('version')}, revision {db.release.field('status.atProvider.revision', '?')})"
    )
    evidence.add(pod_line(cluster, db))
