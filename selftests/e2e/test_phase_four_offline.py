"""Phases 4 and 5 offline: the real phase modules against the healthy platform, where the vCluster's API and
Argo CD's API are real local HTTPS servers with generated certificates (TLS verification is a real
handshake), and phase 5's workload writes a row into a real PostgreSQL the step reads back."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from charts import Charts
from oamconf.k8s.api import Endpoint
from oamconf.testkit.certs import CertPair, make_ca
from offline import Fault, Scenario, reaction, run_phases, step_section, verdicts, with_fault
from probes.fakeargocd import FakeArgoCd, argocd_certificate, cluster_item
from probes.vclusterapi import DEFAULT_SANS, WITH_SERVICE_NAME, b64, serve_vcluster_api

SERVER = "https://vc1.vc1-ns.svc:443"
WORKING, WARNING, FAILED = "✅ Working", "⚠️ Needs Verification", "❌ Failed"


@dataclass
class ArgoWorld:
    """The real servers phase 4 talks to, and the credentials the scenario must carry for them."""

    ca: CertPair
    token: str
    argocd_cert: CertPair
    admin_password: str
    vcluster_api: Endpoint
    argocd: Endpoint

    @property
    def endpoints(self) -> tuple[str, ...]:
        return ("--endpoint", f"vcluster-api={self.vcluster_api}", "--endpoint", f"argocd={self.argocd}")

    def registered(self) -> Fault:
        """The scenario with Argo CD's Secrets and the composition's cluster Secret for vc1 carrying them."""

        def with_registration(doc: Scenario) -> None:
            config = f'{{"bearerToken":"{self.token}","tlsClientConfig":{{"caData":"{b64(self.ca.cert_pem)}"}}}}'
            cluster_secret = {
                "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": {"name": "vcluster-vc1", "namespace": "argocd",
                             "labels": {"argocd.argoproj.io/secret-type": "cluster"}},
                "data": {"name": b64("vc1"), "server": b64(SERVER), "config": b64(config)},
            }  # fmt: skip
            reaction(doc, "VirtualCluster", "vc1")["create"].append(cluster_secret)
            doc["objects"] += [
                {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "argocd-initial-admin-secret",
                 "namespace": "argocd"}, "data": {"password": b64(self.admin_password)}},
                {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "argocd-secret", "namespace": "argocd"},
                 "data": {"tls.crt": b64(self.argocd_cert.cert_pem)}},
            ]  # fmt: skip

        return with_registration


def serve_world(tmp_path: Path, *, dns_names: tuple[str, ...] = WITH_SERVICE_NAME) -> Iterator[ArgoWorld]:
    ca, token, password = make_ca("vcluster-ca"), secrets.token_urlsafe(24), secrets.token_urlsafe(16)
    with serve_vcluster_api(ca, tmp_path, dns_names=dns_names, tokens=[token]) as (_, vcluster_api):
        argocd_cert = argocd_certificate()
        connected = cluster_item(SERVER, "vc1", status="Successful", applications=1, version="1.36")
        argo = FakeArgoCd(argocd_cert, password=password, clusters=[connected])
        with argo.serve() as argocd:
            yield ArgoWorld(ca, token, argocd_cert, password, vcluster_api, argocd)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ArgoWorld]:
    yield from serve_world(tmp_path)


def run(pytester: pytest.Pytester, charts: Charts, world: ArgoWorld) -> str:
    scenario = with_fault(pytester, world.registered())
    result, md = run_phases(pytester, scenario, args=(*charts.endpoints, *world.endpoints), plugins=(charts,))
    texts = [result.stdout.str(), *(p.read_text(encoding="utf-8") for p in (pytester.path / "reports").iterdir())]
    for secret in (world.token, world.admin_password, *charts.passwords):
        assert not any(secret in text for text in texts), "a credential reached an artifact"
    return md


def test_a_healthy_argo_cd_registration_and_sync_pass_phase_four(
    pytester: pytest.Pytester, charts: Charts, world: ArgoWorld
) -> None:
    md = run(pytester, charts, world)
    assert verdicts(md)["4.1"] in {WORKING, WARNING}
    assert verdicts(md)["4.2"] == WORKING
    registration = step_section(md, "4.1")
    assert "Secret argocd/vcluster-vc1: cluster vc1, server https://vc1.vc1-ns.svc:443" in registration
    assert "TLS verified:" in registration
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
