"""Kubernetes workloads and APIs: Deployment Available, StatefulSet ready, CRD Established."""

from __future__ import annotations

from typing import Final

from oamconf.k8s.api import KubeObject
from oamconf.k8s.conditions import condition_true, generation_observed
from oamconf.k8s.wait import Observation

_AVAILABLE: Final = condition_true("Available")


def deployment_available(obj: KubeObject) -> Observation:
    """Available=True for the current spec. A rollout past its progress deadline fails at once: the
    Deployment controller itself gave up waiting (``Progressing=False reason=ProgressDeadlineExceeded``)."""
    progressing = obj.condition("Progressing")
    if progressing is not None and progressing.status == "False" and progressing.reason == "ProgressDeadlineExceeded":
        return Observation.failed(f"want Available=True, is {progressing}")
    return _AVAILABLE(obj)


def statefulset_ready(obj: KubeObject) -> Observation:
    """Every wanted replica is ready and runs the current revision (after an upgrade, old pods
    that are still ready do not count)."""
    lagging = generation_observed(obj)
    if lagging is not None:
        return lagging
    wanted = int(obj.field("spec.replicas", 1))
    ready = int(obj.status.get("readyReplicas") or 0)
    if ready != wanted:
        return Observation.pending(f"want readyReplicas={wanted}, is readyReplicas={ready}")
    current, update = obj.status.get("currentRevision"), obj.status.get("updateRevision")
    if current and update and current != update:
        updated = int(obj.status.get("updatedReplicas") or 0)
        return Observation.pending(f"want revision {update} on {wanted} replicas, is {updated} updated")
    return Observation.succeeded(f"readyReplicas={ready} of {wanted}")


def pod_running(obj: KubeObject) -> Observation:
    """phase=Running. A pod that ended (Succeeded, Failed) fails at once: a StatefulSet's pod is not meant to
    end. Pending says why, in the scheduler's or the kubelet's words (an unbound claim, an image pull)."""
    phase = obj.field("status.phase") or "Pending"
    if phase == "Running":
        return Observation.succeeded(f"Running on {obj.field('spec.nodeName')}")
    if phase in ("Succeeded", "Failed"):
        return Observation.failed(f"want phase=Running, is phase={phase} {obj.field('status.reason') or ''}".strip())
    scheduled = obj.condition("PodScheduled")
    if scheduled is not None and scheduled.status == "False":
        return Observation.pending(f"want phase=Running, is {scheduled}")
    waiting = [
        f"{c.get('name')}: {c['state']['waiting'].get('reason')}"
        for c in [*(obj.field("status.initContainerStatuses") or []), *(obj.field("status.containerStatuses") or [])]
        if isinstance(c, dict) and isinstance((c.get("state") or {}).get("waiting"), dict)
    ]
    why = f" ({'; '.join(waiting)})" if waiting else ""
    return Observation.pending(f"want phase=Running, is phase={phase}{why}")


def job_complete(obj: KubeObject) -> Observation:
    """Complete=True; ``Failed=True`` (backoff limit reached, deadline exceeded) fails at once: the Job
    controller stopped retrying."""
    failed = obj.condition("Failed")
    if failed is not None and failed.status == "True":
        return Observation.failed(f"want Complete=True, is {failed}")
    complete = obj.condition("Complete")
    if complete is not None and complete.status == "True":
        return Observation.succeeded(f"Complete ({obj.field('status.succeeded', 1)} succeeded)")
    active, failures = obj.field("status.active", 0), obj.field("status.failed", 0)
    return Observation.pending(f"want Complete=True, is active={active} failed={failures}")


established: Final = condition_true("Established")
