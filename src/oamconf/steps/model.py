"""Steps and phases, numbered like the platform team's manual test report.

A step id is ``"<phase>.<n>"`` (``"4.2"``) or a bare phase number (``"5"``) for a phase that is
one step. Phases are declared once, with the phases they depend on; a step depends on every
step of those phases plus the steps its marker names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from oamconf.errors import UsageError

_STEP_ID = re.compile(r"^[1-9][0-9]*(\.[0-9]+)*$")


def parse_step_id(step_id: str) -> tuple[int, ...]:
    """``"4.2"`` -> ``(4, 2)``: the sort key. Raises UsageError for anything else."""
    if not isinstance(step_id, str) or not _STEP_ID.match(step_id):
        raise UsageError(f"step id {step_id!r} is not of the form '4.2' or '5': number the step like the report")
    return tuple(int(p) for p in step_id.split("."))


@dataclass(frozen=True)
class Phase:
    """A phase of the report, e.g. ``Phase(4, "ArgoCD Integration", depends_on=(1, 2, 3))``."""

    number: int
    title: str
    depends_on: tuple[int, ...] = ()


# The manual report's phases. Phase 5 (end to end) needs everything before it; phases 2-4
# each stand on the foundation, and Argo CD's deployment needs a vCluster to deploy into.
REFERENCE_PHASES: tuple[Phase, ...] = (
    Phase(1, "Foundation Components"),
    Phase(2, "vCluster Infrastructure", depends_on=(1,)),
    Phase(3, "OAM Application with Infrastructure", depends_on=(1,)),
    Phase(4, "ArgoCD Integration", depends_on=(1, 2)),
    Phase(5, "End-to-End Integration", depends_on=(1, 2, 3, 4)),
)


@dataclass(frozen=True)
class StepSpec:
    """What a ``@pytest.mark.step(...)`` marker declares."""

    id: str
    title: str
    depends_on: tuple[str, ...] = ()
    key: tuple[int, ...] = field(default=(), compare=False)

    @property
    def phase(self) -> int:
        return self.key[0]

    @classmethod
    def from_marker(cls, args: tuple[Any, ...], kwargs: Mapping[str, Any], where: str) -> StepSpec:
        """Build from ``step("4.2", "Title", depends_on=["4.1"])``; UsageError names *where* when malformed."""
        if len(args) != 2 or not all(isinstance(a, str) for a in args) or set(kwargs) - {"depends_on"}:  # noqa: PLR2004
            raise UsageError(f"{where}: use @pytest.mark.step('4.2', 'Title', depends_on=['4.1'])")
        depends = kwargs.get("depends_on", ())
        if isinstance(depends, str):
            depends = (depends,)
        for dep in depends:
            parse_step_id(dep)
        step_id, title = args
        return cls(id=step_id, title=title, depends_on=tuple(depends), key=parse_step_id(step_id))


def phases_by_number(phases: Iterable[Phase]) -> dict[int, Phase]:
    table = {p.number: p for p in phases}
    for phase in table.values():
        unknown = [d for d in phase.depends_on if d not in table or d >= phase.number]
        if unknown:
            raise UsageError(f"phase {phase.number} depends on {unknown}: a phase may depend only on earlier phases")
    return table


def prerequisites(spec: StepSpec, all_steps: Iterable[StepSpec], phases: Mapping[int, Phase]) -> list[StepSpec]:
    """Every step *spec* waits for, lowest id first: named ones plus all steps of the phases its phase needs."""
    steps = {s.id: s for s in all_steps}
    phase = phases.get(spec.phase)
    needed_phases = set(phase.depends_on) if phase else set()
    found = {s.id: s for s in steps.values() if s.phase in needed_phases}
    for dep in spec.depends_on:
        if dep not in steps:
            raise UsageError(f"step {spec.id} depends on step {dep}, which no collected test declares")
        if steps[dep].key >= spec.key:
            raise UsageError(f"step {spec.id} depends on step {dep}, which does not come before it")
        found[dep] = steps[dep]
    return sorted(found.values(), key=lambda s: s.key)
