"""What changed since an earlier run (``--compare``): verdicts, slow-downs and versions.

Both sides are results snapshots (``history.snapshot``), so this run is compared exactly as it
will be read by the next one. Each change is a row the reports show the same way: its kind,
what changed, before and now.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from oamconf.report.history import Snapshot, StepSnapshot
from oamconf.report.markdown import duration_text
from oamconf.steps.outcomes import StepVerdict

SLOWER_FACTOR: Final = 2.0
# Below this a step's duration is mostly scheduling noise: 0.2 s -> 0.5 s is not a slow-down.
SLOWER_MIN_SECONDS: Final = 1.0
_FAILED: Final = StepVerdict.FAILED.name.lower()
_PASSED: Final = frozenset({StepVerdict.WORKING.name.lower(), StepVerdict.NEEDS_VERIFICATION.name.lower()})
_NOT_BEFORE: Final = "(not in that run)"
_NOT_NOW: Final = "(not in this run)"


class ChangeKind(enum.Enum):
    """Kinds of change, most urgent first; the value is the JUnit property's suffix."""

    NEWLY_FAILING = "newly-failing"
    FIXED = "fixed"
    SLOWER = "slower"
    VERDICT = "verdict"
    VERSION = "version"

    @property
    def words(self) -> str:
        return _WORDS[self][1]

    @property
    def label(self) -> str:
        icon, words = _WORDS[self]
        return f"{icon} {words[0].upper()}{words[1:]}"


_WORDS: Final = {
    ChangeKind.NEWLY_FAILING: ("❌", "newly failing"),
    ChangeKind.FIXED: ("✅", "fixed"),
    ChangeKind.SLOWER: ("🐢", f"slower (over {SLOWER_FACTOR:g}x)"),
    ChangeKind.VERDICT: ("🔀", "verdict changed"),
    ChangeKind.VERSION: ("📦", "version changed"),
}


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    subject: str  # "4.2 ArgoCD Deployment to vCluster", or a component name
    before: str
    now: str

    @property
    def text(self) -> str:
        """One line: ``subject: before -> now``."""
        return f"{self.subject}: {self.before} → {self.now}"


@dataclass(frozen=True)
class Changes:
    """Every change since the earlier run, grouped by kind in ChangeKind's order."""

    since: str  # the earlier run's start, as the reports print it
    previous_overall: str
    previous_duration: float
    items: tuple[Change, ...]

    def of(self, kind: ChangeKind) -> tuple[Change, ...]:
        return tuple(c for c in self.items if c.kind is kind)

    @property
    def counts(self) -> str:
        """``"1 newly failing, 2 fixed"``, or that nothing changed."""
        found = [f"{len(self.of(k))} {k.words}" for k in ChangeKind if self.of(k)]
        return ", ".join(found) or "no verdict, duration or version changed"

    @property
    def summary(self) -> str:
        """The line above the table: the earlier run's status and length, then the counts."""
        previous = f"{self.previous_overall}, {duration_text(self.previous_duration)}"
        return f"Compared with that run ({previous}): {self.counts}."


def compare(previous: Snapshot, current: Snapshot) -> Changes:
    """What changed from *previous* to *current*."""
    items = _step_changes(previous.steps, current.steps) + _version_changes(
        previous.bill_of_materials, current.bill_of_materials
    )
    order = list(ChangeKind)
    return Changes(
        since=previous.started_text,
        previous_overall=previous.overall,
        previous_duration=previous.duration,
        items=tuple(sorted(items, key=lambda c: order.index(c.kind))),  # stable: step order within a kind
    )


def _step_changes(before: tuple[StepSnapshot, ...], now: tuple[StepSnapshot, ...]) -> list[Change]:
    old = {s.id: s for s in before}
    found: list[Change] = []
    for step in now:
        subject = f"{step.id} {step.title}"
        was = old.pop(step.id, None)
        if was is None or was.verdict != step.verdict:
            found.append(_verdict_change(subject, was, step))
        if was is not None and _slower(was, step):
            ratio = f" ({step.duration / was.duration:.1f}x)" if was.duration else ""
            now_text = duration_text(step.duration) + ratio
            found.append(Change(ChangeKind.SLOWER, subject, duration_text(was.duration), now_text))
    found += [Change(ChangeKind.VERDICT, f"{s.id} {s.title}", s.label, _NOT_NOW) for s in old.values()]
    return found


def _verdict_change(subject: str, was: StepSnapshot | None, step: StepSnapshot) -> Change:
    """A step new in this run counts too: a new step that fails is as urgent as an old one."""
    before = was.label if was is not None else _NOT_BEFORE
    if step.verdict == _FAILED:
        problem = f": {step.problems[0]}" if step.problems else ""
        return Change(ChangeKind.NEWLY_FAILING, subject, before, step.label + problem)
    if was is not None and was.verdict == _FAILED and step.verdict in _PASSED:
        return Change(ChangeKind.FIXED, subject, before, step.label)
    return Change(ChangeKind.VERDICT, subject, before, step.label)


def _slower(was: StepSnapshot, step: StepSnapshot) -> bool:
    """Only steps that ran both times: a step not tested takes no time, which says nothing."""
    if not (was.ran and step.ran) or step.duration < SLOWER_MIN_SECONDS:
        return False
    return step.duration > SLOWER_FACTOR * was.duration


def _version_changes(before: tuple[tuple[str, str], ...], now: tuple[tuple[str, str], ...]) -> list[Change]:
    old, new = dict(before), dict(now)
    names = [*new, *(n for n in old if n not in new)]
    return [
        Change(ChangeKind.VERSION, name, old.get(name, _NOT_BEFORE), new.get(name, _NOT_NOW))
        for name in names
        if old.get(name) != new.get(name)
    ]
