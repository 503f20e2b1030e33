"""The results model every report renders: run -> phases -> steps -> tests.

Frozen and built once at the end of the session from the step ledger, like pytest-html's
``ReportData``: renderers only read it, so a new format is a renderer, not a rewrite.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from oamconf.steps.ledger import StepLedger
from oamconf.steps.outcomes import (
    NOT_TESTED_WARNING,
    Hint,
    Outcome,
    StepVerdict,
    TestOutcome,
    first_line,
    step_verdict,
)


class PhaseVerdict(enum.Enum):
    PASSED = "✅ PASSED"
    PARTIAL = "⚠️ PARTIAL"
    FAILED = "❌ FAILED"
    NOT_TESTED = "🔄 NOT TESTED"

    @property
    def label(self) -> str:
        return self.value


class RunStatus(enum.Enum):
    """The overall status as one keyword, for machines (``results.json``)."""

    WORKING = "working"
    PARTIALLY_WORKING = "partially_working"
    NOT_WORKING = "not_working"
    NOTHING_TESTED = "nothing_tested"


_STATUS_ICONS: Final = {
    RunStatus.WORKING: "✅",
    RunStatus.PARTIALLY_WORKING: "⚠️",
    RunStatus.NOT_WORKING: "❌",
    RunStatus.NOTHING_TESTED: "🔄",
}


@dataclass(frozen=True)
class StepResult:
    id: str
    title: str
    tests: tuple[TestOutcome, ...]

    @property
    def verdict(self) -> StepVerdict:
        return step_verdict(self.tests)

    @property
    def duration(self) -> float:
        return sum(t.duration for t in self.tests)

    @property
    def failures(self) -> tuple[TestOutcome, ...]:
        """Every failed test of the step, in the order they ran."""
        return tuple(t for t in self.tests if t.outcome is Outcome.FAILED)

    @property
    def problems(self) -> tuple[str, ...]:
        """First line of each failure, first one first; else why the step was not tested."""
        if self.failures:
            return tuple(first_line(t.message) for t in self.failures)
        return (self.problem,) if self.problem else ()

    @property
    def problem(self) -> str:
        """First line of the first failure, or why the step was not tested; empty when it passed."""
        for wanted in (Outcome.FAILED, Outcome.BLOCKED, Outcome.INTERRUPTED, Outcome.SKIPPED):
            hit = next((t for t in self.tests if t.outcome is wanted), None)
            if hit is not None:
                return first_line(hit.message)
        return ""

    @property
    def blocked(self) -> bool:
        return bool(self.tests) and all(t.outcome is Outcome.BLOCKED for t in self.tests)

    @property
    def evidence(self) -> tuple[str, ...]:
        return tuple(line for t in self.tests for line in t.evidence)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Each warning once. A step none of whose checks ran says why in its Not tested line: its checks'
        "not tested: ..." warnings would only repeat it."""
        lines = dict.fromkeys(line for t in self.tests for line in t.warnings)
        if self.verdict is StepVerdict.NOT_TESTED:
            return tuple(line for line in lines if not line.startswith(NOT_TESTED_WARNING))
        return tuple(lines)

    @property
    def hints(self) -> tuple[Hint, ...]:
        return tuple(dict.fromkeys(h for t in self.tests for h in t.hints))


@dataclass(frozen=True)
class PhaseResult:
    number: int
    title: str
    steps: tuple[StepResult, ...]
    budget: float | None = None  # seconds the profile allows this phase, when the run has a profile

    @property
    def verdict(self) -> PhaseVerdict:
        verdicts = [s.verdict for s in self.steps]
        passed = sum(v in {StepVerdict.WORKING, StepVerdict.NEEDS_VERIFICATION} for v in verdicts)
        failed = sum(v is StepVerdict.FAILED for v in verdicts)
        # A phase whose steps were cut short by Ctrl-C or -x did not pass, whatever ran before.
        cut_short = any(t.outcome is Outcome.INTERRUPTED for s in self.steps for t in s.tests)
        # Nor did a phase pass whose other steps were not tested (a local tier's limit, a server not given).
        untested = any(v is StepVerdict.NOT_TESTED for v in verdicts)
        # Nor one none of whose steps fully worked: the manual report passes a phase with one step Needs
        # Verification beside a Working one, never a phase of such steps alone.
        unproven = not any(v is StepVerdict.WORKING for v in verdicts)
        if (failed or cut_short or untested or unproven) and passed:
            return PhaseVerdict.PARTIAL
        if failed:
            return PhaseVerdict.FAILED
        if passed:
            return PhaseVerdict.PASSED
        return PhaseVerdict.NOT_TESTED

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.steps)

    @property
    def untested_cause(self) -> str:
        """Why no step of the phase ran: the cause its steps share, each step's own when they
        differ, or that none was collected. Meaningful when the verdict is NOT_TESTED."""
        if not self.steps:
            return "no step collected"
        causes: dict[str, list[str]] = {}
        for step in self.steps:
            causes.setdefault(step.problem or "no test of this step ran", []).append(step.id)
        if len(causes) == 1:
            return next(iter(causes))
        return "; ".join(f"{', '.join(ids)}: {cause}" for cause, ids in causes.items())


@dataclass(frozen=True)
class RunResult:
    """A whole run. ``header`` is the run's facts (cluster mode, context, redaction...);
    ``bill_of_materials`` the version of every component, as reported by the bootstrap."""

    title: str
    started: datetime
    duration: float
    phases: tuple[PhaseResult, ...]
    header: tuple[tuple[str, str], ...] = ()
    bill_of_materials: tuple[tuple[str, str], ...] = ()
    findings: tuple[str, ...] = ()  # run-wide issues, not of one step (an unverified API server certificate)
    stopped: str | None = None  # why the run ended before its last step: "interrupted during step 1.2 ..."
    unselected: tuple[int, ...] = ()  # phases whose every step -k/-m deselected: a partial run, not a failure

    @property
    def steps(self) -> tuple[StepResult, ...]:
        return tuple(s for p in self.phases for s in p.steps)

    @property
    def status(self) -> RunStatus:
        """Over the phases the run selected: one left out by -k is neither passed nor failed."""
        verdicts = [p.verdict for p in self.phases if p.number not in self.unselected]
        passed = sum(v is PhaseVerdict.PASSED for v in verdicts)
        if all(v is PhaseVerdict.NOT_TESTED for v in verdicts):
            return RunStatus.NOTHING_TESTED
        if passed == len(verdicts):
            return RunStatus.WORKING
        return RunStatus.NOT_WORKING if passed == 0 else RunStatus.PARTIALLY_WORKING

    @property
    def overall(self) -> str:
        """The report's overall status line, in plain words."""
        status, phases = self.status, len(self.phases)
        passed = sum(p.verdict is PhaseVerdict.PASSED for p in self.phases)
        if self.stopped is not None:
            counted = f" ({passed} of {phases} phases passed before it stopped)" if self.steps else ""
            return f"⏹️ Run {self.stopped}{counted}"  # no count when it stopped before collection
        if self.unselected:
            return self._partial(passed)
        if status is RunStatus.NOTHING_TESTED:
            return "🔄 Nothing tested"
        if status is RunStatus.WORKING:
            warned = any(s.verdict is StepVerdict.NEEDS_VERIFICATION for s in self.steps)
            return "✅ Platform Working" + (" (some steps need verification)" if warned else "")
        if status is RunStatus.NOT_WORKING:
            return f"❌ Platform Not Working (0 of {phases} phases passed)"
        return f"⚠️ Partially Working ({passed} of {phases} phases passed)"

    def _partial(self, passed: int) -> str:
        """-k or -m left whole phases out: say which, and count only the phases that were selected."""
        chosen = len(self.phases) - len(self.unselected)
        icon = _STATUS_ICONS[self.status]
        return f"{icon} Partial run: {_numbers(self.unselected)} not selected ({passed} of {chosen} selected passed)"


def _numbers(phases: Sequence[int]) -> str:
    """``phases 1-3, 5`` or ``phase 4``: runs of consecutive numbers as ranges."""
    runs: list[list[int]] = []
    for n in sorted(phases):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    text = ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
    return f"phase{'s' if len(phases) > 1 else ''} {text}"


def build_run(
    ledger: StepLedger,
    *,
    title: str,
    started: datetime,
    duration: float,
    header: Sequence[tuple[str, str]] = (),
    bill_of_materials: Sequence[tuple[str, str]] = (),
    budgets: Mapping[int, float] | None = None,
    findings: Sequence[str] = (),
    stopped: str | None = None,
) -> RunResult:
    """Assemble the model from the ledger: every declared phase, with the steps collected for it (and its
    time budget, when *budgets* names one)."""
    steps_by_phase: dict[int, list[StepResult]] = {}
    selected = [s for s in ledger.specs.values() if s.id in ledger.selected or s.id in ledger.outcomes]
    for spec in sorted(selected, key=lambda s: s.key):
        result = StepResult(spec.id, spec.title, tuple(ledger.outcomes.get(spec.id, ())))
        steps_by_phase.setdefault(spec.phase, []).append(result)
    numbers = sorted(set(ledger.phases) | set(steps_by_phase))
    declared = {spec.phase for spec in ledger.specs.values()}
    unselected = tuple(n for n in numbers if n in declared and n not in steps_by_phase)
    phases = tuple(
        PhaseResult(
            number=n,
            title=ledger.phases[n].title if n in ledger.phases else f"Phase {n}",
            steps=tuple(steps_by_phase.get(n, ())),
            budget=(budgets or {}).get(n),
        )
        for n in numbers
    )
    return RunResult(
        title=title,
        started=started,
        duration=duration,
        phases=phases,
        header=tuple(header),
        bill_of_materials=tuple(bill_of_materials),
        findings=tuple(findings),
        stopped=stopped,
        unselected=unselected,
    )


def with_consequences(failures: Sequence[TestOutcome]) -> list[TestOutcome]:
    """*failures* as the report shows them: one that no rule explains, beside one whose root cause is known,
    is marked as that problem's consequence (an unready Release next to its unbound PVC), not as a failure
    of its own with "no known cause matched"."""
    cause = next(((n, t) for n, t in enumerate(failures, 1) if any(h.known for h in t.hints)), None)
    if cause is None:
        return list(failures)
    number, root = cause
    known = next(h for h in root.hints if h.known)
    follows = Hint(
        f"a consequence of Problem {number} ({known.cause})",
        f"fix Problem {number} first; this check then passes or shows a cause of its own",
    )
    return [t if any(h.known for h in t.hints) else dataclasses.replace(t, hints=(follows,)) for t in failures]


def recommendations(run: RunResult) -> list[Hint]:
    """What to do, once per distinct cause, for the steps that need action (failed or to verify).

    A failure no catalogue rule explains is one entry for its step (the first such test's: what to look
    at), not one per test, and none when a cause the catalogue knows already explains the step.
    """
    needs_action = {StepVerdict.FAILED, StepVerdict.NEEDS_VERIFICATION}
    found: dict[Hint, None] = {}
    for step in run.steps:
        if step.verdict not in needs_action:
            continue
        known = [h for h in step.hints if h.known]
        unexplained = [h for h in step.hints if not h.known]
        found.update(dict.fromkeys(known or unexplained[:1]))
    return list(found)
