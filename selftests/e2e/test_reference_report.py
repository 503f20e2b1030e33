"""The manual test report, replayed: the platform in the state ../shared/reference-report.md describes, and
the verdicts the report gave, generated from a run (real servers and real TLS handshakes behind it)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from argoworld import ArgoWorld, run, serve_world
from charts import Charts
from offline import Scenario, objects, reaction, step_section, verdicts
from probes.vclusterapi import DEFAULT_SANS

REPO_SERVER_REFUSED = (
    "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unavailable "
    'desc = connection error: desc = "transport: Error while dialing: dial tcp 10.96.12.7:8081: connect: '
    'connection refused"'
)


def as_the_manual_report_found_it(doc: Scenario) -> None:
    """Existing vClusters from an older composition (one Running, one Paused), the Argo CD cluster Secret
    with the "insecure TLS" workaround, and a repo-server that refuses connections."""
    (revision,) = objects(doc, "CompositionRevision")
    newer = {"apiVersion": revision["apiVersion"], "kind": "CompositionRevision",
             "metadata": {**revision["metadata"], "name": "virtualcluster-helm-argocd-9d8e7f6"},
             "spec": {**revision["spec"], "revision": 2}}  # fmt: skip
    doc["objects"].append(newer)
    reaction(doc, "VirtualCluster", "vc1")["set"]["spec.crossplane.compositionRevisionRef.name"] = (
        "virtualcluster-helm-argocd-9d8e7f6"
    )
    for name, paused in (("customer-service", False), ("e2e-vcluster", True)):
        labels = {"app": "vcluster", "release": name}
        annotations = {"loft.sh/paused": "true", "loft.sh/paused-replicas": "1"} if paused else {}
        doc["objects"] += [
            {"apiVersion": "apps/v1", "kind": "StatefulSet",
             "metadata": {"name": name, "namespace": name, "labels": labels, "annotations": annotations},
             "spec": {"replicas": 0 if paused else 1, "selector": {"matchLabels": labels}},
             "status": {"replicas": 0 if paused else 1, "readyReplicas": 0 if paused else 1}},
            {"apiVersion": "platform.example.org/v1alpha1", "kind": "VirtualCluster", "metadata": {"name": name},
             "spec": {"namespace": name,
                      "crossplane": {"compositionRevisionRef": {"name": revision["metadata"]["name"]}}}},
        ]  # fmt: skip
    created = reaction(doc, "VirtualCluster", "vc1")["create"]
    secret = next(o for o in created if o["metadata"]["name"] == "vcluster-vc1")
    config = json.loads(base64.b64decode(secret["data"]["config"]))
    config["tlsClientConfig"] = {"insecure": True}  # "Workaround Applied: Used insecure TLS"
    secret["data"]["config"] = base64.b64encode(json.dumps(config).encode()).decode()
    for synced in (r for r in doc["reactions"] if r["on"].get("name") == "podinfo-vc1"):
        synced["set_status"] = {
            "sync": {"status": "Unknown"},
            "health": {"status": "Healthy"},
            "conditions": [{"type": "ComparisonError", "message": REPO_SERVER_REFUSED}],
        }


@pytest.fixture
def manual_world(tmp_path: Path) -> Iterator[ArgoWorld]:
    """The vCluster's certificate lacks vc1.vc1-ns.svc, as in the manual report."""
    yield from serve_world(tmp_path, dns_names=DEFAULT_SANS)


def test_the_reference_report_s_verdicts_come_out_of_a_run_of_its_platform(
    pytester: pytest.Pytester, charts: Charts, manual_world: ArgoWorld
) -> None:
    md = run(pytester, charts, manual_world, as_the_manual_report_found_it)
    phases = dict(re.findall(r"^## Phase (\d): .* (✅ PASSED|⚠️ PARTIAL|❌ FAILED|🔄 NOT TESTED)$", md, re.MULTILINE))
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
