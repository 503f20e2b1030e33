"""Argo CD Applications (Argo CD v3.4.4, platform-facts §4, §8).

``ComparisonError`` is recomputed on every comparison (a repo-server restarting clears it) and
``InvalidSpecError`` is re-checked on every refresh (a cluster Secret created later clears it), so
both are pending, shown in the message. A sync operation that ended ``Failed`` or ``Error`` is final:
automated sync retries inside the operation (``Retrying attempt #N``) before it ends that way.
"""

from __future__ import annotations

from typing import Final

from oamconf.k8s.api import KubeObject
from oamconf.k8s.wait import Observation

_FINAL_PHASES: Final = frozenset({"Failed", "Error"})
_SHOWN: Final = ("ComparisonError", "InvalidSpecError", "SyncError", "UnknownError")


def application_synced_healthy(obj: KubeObject) -> Observation:
    """``sync.status: Synced`` and ``health.status: Healthy``; fails at once on a failed sync operation."""
    sync = obj.field("status.sync.status") or "none yet"
    health = obj.field("status.health.status") or "none yet"
    seen = f"sync {sync}, health {health}{_conditions(obj)}"
    if sync == "Synced" and health == "Healthy":
        return Observation.succeeded(f"Synced, Healthy (revision {obj.field('status.sync.revision', '?')})")
    phase = obj.field("status.operationState.phase")
    if phase in _FINAL_PHASES:
        message = obj.field("status.operationState.message") or ""
        return Observation.failed(f"want Synced and Healthy, is {seen}; last sync {phase}: {message}")
    return Observation.pending(f"want Synced and Healthy, is {seen}")


def _conditions(obj: KubeObject) -> str:
    found = [
        f"{c.get('type')}: {c.get('message', '')}"
        for c in obj.field("status.conditions") or []
        if isinstance(c, dict) and c.get("type") in _SHOWN
    ]
    return f" ({'; '.join(found)})" if found else ""
