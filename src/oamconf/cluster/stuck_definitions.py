"""A ComponentDefinition vela-core left stuck after a cache race, nudged after the suite installed it.

vela-core v1.10.9 reads a DefinitionRevision it has just created through its cache; when the cache lags, it
sets Synced=False "cannot generate DefinitionRevision of <name>: ... not found" and does not requeue
(core/revison.go:416-422 patches the condition and returns no error), so the definition stays so until
something changes it. Seen in fresh-clone CI runs of the local tier, with several definitions applied at once
on a busy machine; nothing in it is local, so a kind run that installed the platform nudges too. A run
against an existing cluster changes nothing there: its 1.2 fails with the hint ``definition-revision-stuck``.
"""

from __future__ import annotations

import contextlib
import re
from typing import Final

from oamconf.errors import WaitTimeout
from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster, KubeObject
from oamconf.k8s.wait import Clock, Observation, wait_until

STUCK_DEFINITION: Final = "cannot generate DefinitionRevision of "
NUDGE: Final = "oamconf.dev/reconcile"
SYNCED_WITHIN: Final = 30.0
# Seconds to wait for the definitions to reconcile after each nudge, before the next: one nudge 1.8 s after the
# revision was created met the same stale cache in a run and left the definitions stuck for 1.2's whole wait.
SETTLE: Final = (3.0, 8.0, 15.0)
_REVISION: Final = re.compile(r"get the definitionRevision (?P<name>[\w.-]+):")
_MANAGER: Final = "oamconf-nudge"


def unstick_definitions(
    cluster: Cluster, namespace: str, *, timeout: float = SYNCED_WITHIN, clock: Clock | None = None
) -> list[str]:
    """Once every ComponentDefinition in *namespace* has a Synced condition (or *timeout* passed), nudge each one
    vela-core left stuck as above so that it reconciles it again: a fresh annotation on the definition, and on the
    DefinitionRevision its message names (an update its cache cannot miss). A definition still stuck a while after
    is nudged again, at most ``len(SETTLE)`` times; the names of those nudged (the header says so). The checks
    still judge what vela-core then makes of them."""
    kind = kinds.COMPONENT_DEFINITION

    def stuck_now() -> list[KubeObject]:
        return [d for d in cluster.list(kind.api_version, kind.kind, namespace=namespace) if _stuck_on(d)]

    def all_judged() -> Observation:
        listed = cluster.list(kind.api_version, kind.kind, namespace=namespace)
        waiting = [d.ref.name for d in listed if d.condition("Synced") is None]
        return Observation.pending(f"no Synced yet: {waiting}") if waiting else Observation.succeeded("judged")

    def unstuck() -> Observation:
        left = [d.ref.name for d in stuck_now()]
        return Observation.pending(f"still stuck: {left}") if left else Observation.succeeded("reconciled")

    with contextlib.suppress(WaitTimeout):  # step 1.2 waits again and says what it saw
        wait_until(all_judged, subject="ComponentDefinitions synced", timeout=timeout, clock=clock)
    nudged: list[str] = []
    for attempt, settle in enumerate(SETTLE, start=1):
        stuck = stuck_now()
        if not stuck:
            break
        for definition in stuck:
            _nudge(cluster, definition, attempt)
        nudged += [d.ref.name for d in stuck if d.ref.name not in nudged]
        with contextlib.suppress(WaitTimeout):
            wait_until(unstuck, subject="stuck ComponentDefinitions", timeout=settle, clock=clock)
    return nudged


def _stuck_on(definition: KubeObject) -> bool:
    synced = definition.condition("Synced")
    return synced is not None and synced.status == "False" and STUCK_DEFINITION in synced.message


def _nudge(cluster: Cluster, definition: KubeObject, attempt: int) -> None:
    """Annotate the revision the message names, if it exists (an apply would create it), then the definition."""
    synced = definition.condition("Synced")
    named = _REVISION.search(synced.message) if synced else None
    namespace = definition.ref.namespace
    revision = kinds.DEFINITION_REVISION.ref(named["name"], namespace) if named else None
    for ref in [r for r in (revision,) if r is not None and cluster.get(r) is not None] + [definition.ref]:
        marked = {"name": ref.name, "namespace": namespace, "annotations": {NUDGE: str(attempt)}}
        cluster.apply({"apiVersion": ref.api_version, "kind": ref.kind, "metadata": marked}, field_manager=_MANAGER)


def nudged_line(names: list[str]) -> str:
    """The header's words for the definitions ``unstick_definitions`` nudged."""
    return (
        f"vela-core left {', '.join(names)} at Synced=False 'cannot generate DefinitionRevision' (its cache lagged "
        "the revision it had just created) and does not retry that: annotated, with that revision, to reconcile "
        "again"
    )
