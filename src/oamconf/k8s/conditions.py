"""The building blocks of verdicts: a condition's status, the spec generation seen, all of several.

A verdict reads one live object and returns an ``Observation``; messages read ``want ..., is ...`` so
a timeout says exactly what was last seen. The verdicts of the platform's kinds, with the states each
cannot recover from, are in ``oamconf.k8s.verdicts``; waits go through ``oamconf.k8s.expect``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from oamconf.k8s.api import KubeObject
from oamconf.k8s.wait import Observation

Verdict = Callable[[KubeObject], Observation]


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


def generation_observed(obj: KubeObject) -> Observation | None:
    """Pending while the controller has not seen the latest spec: after `helm upgrade` the old
    status (Available=True of the previous rollout) would otherwise pass for the new one."""
    want = obj.metadata.get("generation")
    seen = obj.status.get("observedGeneration")
    if want is None or seen is None or int(seen) >= int(want):
        return None
    return Observation.pending(f"want observedGeneration {want}, is {seen}")


def condition_true(type_: str) -> Verdict:
    """``type_=True`` for the current spec; unlike ``condition_is`` the message leaves out the
    condition's message, which for Deployments and CRDs only repeats the reason."""

    def verdict(obj: KubeObject) -> Observation:
        lagging = generation_observed(obj)
        if lagging is not None:
            return lagging
        found = obj.condition(type_)
        if found is None:
            return Observation.pending(f"want {type_}=True, is no {type_} condition yet")
        seen = f"{found.type}={found.status}" + (f" reason={found.reason}" if found.reason else "")
        return Observation.simple(found.status == "True", f"want {type_}=True, is {seen}")

    return verdict
