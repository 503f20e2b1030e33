"""One known failure mode of the hint catalogue: the upstream text that shows it, its cause and fix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Known:
    """One failure mode: the upstream text that shows it (a tuple: any one of them), the cause and the fix,
    and where that text was read (``source``)."""

    name: str
    patterns: str | tuple[str, ...]
    cause: str
    fix: str
    defaults: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
