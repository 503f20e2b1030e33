"""Named checks built on ``wait.Observation``: small predicates over live objects.

Each returns a ``Check`` for ``wait_until``; messages read ``want ..., is ...`` so a timeout
says exactly what was last seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

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
    return wait_until(on_object(cluster, ref, verdict), subject=str(ref), timeout=timeout, policy=policy, clock=clock)
