"""Phase 4's faults offline: each a named change to the healthy platform, asserting the step's verdict, its
hint, and (in ``run``) that no credential reached any artifact. TLS and HTTP failures come from real servers."""

from __future__ import annotations

import base64
import json
import secrets

import pytest

from argoworld import SERVER, ArgoWorld, run
from charts import Charts
from oamconf.testkit.certs import make_ca
from offline import Scenario, reaction, step_section, verdicts
from probes.fakeargocd import cluster_item

FAILED, WARNING = "❌ Failed", "⚠️ Needs Verification"


def _edit_config(doc: Scenario, change: dict[str, object]) -> None:
    created = reaction(doc, "VirtualCluster", "vc1")["create"]
    secret = next(o for o in created if o["metadata"]["name"] == "vcluster-vc1")
    config = json.loads(base64.b64decode(secret["data"]["config"]))
    config.update(change)
    secret["data"]["config"] = base64.b64encode(json.dumps(config).encode()).decode()


def test_a_ca_that_did_not_sign_the_vcluster_certificate_is_an_unknown_authority(
    pytester: pytest.Pytester, charts: Charts, world: ArgoWorld
) -> None:
    other = base64.b64encode(make_ca("another-ca").cert_pem).decode()

    def another_ca(doc: Scenario) -> None:
        _edit_config(doc, {"tlsClientConfig": {"caData": other}})

    step = step_section(run(pytester, charts, world, another_ca), "4.1")
    assert FAILED in step
    assert "x509: certificate signed by unknown authority" in step
    assert "caData" in step.split("**Root Cause**")[1]


def test_a_token_the_vcluster_does_not_know_is_rejected(
    pytester: pytest.Pytester, charts: Charts, world: ArgoWorld
) -> None:
    def stale_token(doc: Scenario) -> None:
        _edit_config(doc, {"bearerToken": secrets.token_urlsafe(24)})

    step = step_section(run(pytester, charts, world, stale_token), "4.1")
    assert FAILED in step
    assert "401" in step
    assert "**Root Cause**" in step


def test_insecure_tls_is_a_security_finding_never_a_pass(
    pytester: pytest.Pytester, charts: Charts, world: ArgoWorld
) -> None:
    def insecure(doc: Scenario) -> None:
        _edit_config(doc, {"tlsClientConfig": {"insecure": True}})

    md = run(pytester, charts, world, insecure)
    assert verdicts(md)["4.1"] == WARNING
    assert "security:" in step_section(md, "4.1")
    assert "insecure" in step_section(md, "4.1")


def test_a_sync_that_ended_failed_fails_the_deployment_at_once(
    pytester: pytest.Pytester, charts: Charts, world: ArgoWorld
) -> None:
    def sync_failed(doc: Scenario) -> None:
        synced = [r for r in doc["reactions"] if r["on"].get("name") == "podinfo-vc1"]
        synced[-1]["set_status"] = {
            "sync": {"status": "OutOfSync"},
            "health": {"status": "Missing"},
            "operationState": {"phase": "Failed", "message": "one or more objects failed to apply (retried 5 times)."},
            "conditions": [{"type": "SyncError", "message": "Failed last sync attempt to 6.10.2: one or more objects "
                            "failed to apply (retried 5 times)."}],
        }  # fmt: skip

    step = step_section(run(pytester, charts, world, sync_failed), "4.2")
    assert FAILED in step
    assert "last sync Failed: one or more objects failed to apply (retried 5 times)." in step
    assert "waited" not in step.split("**Problem")[1].split("\n")[0]


def test_a_repo_server_that_refuses_connections_is_named_as_the_cause(
    pytester: pytest.Pytester, charts: Charts, world: ArgoWorld
) -> None:
    refused = (
        "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unavailable "
        'desc = connection error: desc = "transport: Error while dialing: dial tcp 10.96.12.7:8081: connect: '
        'connection refused"'
    )

    def repo_server_down(doc: Scenario) -> None:
        for later in (r for r in doc["reactions"] if r["on"].get("name") == "podinfo-vc1"):
            later["set_status"] = {
                "sync": {"status": "Unknown"},
                "health": {"status": "Healthy"},
                "conditions": [{"type": "ComparisonError", "message": refused}],
            }

    md = run(pytester, charts, world, repo_server_down)
    step = step_section(md, "4.2")
    assert FAILED in step
    assert "connection refused" in step
    assert "repo-server" in step.split("**Root Cause**")[1].lower()


def test_argo_cd_s_failed_connection_state_fails_the_step_with_its_message(
    pytester: pytest.Pytester, charts: Charts, world: ArgoWorld
) -> None:
    x509 = (
        'Get "https://vc1.vc1-ns.svc:443/version?timeout=32s": tls: failed to verify certificate: x509: '
        "certificate is valid for kubernetes, localhost, vc1, vc1.vc1-ns, not vc1.vc1-ns.svc"
    )
    world.argo.clusters = [cluster_item(SERVER, "vc1", status="Failed", message=x509, applications=1)]
    step = step_section(run(pytester, charts, world), "4.2")
    assert FAILED in step
    assert "not vc1.vc1-ns.svc" in step
    assert "extraSANs" in step
