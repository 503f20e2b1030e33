"""Named conditions read live objects and say what they want and what they see."""

from __future__ import annotations

from oamconf.k8s.api import KubeObject
from oamconf.k8s.conditions import all_of, condition_is
from oamconf.k8s.verdicts.workloads import statefulset_ready
from oamconf.k8s.wait import State


def release(*conditions: dict[str, str], state: str = "deployed") -> KubeObject:
    return KubeObject(
        {
            "apiVersion": "helm.crossplane.io/v1beta1",
            "kind": "Release",
            "metadata": {"name": "test-db-postgresql"},
            "status": {"atProvider": {"state": state}, "conditions": list(conditions)},
        }
    )


READY = {"type": "Ready", "status": "True", "reason": "Available"}
UNAVAILABLE = {"type": "Ready", "status": "False", "reason": "Unavailable"}
SYNC_ERROR = {"type": "Synced", "status": "False", "reason": "ReconcileError", "message": "chart not found"}


def test_a_missing_condition_is_pending_and_says_so() -> None:
    seen = condition_is("Ready")(release())
    assert (seen.state, seen.message) == (State.PENDING, "want Ready=True, is no Ready condition yet")


def test_a_false_condition_is_pending_with_its_reason() -> None:
    seen = condition_is("Ready")(release(UNAVAILABLE, state="pending-install"))
    assert (seen.state, seen.message) == (State.PENDING, "want Ready=True, is Ready=False reason=Unavailable")


def test_a_terminal_reason_fails_at_once() -> None:
    seen = condition_is("Synced", failed_reasons=["ReconcileError"])(release(SYNC_ERROR))
    assert seen.state is State.FAILED
    assert seen.message == "want Synced=True, is Synced=False reason=ReconcileError message='chart not found'"


def test_all_of_needs_every_condition_and_reports_the_worst() -> None:
    both = all_of(condition_is("Ready"), condition_is("Synced", failed_reasons=["ReconcileError"]))
    assert both(release(READY, SYNC_ERROR)).state is State.FAILED
    assert both(release(UNAVAILABLE)).message == "want Ready=True, is Ready=False reason=Unavailable"
    ok = both(release(READY, {"type": "Synced", "status": "True"}))
    assert ok.state is State.SUCCEEDED


def test_fields_are_read_by_dotted_path() -> None:
    obj = release(READY, state="pending-upgrade")
    assert obj.field("status.atProvider.state") == "pending-upgrade"
    assert obj.field("status.atProvider.revision", 0) == 0
    assert str(obj.ref) == "Release test-db-postgresql"


def statefulset(**status: object) -> KubeObject:
    return KubeObject(
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "argocd-application-controller", "namespace": "argocd", "generation": 2},
            "spec": {"replicas": 1},
            "status": {"observedGeneration": 2, **status},
        }
    )


def test_a_statefulset_mid_rollout_is_not_ready_even_with_a_ready_old_pod() -> None:
    rolling = statefulset(readyReplicas=1, currentRevision="ctrl-1", updateRevision="ctrl-2", updatedReplicas=0)
    seen = statefulset_ready(rolling)
    assert (seen.state, seen.message) == (State.PENDING, "want revision ctrl-2 on 1 replicas, is 0 updated")
    done = statefulset(readyReplicas=1, currentRevision="ctrl-2", updateRevision="ctrl-2", updatedReplicas=1)
    assert statefulset_ready(done).state is State.SUCCEEDED
