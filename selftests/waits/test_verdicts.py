"""Each domain's verdict: pending through the transient states of a fresh install, failed at once on a
state that needs a person, so a wait on the fake clock ends without any time passing."""

from __future__ import annotations

from typing import Any

import pytest

from oamconf.errors import WaitFailed, WaitTimeout
from oamconf.k8s import kinds
from oamconf.k8s.api import KubeObject
from oamconf.k8s.conditions import Verdict
from oamconf.k8s.expect import Expect
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.verdicts.argocd import application_synced_healthy
from oamconf.k8s.verdicts.crossplane import composite_composed, composite_ready, package_healthy
from oamconf.k8s.verdicts.helm import release_ready
from oamconf.k8s.verdicts.kubevela import application_running, definition_registered
from oamconf.k8s.verdicts.workloads import deployment_available, pod_running
from oamconf.k8s.wait import FakeClock, State


def obj(kind: kinds.Kind, status: dict[str, Any], spec: dict[str, Any] | None = None) -> KubeObject:
    meta = {"name": "x", "namespace": "ns"} if kind.namespaced else {"name": "x"}
    return KubeObject(
        {"apiVersion": kind.api_version, "kind": kind.kind, "metadata": meta, "spec": spec or {}, "status": status}
    )


def cond(type_: str, status: str, reason: str = "", message: str = "") -> dict[str, str]:
    return {"type": type_, "status": status, "reason": reason, "message": message}


UNHEALTHY = "UnhealthyPackageRevision"
CASES = [
    # (id, verdict, object, expected state)
    ("package-starting", package_healthy, obj(kinds.PROVIDER, {"conditions": [cond("Installed", "True"), cond(
        "Healthy", "False", UNHEALTHY, 'deployment has no condition of type "Available" yet')]}), State.PENDING),
    ("package-dependency-missing", package_healthy, obj(kinds.PROVIDER, {"conditions": [cond("Installed", "True"), cond(
        "Healthy", "False", UNHEALTHY, "cannot resolve package dependencies: missing dependencies")]}), State.PENDING),
    ("package-incompatible", package_healthy, obj(kinds.PROVIDER, {"conditions": [cond("Installed", "True"), cond(
        "Healthy", "False", UNHEALTHY, "incompatible Crossplane version: package is not compatible")]}), State.FAILED),
    ("package-image-unknown", package_healthy, obj(kinds.PROVIDER, {"conditions": [cond(
        "Installed", "False", "UnpackingPackage", "cannot unpack package: GET ...: MANIFEST_UNKNOWN: manifest unknown"
    )]}), State.FAILED),
    ("package-registry-unreachable", package_healthy, obj(kinds.PROVIDER, {"conditions": [cond(
        "Installed", "False", "UnpackingPackage", "cannot unpack package: dial tcp: i/o timeout")]}), State.PENDING),
    ("xr-function-starting", composite_ready, obj(kinds.RELEASE, {"conditions": [cond(
        "Synced", "False", "ReconcileError", 'cannot run Composition pipeline step "pt": rpc error: code = Unavailable'
    )]}), State.PENDING),
    ("xr-fatal-result", composite_ready, obj(kinds.RELEASE, {"conditions": [cond(
        "Synced", "False", "ReconcileError",
        'cannot compose resources: pipeline step "pt" returned a fatal result: cannot apply patch')]}), State.FAILED),
    ("release-pending-install", release_ready, obj(kinds.RELEASE, {"atProvider": {"state": "pending-install"},
        "conditions": [cond("Ready", "False", "Unavailable")]}), State.PENDING),
    ("release-failed-will-retry", release_ready, obj(kinds.RELEASE, {"atProvider": {"state": "failed"}, "failed": 1,
        "conditions": [cond("Ready", "False", "Unavailable")]}, {"rollbackLimit": 3}), State.PENDING),
    ("release-failed-limit-reached", release_ready, obj(kinds.RELEASE, {"atProvider": {"state": "failed"},
        "failed": 3, "conditions": [cond("Ready", "False", "Unavailable")]}, {"rollbackLimit": 3}),
        State.FAILED),
    ("release-failed-no-limit", release_ready, obj(kinds.RELEASE, {"atProvider": {"state": "failed"},
        "conditions": [cond("Ready", "False", "Unavailable")]}), State.FAILED),
    ("release-chart-version-missing", release_ready, obj(kinds.RELEASE, {"atProvider": {}, "conditions": [cond(
        "Ready", "False", "Creating"), cond("Synced", "False", "ReconcileError", 'create failed: failed to install '
        'release: failed to pull chart: chart "vcluster" version "0.0.404" not found in http://127.0.0.1:1 '
        'repository')]}), State.FAILED),
    ("release-provider-config-missing", release_ready, obj(kinds.RELEASE, {"conditions": [cond("Synced", "False",
        "ReconcileError", "connect failed: failed to resolve provider config: cannot get provider config: "
        'ProviderConfig.helm.crossplane.io "x" not found')]}), State.FAILED),
    # provider-helm v1.3.0 and the real vcluster chart on the local tier: helm refuses the same values every poll.
    ("release-values-refused-by-schema", release_ready, obj(kinds.RELEASE, {"atProvider": {}, "conditions": [cond(
        "Ready", "False", "Creating"), cond("Synced", "False", "ReconcileError", "create failed: failed to install "
        "release: values don't meet the specifications of the schema(s) in the following chart(s):\nvcluster:\n- at "
        "'/controlPlane': additional properties 'nope' not allowed\n")]}), State.FAILED),
    ("release-repository-unreachable", release_ready, obj(kinds.RELEASE, {"atProvider": {}, "conditions": [cond(
        "Ready", "False", "Creating"), cond("Synced", "False", "ReconcileError", "create failed: failed to install "
        "release: failed to pull chart: dial tcp 127.0.0.1:1: connect: connection refused")]}), State.PENDING),
    ("app-type-not-found", application_running, obj(kinds.OAM_APPLICATION, {"status": "rendering", "conditions": [
        cond("Parsed", "False", "ReconcileError", "failed to parseComponents: fetch component/policy type of c: load "
        'template from component definition [x] : WorkloadDefinition.core.oam.dev "x" not found')]}), State.FAILED),
    ("app-running-workflow", application_running, obj(kinds.OAM_APPLICATION, {"status": "runningWorkflow"}),
        State.PENDING),
    ("app-workflow-failed-retrying", application_running, obj(kinds.OAM_APPLICATION, {"status": "workflowFailed",
        "workflow": {"terminated": False}}), State.PENDING),
    ("app-workflow-failed-for-good", application_running, obj(kinds.OAM_APPLICATION, {"status": "workflowFailed",
        "workflow": {"terminated": True, "steps": [{"name": "db", "phase": "failed", "reason": "FailedAfterRetries",
        "message": "apply failed"}]}}), State.FAILED),
    ("app-terminated", application_running, obj(kinds.OAM_APPLICATION, {"status": "workflowTerminated"}),
        State.FAILED),
    ("argo-comparison-error", application_synced_healthy, obj(kinds.ARGO_APPLICATION, {"sync": {"status": "Unknown"},
        "health": {"status": "Unknown"}, "conditions": [{"type": "ComparisonError", "message": "connection refused"}]}),
        State.PENDING),
    ("argo-sync-retrying", application_synced_healthy, obj(kinds.ARGO_APPLICATION, {"sync": {"status": "OutOfSync"},
        "operationState": {"phase": "Running", "message": "Retrying attempt #2"}}), State.PENDING),
    ("argo-sync-failed", application_synced_healthy, obj(kinds.ARGO_APPLICATION, {"sync": {"status": "OutOfSync"},
        "operationState": {"phase": "Failed", "message": "one or more objects failed to apply (retried 5 times)."}}),
        State.FAILED),
    # vela-core v1.10.9 records the revision even when it cannot store the parameter schema (seen on the local tier).
    ("definition-schema-not-stored", definition_registered, obj(kinds.COMPONENT_DEFINITION, {"latestRevision": {
        "name": "postgresql-v1"}, "conditions": [cond("Synced", "False", "ReconcileError", "cannot store capability "
        "postgresql in ConfigMap: failed to generate OpenAPI v3 JSON schema for capability postgresql: unsupported op "
        "for number &")]}), State.FAILED),
    # vela-core's cache lagging the revision it just created (fresh-clone CI runs): vela-core does not requeue it, but
    # the suite nudges it after an install of its own, so 1.2 waits; elsewhere it times out with the hint.
    ("definition-revision-not-cached-yet", definition_registered, obj(kinds.COMPONENT_DEFINITION, {"latestRevision": {
        "name": "postgresql-v1"}, "conditions": [cond("Synced", "False", "ReconcileError", "cannot generate "
        "DefinitionRevision of postgresql: get the definitionRevision postgresql-v1: DefinitionRevision.core.oam.dev "
        '"postgresql-v1" not found')]}), State.PENDING),
    ("definition-registered", definition_registered, obj(kinds.COMPONENT_DEFINITION, {"latestRevision": {
        "name": "postgresql-v1"}, "conditions": [cond("Synced", "True", "ReconcileSuccess")]}), State.SUCCEEDED),
    ("definition-not-yet", definition_registered, obj(kinds.COMPONENT_DEFINITION, {}), State.PENDING),
    ("definition-revision-before-synced", definition_registered, obj(kinds.COMPONENT_DEFINITION, {"latestRevision": {
        "name": "postgresql-v1"}}), State.PENDING),
    ("deployment-progressing", deployment_available, obj(kinds.DEPLOYMENT, {"conditions": [cond(
        "Available", "False", "MinimumReplicasUnavailable"), cond("Progressing", "True", "ReplicaSetUpdated")]}),
        State.PENDING),
    ("deployment-deadline-exceeded", deployment_available, obj(kinds.DEPLOYMENT, {"conditions": [
        cond("Available", "False", "MinimumReplicasUnavailable"),
        cond("Progressing", "False", "ProgressDeadlineExceeded")]}), State.FAILED),
    # The scheduler's words while a claim is unbound (k8s v1.36.1 volumebinding/volume_binding.go:378).
    ("pod-unbound-claim", pod_running, obj(kinds.POD, {"phase": "Pending", "conditions": [cond("PodScheduled", "False",
        "Unschedulable", "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.")]}),
        State.PENDING),
    ("pod-running", pod_running, obj(kinds.POD, {"phase": "Running"}, {"nodeName": "n"}), State.SUCCEEDED),
    ("pod-ended", pod_running, obj(kinds.POD, {"phase": "Failed", "reason": "Evicted"}), State.FAILED),
    ("xr-nothing-composed-yet", composite_composed(kinds.RELEASE), obj(kinds.RELEASE, {}), State.PENDING),
    ("xr-composed-release", composite_composed(kinds.RELEASE), obj(kinds.RELEASE, {}, {"crossplane": {
        "resourceRefs": [{"apiVersion": "helm.crossplane.io/v1beta1", "kind": "Release", "name": "vc1"}]}}),
        State.SUCCEEDED),
    ("xr-composed-fatal", composite_composed(kinds.RELEASE), obj(kinds.RELEASE, {"conditions": [cond(
        "Synced", "False", "ReconcileError",
        'cannot compose resources: pipeline step "pt" returned a fatal result: cannot apply patch')]}), State.FAILED),
]  # fmt: skip


@pytest.mark.parametrize(("verdict", "live", "expected"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_the_verdict_keeps_waiting_only_while_the_state_can_still_change(
    verdict: Verdict, live: KubeObject, expected: State
) -> None:
    assert verdict(live).state is expected


@pytest.mark.parametrize(
    ("verdict", "live"), [pytest.param(c[1], c[2], id=c[0]) for c in CASES if c[3] is State.FAILED]
)
def test_a_terminal_state_ends_the_wait_with_no_time_passing(verdict: Verdict, live: KubeObject) -> None:
    cluster, clock = MemoryCluster("terminal"), FakeClock()
    cluster.seed([dict(live.raw)])
    with pytest.raises(WaitFailed) as caught:
        Expect(cluster, clock=clock)(live.ref, verdict, timeout=600)
    assert clock.now == 0
    assert clock.sleeps == []
    assert caught.value.ref == live.ref  # the report's diagnostics read this object
    assert caught.value.cluster is cluster


def test_a_transient_state_is_waited_out_and_the_timeout_says_what_was_last_seen() -> None:
    live = next(c[2] for c in CASES if c[0] == "release-pending-install")
    cluster, clock = MemoryCluster("pending"), FakeClock()
    cluster.seed([dict(live.raw)])
    with pytest.raises(WaitTimeout, match=r"want deployed, is state pending-install, Ready=False reason=Unavailable"):
        Expect(cluster, clock=clock)(live.ref, release_ready, timeout=600)
    assert clock.now >= 600


def test_expect_returns_the_object_that_satisfied_the_verdict() -> None:
    live = obj(
        kinds.RELEASE, {"atProvider": {"state": "deployed", "revision": 3}, "conditions": [cond("Ready", "True")]}
    )
    cluster = MemoryCluster("ready")
    cluster.seed([dict(live.raw)])
    seen = Expect(cluster, clock=FakeClock())(live.ref, release_ready)
    assert seen.field("status.atProvider.revision") == 3
