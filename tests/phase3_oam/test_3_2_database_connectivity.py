"""3.2 Database Connectivity: the PostgreSQL the Application provisioned accepts its credentials and writes."""

from __future__ import annotations

import pytest

from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster
from oamconf.phases.databases import secret_value, service_host
from oamconf.platform.profile import Profile
from oamconf.probes.postgres import probe_postgres
from oamconf.steps.evidence import Evidence

STEP = pytest.mark.step("3.2", "Database Connectivity", depends_on=["3.1"])
PORT = 5432


@pytest.mark.needs("database-servers")
@STEP
def test_postgresql_accepts_the_application_s_credentials_and_a_write(
    cluster: Cluster, profile: Profile, evidence: Evidence
) -> None:
    """Through a port-forward to the chart's Service, psycopg logs in with the Secret's password and writes."""
    namespace = profile.namespaces.apps
    app = cluster.get(kinds.OAM_APPLICATION.ref(profile.applications.postgres, namespace))
    assert app is not None, f"Application {namespace}/{profile.applications.postgres} not found: step 3.1 creates it"
    component = (app.field("spec.components") or [{}])[0]
    props = component.get("properties") or {}
    user, database = props.get("username", "app"), props.get("database", "app")
    password = secret_value(cluster, evidence, namespace=namespace, name=props["existingSecret"], key="password")
    service = f"{app.ref.name}-{component.get('name')}"  # the definition's fullnameOverride
    with cluster.port_forward(namespace, service, PORT) as endpoint:
        probe = probe_postgres(endpoint, user=user, password=password, database=database)
    evidence.add(f"Connection String: `postgresql://{user}:***@{service_host(service, namespace)}:{PORT}/{database}`")
    evidence.add(f"Query Result: {probe.server_version} running; a table row was written and read back")
