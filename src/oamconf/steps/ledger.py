"""The session's record of steps and their outcomes, used for gating and for the reports."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from oamconf.steps.model import REFERENCE_PHASES, Phase, StepSpec, phases_by_number, prerequisites
from oamconf.steps.outcomes import Outcome, StepVerdict, TestOutcome, first_line, step_verdict


@dataclass
class StepLedger:
    """Steps declared by the collected tests, and what happened to each of their tests."""

    phases: dict[int, Phase] = field(default_factory=lambda: phases_by_number(REFERENCE_PHASES))
    specs: dict[str, StepSpec] = field(default_factory=dict)
    outcomes: dict[str, list[TestOutcome]] = field(default_factory=dict)
    selected: set[str] = field(default_factory=set)
    _prereqs: dict[str, list[StepSpec]] = field(default_factory=dict)

    def declare(self, specs: Iterable[StepSpec]) -> None:
        """Register the collected steps and check that their dependencies make sense."""
        for spec in specs:
            known = self.specs.get(spec.id)
            if known is not None and known.title != spec.title:
                msg = f"step {spec.id} is titled both {known.title!r} and {spec.title!r}: use one title"
                raise ValueError(msg)
            if known is None:
                self.specs[spec.id] = spec
            else:  # several tests of one step: the step waits for what any of them names
                union = tuple(dict.fromkeys((*known.depends_on, *spec.depends_on)))
                self.specs[spec.id] = dataclasses.replace(known, depends_on=union)
        self._prereqs = {s.id: prerequisites(s, self.specs.values(), self.phases) for s in self.specs.values()}

    def record(self, step_id: str, outcome: TestOutcome) -> None:
        self.outcomes.setdefault(step_id, []).append(outcome)

    def verdict(self, step_id: str) -> StepVerdict:
        return step_verdict(self.outcomes.get(step_id, []))

    def reason(self, step_id: str) -> str:
        """One line on why a step did not pass: its first failure with a known root cause (a problem no rule
        explains often follows from it: an unready Release from its PVC), else its first failure, or why it
        was not tested."""
        tests = self.outcomes.get(step_id, [])
        explained = next((t for t in tests if t.outcome is Outcome.FAILED and any(h.known for h in t.hints)), None)
        if explained is not None:
            return first_line(explained.message)
        for wanted in (Outcome.FAILED, Outcome.BLOCKED, Outcome.INTERRUPTED, Outcome.SKIPPED):
            hit = next((t for t in tests if t.outcome is wanted), None)
            if hit is not None:
                return first_line(hit.message) or wanted.value
        return ""

    def blocking_cause(self, step_id: str) -> str | None:
        """``"blocked by 4.2 Title: <why 4.2 did not pass>"`` when a prerequisite did not pass.

        A failed prerequisite is named before a blocked or skipped one, so the cause points at the
        root. Prerequisites that did not run in this session (deselected) do not block: the user
        chose to run this step on its own.
        """
        ran = [d for d in self._prereqs.get(step_id, []) if d.id in self.outcomes]
        failed = [d for d in ran if self.verdict(d.id) is StepVerdict.FAILED]
        untested = [d for d in ran if self.verdict(d.id) is StepVerdict.NOT_TESTED]
        for dep in failed + untested:
            return f"blocked by {dep.id} {dep.title}: {self.reason(dep.id)}"
        return None
