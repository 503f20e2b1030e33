"""Phases 4 and 5 offline: the real phase modules against the healthy platform, where the vCluster's API and
Argo CD's API are real local HTTPS servers with generated certificates (TLS verification is a real
handshake), and phase 5's workload writes a row into a real PostgreSQL the step reads back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from argoworld import SERVER, ArgoWorld, run, serve_world
from charts import Charts
from offline import Scenario, run_phases, step_section, verdicts, with_fault
from probes.vclusterapi import DEFAULT_SANS

WORKING, WARNING, FAILED = "✅ Working", "⚠️ Needs Verification", "❌ Failed"


def test_a_healthy_argo_cd_registration_and_sync_pass_phase_four(
    pytester: pytest.Pytester, charts: Charts, world: ArgoWorld
) -> None:
    md = run(pytester, charts, world)
    assert verdicts(md)["4.1"] in {WORKING, WARNING}
    assert verdicts(md)["4.2"] == WORKING
    registration = step_section(md, "4.1")
    assert "Secret argocd/vcluster-vc1: cluster vc1, server https://vc1.vc1-ns.svc:443" in registration
    assert "TLS: certificate for vc1.vc1-ns.svc verified against caData" in registration
    assert "authenticated request answered:" in registration
    deployment = step_section(md, "4.2")
    assert "Application argocd/podinfo-vc1: Synced, Healthy" in deployment
    assert "inside vc1: Deployment demo/podinfo Available" in deployment
    assert "podinfo-6d8f7-abcde-x-demo-x-vc1" in deployment
    assert f"Argo CD connects to {SERVER}: Successful" in deployment


def test_the_healthy_platform_passes_all_five_phases_and_its_workload_writes_a_real_row(
    pytester: pytest.Pytester, charts: Charts, world: ArgoWorld
) -> None:
    md = run(pytester, charts, world)
    assert "## Overall Status: ✅" in md
    for number in range(1, 6):
        assert re.search(rf"## Phase {number}: .* ✅ PASSED", md), number
    e2e = step_section(md, "5")
    assert re.search(r"Job demo/db-writer inside vc1-e2e wrote row oamconf-[0-9a-f]{12}; read back from the host", e2e)
    assert "VirtualCluster vc1-e2e provisioned; registered with Argo CD as Secret argocd/vcluster-vc1-e2e" in e2e
    assert "Namespace vc1-e2e-ns" in e2e.split("cleaned up:")[1]


def the_writer_cannot_reach_the_database(doc: Scenario) -> None:
    """Inside vc1-e2e the Job fails: the replicated Service does not resolve (the syncer did not replicate it)."""
    inner = next(v for v in doc["vclusters"] if v["name"] == "vc1-e2e")
    inner["objects"] = [o for o in inner["objects"] if o["kind"] != "Service"]
    inner["reactions"][0]["set_status"] = {
        "failed": 3,
        "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                        "message": "Job has reached the specified backoff limit"}],
    }  # fmt: skip


def test_a_workload_that_cannot_reach_its_database_fails_end_to_end_at_once(
    pytester: pytest.Pytester, charts: Charts, world: ArgoWorld
) -> None:
    registered = world.registered()

    def broken(doc: Scenario) -> None:
        registered(doc)
        the_writer_cannot_reach_the_database(doc)

    scenario = with_fault(pytester, broken)
    _, md = run_phases(pytester, scenario, args=(*charts.endpoints, *world.endpoints), plugins=(charts,))
    step = step_section(md, "5")
    assert verdicts(md)["5"] == FAILED
    assert "Job demo/db-writer: want Complete=True, is Failed=True reason=BackoffLimitExceeded" in step
    assert "waited" not in step.split("**Problem")[1].split("\n")[0]  # the Job controller gave up: no waiting


def test_a_certificate_without_the_service_name_fails_registration_with_its_sans(
    pytester: pytest.Pytester, charts: Charts, tmp_path: Path
) -> None:
    """The manual report's 4.2 failure: the vCluster's certificate lacks <name>.<ns>.svc (a real handshake)."""
    for world in serve_world(tmp_path, dns_names=DEFAULT_SANS):
        md = run(pytester, charts, world)
    step = step_section(md, "4.1")
    assert verdicts(md)["4.1"] == FAILED
    assert "x509: certificate is valid for" in step
    assert "not vc1.vc1-ns.svc" in step
    assert "extraSANs" in md  # the fix, in the step and the Recommendations
    assert verdicts(md)["4.2"].startswith("🔄")  # blocked by 4.1
