"""The shape of ``docs/troubleshooting.md``'s entries: per area, where a platform engineer meets each hint rule's
text and a short example of it (the areas themselves: ``troubleshooting_areas``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """What a rule looks like from the outside: a heading, where the text shows, and an example of it."""

    title: str
    seen_in: str
    example: str  # the upstream text, shortened; <name> stands for a value


@dataclass(frozen=True)
class Area:
    title: str
    about: str
    entries: Mapping[str, Entry]  # by rule name; the page lists them in catalogue order
