"""How ``MemoryCluster`` watches an object, in virtual time.

Nothing in the in-memory cluster changes on its own: its controllers are reactions that act once the
object has been *polled* often enough (``reactions``). So a watch here cannot block until something
happens; each watch request is one look, and it counts as one poll, as a ``get`` does:

1. the request counts one poll of the object, so the reactions that poll makes due act at once;
2. it then delivers the object if it changed since the ``resourceVersion`` it was given (with none:
   if it exists), or its deletion, and ends, as a real watch ends when the server closes it.

A change a poll causes is so delivered by that same request, where a ``get`` would still have seen
the old state and only the next poll, an interval later, the new one: that interval is what watching
saves. A request that finds nothing new ends at once; ``expect`` then sleeps the poll interval on its
clock before looking again, so on a ``FakeClock`` the looks come at the same virtual times as polls,
and a reaction ``after_polls: N`` means what it meant: it acts once the suite has looked N times.
Injected failures of the ``get`` verb apply to watches too (a watch reads the object).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from oamconf.k8s.api import Change, KubeObject
from oamconf.redact import SecretSink, remember_secret


def look(found: Mapping[str, Any] | None, resource_version: str | None, secrets: SecretSink | None) -> Iterator[Change]:
    """What a watch request from *resource_version* sees of the object as stored now (*found*): at most one
    change, copied when the request is made, as the object may change before the caller reads it."""
    if found is None:
        # It was there when last seen (a version is known): deleted since.
        return iter([Change(None, None)] if resource_version is not None else [])
    current = str((found.get("metadata") or {}).get("resourceVersion") or "")
    if current == resource_version:
        return iter([])
    remember_secret(secrets, found)
    return iter([Change(KubeObject(copy.deepcopy(dict(found))), current)])
