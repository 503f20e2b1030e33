"""3.3 Redis via OAM: an OAM Application with a redis component runs, and Redis takes AUTH, PING and writes."""

from __future__ import annotations

import pytest

from oamconf.cluster.ownership import Owned
from oamconf.k8s.api import Cluster
from oamconf.k8s.expect import Expect
from oamconf.phases.databases import create_credentials, deploy, pod_line, secret_value, service_host
from oamconf.platform.profile import Profile
from oamconf.probes.redis import probe_redis
from oamconf.steps.evidence import Evidence

STEP = pytest.mark.step("3.3", "Redis via OAM")
PORT = 6379


@pytest.mark.needs("kubevela", "platform", "provider-configs", "database-servers", "database-charts")
@STEP
def test_the_redis_application_runs_and_redis_takes_auth_ping_and_writes(
    cluster: Cluster, owned: Owned, expect: Expect, profile: Profile, evidence: Evidence
) -> None:
    """The Application runs, its Release is deployed, and redis-py authenticates, PINGs and SETs with expiry."""
    namespace, secret = profile.namespaces.apps, profile.credentials.redis
    owned.namespace(namespace)
    create_credentials(owned, evidence, name=secret, namespace=namespace, keys=("redis-password",))
    db = deploy(
        owned,
        expect,
        profile,
        fixture="platform/apps/test-redis-only.yaml",
        name=profile.applications.redis,
        secret=secret,
    )
    evidence.add(f"OAM Application `{db.application.ref.name}` running; Helm Release `{db.release.ref.name}` deployed")
    evidence.add(pod_line(cluster, db))
    password = secret_value(cluster, evidence, namespace=namespace, name=secret, key="redis-password")
    service = f"{db.fullname}-master"  # Bitnami Redis, architecture standalone
    with cluster.port_forward(namespace, service, PORT) as endpoint:
        probe = probe_redis(endpoint, password=password)
    evidence.add(
        f"Connection: `redis://:***@{service_host(service, namespace)}:{PORT}`: AUTH, PING, SET/GET with expiry"
    )
    evidence.add(f"Server: {probe.server_version}")
