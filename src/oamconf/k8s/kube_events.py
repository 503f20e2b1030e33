"""core/v1 Events as the suite's ``Event``: oldest first, counted as kubectl counts them.

An Event carries its time in one of three fields (``lastTimestamp`` from the old recorder, ``eventTime`` from
the new one, ``firstTimestamp``) and its count in ``count`` or ``series.count``; each is read where it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from oamconf.k8s.api import Event

_OLDEST: Final = datetime.min.replace(tzinfo=UTC)


def events_of(items: Iterable[Mapping[str, Any]]) -> list[Event]:
    """The Events of a list response's *items*, oldest first."""
    return [_event(item) for item in sorted(items, key=_event_time)]


def _event_time(item: Mapping[str, Any]) -> datetime:
    stamp = item.get("lastTimestamp") or item.get("eventTime") or item.get("firstTimestamp")
    try:
        parsed = datetime.fromisoformat(str(stamp or (item.get("metadata") or {}).get("creationTimestamp")))
    except ValueError:
        return _OLDEST
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _event(item: Mapping[str, Any]) -> Event:
    series = item.get("series") or {}
    return Event(
        type=str(item.get("type") or ""),
        reason=str(item.get("reason") or ""),
        message=str(item.get("message") or ""),
        count=int(item.get("count") or series.get("count") or 1),
        last_seen=str(item.get("lastTimestamp") or item.get("eventTime") or item.get("firstTimestamp") or ""),
    )
