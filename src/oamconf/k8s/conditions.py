"""Named checks built on ``wait.Observation``: small predicates over live objects.

Each returns a ``Check`` for ``wait_until``; messages read ``want ..., is ...`` so a timeout
says exactly what was last seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

from oamconf.errors import WaitFailed, WaitTimeout
from oamconf.k8s.api import Cluster, KubeObject, Ref
from oamconf.k8s.wait import Check, Clock, Observation, WaitPolicy, wait_until

Verdict = Callable[[KubeObject], Observation]


def exists(cluster: Cluster, ref: Ref) -> Check:
    def check() -> Observation:
        return Observation.simple(cluster.get(ref) is not None, f"want {ref} to exist")

    return check


def on_object(cluster: Cluster, ref: Ref, verdict: Verdict) -> Check:
    """Read *ref* and judge it; a missing object is pending ("not found yet")."""

    def check() -> Observation:
        obj = cluster.get(ref)
        if obj is None:
            return Observation.pending("not found yet")  # wait_until names the object
        return verdict(obj)

    return check


def condition_is(type_: str, status: str = "True", *, failed_reasons: Iterable[str] = ()) -> Verdict:
    """Wants ``status.conditions[type] == status``; a condition with one of *failed_reasons* fails at once."""
    terminal = frozenset(failed_reasons)

    def verdict(obj: KubeObject) -> Observation:
        found = obj.condition(type_)
        if found is None:
            return Observation.pending(f"want {type_}={status}, is no {type_} condition yet")
        message = f"want {type_}={status}, is {found}"
        if found.status == status:
            return Observation.succeeded(message)
        if found.reason in terminal:
            return Observation.failed(message)
        return Observation.pending(message)

    return verdict


def all_of(*verdicts: Verdict) -> Verdict:
    """Every verdict must succeed; the first failure or pending one speaks for the whole."""

    def verdict(obj: KubeObject) -> Observation:
        seen = [v(obj) for v in verdicts]
        for wanted in ("failed", "pending"):
            hit = next((o for o in seen if o.state.value == wanted), None)
            if hit is not None:
                return hit
        return Observation.succeeded("; ".join(o.message for o in seen))

    return verdict


# -- verdicts of the workloads and APIs the platform is made of ----------------------------------


def _generation_observed(obj: KubeObject) -> Observation | None:
    """Pending while the controller has not seen the latest spec: after `helm upgrade` the old
    status (Available=True of the previous rollout) would otherwise pass for the new one."""
    want = obj.metadata.get("generation")
    seen = obj.status.get("observedGeneration")
    if want is None or seen is None or int(seen) >= int(want):
        return None
    return Observation.pending(f"want observedGeneration {want}, is {seen}")


def condition_true(type_: str) -> Verdict:
    """``type_=True``; unlike ``condition_is`` the message leaves out the condition's message,
    which for Deployments and CRDs only repeats the reason."""

    def verdict(obj: KubeObject) -> Observation:
        lagging = _generation_observed(obj)
        if lagging is not None:
            return lagging
        found = obj.condition(type_)
        if found is None:
            return Observation.pending(f"want {type_}=True, is no {type_} condition yet")
        seen = f"{found.type}={found.status}" + (f" reason={found.reason}" if found.reason else "")
        return Observation.simple(found.status == "True", f"want {type_}=True, is {seen}")

    return verdict


def statefulset_ready(obj: KubeObject) -> Observation:
    """Every wanted replica is ready and runs the current revision (after an upgrade, old pods
    that are still ready do not count)."""
    lagging = _generation_observed(obj)
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


deployment_available: Final = condition_true("Available")
established: Final = condition_true("Established")
# Healthy=False messages say why a package is unhealthy (pull errors, dependencies), so keep them.
package_healthy: Final = all_of(condition_is("Installed"), condition_is("Healthy"))


def wait_for(
    cluster: Cluster,
    ref: Ref,
    verdict: Verdict,
    *,
    timeout: float | None = None,
    policy: WaitPolicy | None = None,
    clock: Clock | None = None,
) -> Observation:
    """Wait until *ref* satisfies *verdict*; the succeeding observation says what was seen.

    Raises:
        WaitFailed, WaitTimeout: as ``wait_until``, naming *ref*.
    """
    try:
        return wait_until(
            on_object(cluster, ref, verdict), subject=str(ref), timeout=timeout, policy=policy, clock=clock
        )
    except (WaitTimeout, WaitFailed) as err:
        err.ref = ref  # so the report can show this object's status and events
        raise
