"""The manual test report, replayed: the platform in the state ../shared/reference-report.md describes, and
the verdicts the report gave, generated from a run (real servers and real TLS handshakes behind it).

The state is one fault file for the healthy folder, ``scenarios/faults/reference-report.yaml``, run as a user
runs it (``--scenario selftests/scenarios/healthy --scenario .../reference-report.yaml``): with every server
bound it gets the report's verdicts; with none, or only some, what needs a server is Not tested and says
which ``--endpoint`` to give."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from argoworld import ArgoWorld, run_files, serve_world
from charts import Charts
from offline import HEALTHY, SCENARIOS, composed, reaction, run_phases, step_section, verdicts
from probes.vclusterapi import DEFAULT_SANS

REFERENCE = SCENARIOS / "faults" / "reference-report.yaml"
PHASE = re.compile(r"^## Phase (\d): .* (✅ PASSED|⚠️ PARTIAL|❌ FAILED|🔄 NOT TESTED)$", re.MULTILINE)
NOT_TESTED = "🔄 Not tested"


def cluster_config(path: Path) -> dict[str, object]:
    """The config of the Argo CD cluster Secret that *path*'s reaction to vc1 creates, decoded."""
    created = reaction(composed(path), "VirtualCluster", "vc1")["create"]
    secret = next(o for o in created if o["metadata"]["name"] == "vcluster-vc1")
    config: dict[str, object] = json.loads(base64.b64decode(secret["data"]["config"]))
    return config


@pytest.fixture
def manual_world(tmp_path: Path) -> Iterator[ArgoWorld]:
    """The vCluster's certificate lacks vc1.vc1-ns.svc, as in the manual report; its API accepts the token
    the scenario file registers (insecure: true, so the file needs no CA of this world)."""
    token = str(cluster_config(REFERENCE)["bearerToken"])
    yield from serve_world(tmp_path, dns_names=DEFAULT_SANS, token=token)


def test_the_reference_report_s_verdicts_come_out_of_a_run_of_its_platform(
    pytester: pytest.Pytester, charts: Charts, manual_world: ArgoWorld
) -> None:
    md = run_files(pytester, charts, manual_world, HEALTHY, REFERENCE, manual_world.argocd_file(pytester.path))
    phases = dict(PHASE.findall(md))
    assert phases == {"1": "✅ PASSED", "2": "✅ PASSED", "3": "✅ PASSED", "4": "⚠️ PARTIAL", "5": "🔄 NOT TESTED"}
    steps = verdicts(md)
    assert (steps["2.1"], steps["2.2"]) == ("✅ Working", "⚠️ Needs Verification")
    assert (steps["4.1"], steps["4.2"]) == ("⚠️ Needs Verification", "❌ Failed")
    creation = step_section(md, "2.1")
    assert "`customer-service` in customer-service (Running)" in creation
    assert "`e2e-vcluster` in e2e-vcluster (Paused)" in creation
    assert "recreate vClusters created before composition revision 2" in step_section(md, "2.2")
    registration = step_section(md, "4.1")
    assert "security: tlsClientConfig.insecure is true" in registration
    assert "x509: certificate is valid for" in registration
    assert "not vc1.vc1-ns.svc" in registration
    deployment = step_section(md, "4.2")
    causes = deployment.split("- **Root Cause**:\n")[1].split("- **Fix**:")[0]
    assert re.search(r"1\. the vCluster certificate does not name vc1\.vc1-ns\.svc", causes)
    assert re.search(r"2\. .*repo-server", causes)
    assert "connection refused" in deployment
    assert "blocked by 4.2 ArgoCD Deployment to vCluster" in step_section(md, "5")
    recommendations = md.split("## Recommendations")[1]
    assert "extraSANs" in recommendations
    assert "repo-server" in recommendations


def test_run_as_the_readme_says_with_no_server_what_needs_one_names_its_endpoint(pytester: pytest.Pytester) -> None:
    result, md = run_phases(pytester, HEALTHY, REFERENCE)
    assert result.ret == 0, result.stdout.str()[-2000:]  # nothing failed: what would fail needs a server
    # Phases 3 and 4 did not pass, though nothing failed: 3.2 and 3.3 were not tested (no server), and 4.1 and
    # 4.2 each left a check that needs one.
    assert dict(PHASE.findall(md)) == {"1": "✅ PASSED", "2": "✅ PASSED", "3": "⚠️ PARTIAL", "4": "⚠️ PARTIAL",
                                      "5": "🔄 NOT TESTED"}  # fmt: skip
    steps = verdicts(md)
    assert (steps["2.2"], steps["3.2"], steps["3.3"]) == ("⚠️ Needs Verification", NOT_TESTED, NOT_TESTED)
    assert "run with --endpoint postgresql=HOST:PORT to test it" in step_section(md, "3.2")
    assert "run with --endpoint redis=HOST:PORT to test it" in step_section(md, "3.3")
    registration = step_section(md, "4.1")
    assert steps["4.1"] == "⚠️ Needs Verification"
    assert "security: tlsClientConfig.insecure is true" in registration  # read from the Secret: no server needed
    assert "run with --endpoint vcluster-api=HOST:PORT to test it" in registration
    deployment = step_section(md, "4.2")
    assert "run with --endpoint vcluster-api=HOST:PORT to test it" in deployment
    assert "run with --endpoint argocd=HOST:PORT to test it" in deployment
    assert steps["5"] == NOT_TESTED


def test_given_the_vcluster_s_api_alone_4_2_fails_on_its_certificate_and_the_repo_server(
    pytester: pytest.Pytester, manual_world: ArgoWorld
) -> None:
    endpoint = ("--endpoint", f"vcluster-api={manual_world.vcluster_api}")
    result, md = run_phases(pytester, HEALTHY, REFERENCE, args=endpoint)
    assert result.ret != 0
    assert dict(PHASE.findall(md))["4"] == "⚠️ PARTIAL"
    steps = verdicts(md)
    assert (steps["4.1"], steps["4.2"], steps["5"]) == ("⚠️ Needs Verification", "❌ Failed", NOT_TESTED)
    assert "not vc1.vc1-ns.svc" in step_section(md, "4.1")
    deployment = step_section(md, "4.2")
    causes = deployment.split("- **Root Cause**:\n")[1].split("- **Fix**:")[0]
    assert re.search(r"1\. the vCluster certificate does not name vc1\.vc1-ns\.svc", causes)
    assert re.search(r"2\. .*repo-server", causes)
    assert "run with --endpoint argocd=HOST:PORT to test it" in deployment  # Argo CD's API was not given
    assert "run with --endpoint postgresql=HOST:PORT to test it" in step_section(md, "3.2")
    assert "blocked by 4.2 ArgoCD Deployment to vCluster" in step_section(md, "5")  # the failure, not a skip
    assert manual_world.token not in result.stdout.str() + md  # the stand-in is a credential all the same


def test_the_file_s_vc1_is_the_healthy_one_but_for_its_revision_and_its_insecure_registration() -> None:
    # The file repeats the healthy reaction to vc1 (a later file's reaction replaces it whole): it must not drift.
    healthy = reaction(composed(HEALTHY), "VirtualCluster", "vc1")
    reference = reaction(composed(REFERENCE), "VirtualCluster", "vc1")
    revision = "spec.crossplane.compositionRevisionRef.name"
    assert (healthy["set"][revision], reference["set"][revision]) == (
        "virtualcluster-helm-argocd-7c1e5d2",
        "virtualcluster-helm-argocd-9d8e7f6",
    )
    assert cluster_config(REFERENCE) == {**cluster_config(HEALTHY), "tlsClientConfig": {"insecure": True}}

    def without_differences(r: dict[str, Any]) -> dict[str, Any]:
        kept = [o for o in r["create"] if o["metadata"]["name"] != "vcluster-vc1"]
        return {**r, "set": {k: v for k, v in r["set"].items() if k != revision}, "create": kept}

    assert without_differences(reference) == without_differences(healthy)
