"""The offline tier end to end: a step module port-forwards through the in-memory cluster to real
local PostgreSQL, Redis and TLS servers, and its report shows what they answered."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from oamconf.testkit.certs import make_ca, make_server_cert, serve_tls
from probes.servers import PgTarget
from synthetic import SUITE_PLUGINS

SCENARIO = """
name: databases-and-vcluster
description: host database Services and a vCluster API, each bound to a real local server
services:
- {namespace: default, name: test-db-postgresql, port: 5432, endpoint: postgresql}
- {namespace: default, name: cache-redis-master, port: 6379, endpoint: redis}
- {namespace: vc1-ns, name: vc1, port: 443, endpoint: vcluster-api}
"""

STEPS = """
import os
from pathlib import Path
import pytest
from oamconf.probes.postgres import probe_postgres
from oamconf.probes.redis import probe_redis
from oamconf.probes.tls import probe_tls


@pytest.mark.step("3.2", "Database Connectivity")
def test_postgresql_accepts_writes(cluster, evidence):
    password = os.environ["PROBE_PG_PASSWORD"]
    evidence.secret(password)
    with cluster.port_forward("default", "test-db-postgresql", 5432) as endpoint:
        pg = probe_postgres(endpoint, user=os.environ["PROBE_PG_USER"], password=password,
                            database=os.environ["PROBE_PG_DATABASE"])
    evidence.add(f"{pg.server_version} at {pg.dsn_redacted} accepts writes: {pg.wrote_and_read}")


@pytest.mark.step("3.2", "Database Connectivity")
def test_redis_round_trips(cluster, evidence):
    with cluster.port_forward("default", "cache-redis-master", 6379) as endpoint:
        result = probe_redis(endpoint)
    evidence.add(f"{result.server_version} round trip: {result.round_trip}")


@pytest.mark.step("4.1", "vCluster Registration with ArgoCD")
def test_the_vcluster_certificate_covers_the_registered_name(cluster, evidence):
    ca = Path(os.environ["PROBE_CA"]).read_bytes()
    with cluster.port_forward("vc1-ns", "vc1", 443) as endpoint:
        tls = probe_tls(endpoint, server_name="vc1.vc1-ns.svc", ca_pem=ca)
    evidence.add(f"TLS to vc1.vc1-ns.svc verified; SANs: {', '.join(tls.dns_sans)}")
"""


def test_steps_probe_real_servers_through_scenario_port_forwards(
    pytester: pytest.Pytester, pg_target: PgTarget, redis_proc: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = make_ca("vcluster-ca")
    ca_file = pytester.path / "ca.pem"
    ca_file.write_bytes(ca.cert_pem)
    # vCluster's default SANs plus the extraSANs the reference platform adds (platform facts §3).
    cert = make_server_cert(ca, dns_names=["kubernetes", "vc1", "vc1.vc1-ns", "vc1.vc1-ns.svc"])
    monkeypatch.setenv("PROBE_PG_USER", pg_target.user)
    monkeypatch.setenv("PROBE_PG_PASSWORD", pg_target.password)
    monkeypatch.setenv("PROBE_PG_DATABASE", pg_target.database)
    monkeypatch.setenv("PROBE_CA", str(ca_file))
    scenario = pytester.path / "scenario.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    pytester.makepyfile(test_connectivity=textwrap.dedent(STEPS))
    pg = pg_target.endpoint
    with serve_tls(cert) as api:
        result = pytester.runpytest(
            *SUITE_PLUGINS, "--scenario", str(scenario), "--report-dir", "out",
            "--endpoint", f"postgresql={pg.host}:{pg.port}",
            "--endpoint", f"redis={redis_proc.host}:{redis_proc.port}",
            "--endpoint", f"vcluster-api={api.host}:{api.port}",
        )  # fmt: skip
    result.assert_outcomes(passed=3)
    md = (Path(pytester.path) / "out" / "report.md").read_text(encoding="utf-8")
    assert f"at postgresql://{pg_target.user}:***@{pg.host}:{pg.port}/{pg_target.database} accepts writes: True" in md
    assert f"Redis {redis_proc.version} round trip: True" in md
    assert "TLS to vc1.vc1-ns.svc verified; SANs: kubernetes, vc1, vc1.vc1-ns, vc1.vc1-ns.svc" in md
    assert pg_target.password not in md
