"""Phases 2 and 3 offline: the real phase modules against the healthy platform and its faults, the
databases behind the scenario's Services being real PostgreSQL and Redis servers (``charts``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from charts import Charts
from offline import (
    HEALTHY,
    Scenario,
    objects,
    reaction,
    run_phases,
    step_section,
    verdicts,
    with_fault,
)

WORKING, WARNING, FAILED = "✅ Working", "⚠️ Needs Verification", "❌ Failed"


def run(pytester: pytest.Pytester, charts: Charts, scenario: Path = HEALTHY) -> str:
    """The run's report.md, after checking that no generated password reached any artifact or the terminal."""
    result, md = run_phases(pytester, scenario, args=charts.endpoints, plugins=(charts,))
    texts = [result.stdout.str(), result.stderr.str()]
    texts += [p.read_text(encoding="utf-8") for p in (pytester.path / "reports").rglob("*") if p.is_file()]
    assert charts.passwords, "the steps created no credentials"
    leaked = [pw for pw in charts.passwords if any(pw in text for text in texts)]
    assert leaked == [], "a generated password reached an artifact"
    return md


def test_a_healthy_platform_passes_phases_one_to_three_against_real_databases(
    pytester: pytest.Pytester, charts: Charts
) -> None:
    md = run(pytester, charts)
    assert {step: verdicts(md)[step] for step in ("1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "3.3")} == dict.fromkeys(
        ("1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "3.3"), WORKING
    )
    for phase in ("Phase 1: Foundation Components", "Phase 2: vCluster Infrastructure", "Phase 3: OAM"):
        assert re.search(rf"## {phase}.* ✅ PASSED", md), phase
    creation = step_section(md, "2.1")
    assert "VirtualCluster vc1: Synced, Ready (composition revision virtualcluster-helm-argocd-7c1e5d2)" in creation
    assert "Release vc1: deployed (chart vcluster 0.36.1)" in creation
    assert "vCluster pod vc1-ns/vc1-0: Running on node " in creation
    assert "a kwok node" not in creation  # said only where the node is kwok's
    assert "Existing vClusters: none" in creation  # listed before the run creates its own
    assert "vCluster pod: vc1-0 running as StatefulSet replica (1 ready)" in creation
    assert "vCluster API (" in creation
    syncer = step_section(md, "2.2")
    assert "host Service conformance/podinfo-db is Service demo/podinfo-db:5432 inside vc1" in syncer
    assert "vc-config-vc1: extraSANs vc1.vc1-ns.svc, vc1.vc1-ns.svc.cluster.local" in syncer
    connectivity = step_section(md, "3.2")
    dsn = "postgresql://testuser:***@test-postgres-only-test-db.conformance.svc.cluster.local:5432/testdb"
    assert f"Connection String: `{dsn}`" in connectivity
    assert re.search(r"Query Result: PostgreSQL \d+", connectivity)
    assert "Helm Release `conformance-test-postgres-only-test-db` deployed via Crossplane" in step_section(md, "3.1")
    assert "AUTH, PING, SET/GET with expiry" in step_section(md, "3.3")


def test_a_wrong_database_password_is_refused_by_the_real_server(pytester: pytest.Pytester, charts: Charts) -> None:
    charts.wrong_password = True  # the database keeps the password of an earlier install
    md = run(pytester, charts)
    assert (verdicts(md)["3.1"], verdicts(md)["3.2"], verdicts(md)["3.3"]) == (WORKING, FAILED, FAILED)
    assert 'password authentication failed for user "testuser"' in step_section(md, "3.2")
    assert "- **Root Cause**: PostgreSQL rejects the password of user testuser" in step_section(md, "3.2")
    assert "- **Root Cause**: Redis rejects the password (WRONGPASS)" in step_section(md, "3.3")


# -- faults of phases 2 and 3 --------------------------------------------------------------------


def xr_function_error(doc: Scenario) -> None:
    """function-patch-and-transform returns a fatal result: the composite never composes."""
    xr = reaction(doc, "VirtualCluster", "vc1")
    xr.pop("create")
    xr["set_status"] = {
        "conditions": [
            {
                "type": "Synced",
                "status": "False",
                "reason": "ReconcileError",
                "message": 'cannot compose resources: pipeline step "patch-and-transform" returned a fatal result: '
                "cannot process patch: spec.namespace: no such field",
            }
        ]
    }


def vcluster_pod_pending_on_pvc(doc: Scenario) -> None:
    """The vCluster's StatefulSet never gets a pod scheduled: its PVC has no StorageClass."""
    created = reaction(doc, "VirtualCluster", "vc1")["create"]
    sts = next(o for o in created if o["kind"] == "StatefulSet")
    sts["status"]["readyReplicas"] = 0
    pod = next(o for o in created if o["kind"] == "Pod")
    pod["status"] = {
        "phase": "Pending",
        "conditions": [
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
            }
        ],
    }


def composed_before_the_current_revision(doc: Scenario) -> None:
    """An existing vCluster was composed from revision 1; the composition is at revision 2 now."""
    (revision,) = objects(doc, "CompositionRevision")
    newer = {**revision, "metadata": {**revision["metadata"], "name": "virtualcluster-helm-argocd-9d8e7f6"}}
    newer["spec"] = {**revision["spec"], "revision": 2}
    doc["objects"].append(newer)
    reaction(doc, "VirtualCluster", "vc1")["set"]["spec.crossplane.compositionRevisionRef.name"] = newer["metadata"][
        "name"
    ]
    labels = {"app": "vcluster", "release": "customer-service"}
    doc["objects"] += [
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "customer-service", "namespace": "customer-service", "labels": labels},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels}},
            "status": {"replicas": 1, "readyReplicas": 1},
        },
        {
            "apiVersion": "platform.example.org/v1alpha1",
            "kind": "VirtualCluster",
            "metadata": {"name": "customer-service"},
            "spec": {
                "namespace": "customer-service",
                "crossplane": {"compositionRevisionRef": {"name": revision["metadata"]["name"]}},
            },
        },
    ]


def pro_configuration_on_oss(doc: Scenario) -> None:
    """The vCluster runs the OSS image but its values sync custom resources to the host (Pro only)."""
    created = reaction(doc, "VirtualCluster", "vc1")["create"]
    sts = next(o for o in created if o["kind"] == "StatefulSet")
    sts["spec"]["template"]["spec"]["containers"][0]["image"] = "ghcr.io/loft-sh/vcluster-oss:0.36.1"
    config = next(o for o in created if o["metadata"]["name"] == "vc-config-vc1")
    import base64  # noqa: PLC0415 - only this fault rewrites the rendered values

    import yaml  # noqa: PLC0415

    values = yaml.safe_load(base64.b64decode(config["data"]["config.yaml"]))
    values["sync"]["toHost"]["customResources"] = {"releases.helm.crossplane.io": {"enabled": True}}
    config["data"]["config.yaml"] = base64.b64encode(yaml.safe_dump(values).encode()).decode()


def database_image_pull_back_off(doc: Scenario) -> None:
    """With wait: true the PostgreSQL Release fails: its pod cannot pull the chart's original image."""
    postgres = reaction(doc, "Application", "test-postgres-only")
    release = next(o for o in postgres["create"] if o["kind"] == "Release")
    release["status"] = {
        "failed": 3,
        "atProvider": {
            "state": "failed",
            "releaseDescription": "resource StatefulSet/conformance/test-postgres-only-test-db not ready. status: "
            "InProgress, message: Ready: 0/1\ncontext deadline exceeded",
        },
        "conditions": [{"type": "Ready", "status": "False", "reason": "Unavailable"}],
    }
    pod = next(o for o in postgres["create"] if o["kind"] == "Pod")
    image = "docker.io/bitnami/postgresql:17.6.0-debian-12-r4"
    pod["status"] = {
        "phase": "Pending",
        "containerStatuses": [
            {
                "name": "postgresql",
                "ready": False,
                "restartCount": 0,
                "state": {"waiting": {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{image}"'}},
            }
        ],
    }
    for later in doc["reactions"]:
        if later is not postgres and later["on"].get("name") == "test-postgres-only":
            later["set_status"]["status"] = "runningWorkflow"  # never healthy


def test_a_composition_function_error_fails_the_creation_at_once(pytester: pytest.Pytester, charts: Charts) -> None:
    md = run(pytester, charts, with_fault(pytester, xr_function_error))
    step = step_section(md, "2.1")
    assert verdicts(md)["2.1"] == FAILED
    assert "returned a fatal result: cannot process patch" in step
    assert "waited" not in step.split("**Problem")[1].split("\n")[0]  # a fatal result ends the wait at once
    assert verdicts(md)["2.2"].startswith("🔄")  # blocked by 2.1


def test_a_vcluster_pod_pending_on_its_pvc_is_named_with_its_cause(pytester: pytest.Pytester, charts: Charts) -> None:
    md = run(pytester, charts, with_fault(pytester, vcluster_pod_pending_on_pvc))
    step = step_section(md, "2.1")
    assert verdicts(md)["2.1"] == FAILED
    assert "StatefulSet vc1-ns/vc1: want readyReplicas=1, is readyReplicas=0" in step
    assert "pod has unbound immediate PersistentVolumeClaims" in step
    assert "- **Root Cause**: a PersistentVolumeClaim stays Pending, so its pod is not scheduled" in step


def test_a_vcluster_from_an_older_composition_needs_verification(pytester: pytest.Pytester, charts: Charts) -> None:
    md = run(pytester, charts, with_fault(pytester, composed_before_the_current_revision))
    step = step_section(md, "2.2")
    assert verdicts(md)["2.2"] == WARNING
    assert "customer-service (customer-service) (revision virtualcluster-helm-argocd-7c1e5d2)" in step
    assert "recreate vClusters created before composition revision 2" in md


def test_pro_configuration_on_an_oss_image_fails_the_syncer_step(pytester: pytest.Pytester, charts: Charts) -> None:
    md = run(pytester, charts, with_fault(pytester, pro_configuration_on_oss))
    step = step_section(md, "2.2")
    assert verdicts(md)["2.2"] == FAILED
    assert "sync.toHost.customResources needs vCluster Pro, image is ghcr.io/loft-sh/vcluster-oss:0.36.1" in step
    assert "- **Root Cause**: sync.toHost.customResources in the values of vc1 needs vCluster Pro" in step


def test_a_database_image_that_cannot_be_pulled_fails_postgresql_via_oam(
    pytester: pytest.Pytester, charts: Charts
) -> None:
    md = run(pytester, charts, with_fault(pytester, database_image_pull_back_off))
    step = step_section(md, "3.1")
    assert verdicts(md)["3.1"] == FAILED
    assert verdicts(md)["3.2"].startswith("🔄")  # blocked by 3.1
    assert "ImagePullBackOff" in step
    assert "- **Root Cause**: the image docker.io/bitnami/postgresql:17.6.0-debian-12-r4 is gone" in step
    assert "bitnamilegacy" in step  # the fix
