"""The Markdown report: reads like the platform team's manual test report.

Same skeleton as ``../shared/reference-report.md``: overall status, a section per phase with
per-step status and evidence (every failure of a step, each with its own root cause and
diagnostics), Key Findings (what works / issues found / not tested), Recommendations from the
hints, and a closing verdict. It also goes to ``$GITHUB_STEP_SUMMARY`` in GitHub Actions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from oamconf.report.model import PhaseResult, PhaseVerdict, RunResult, StepResult, recommendations, with_consequences
from oamconf.steps.outcomes import Outcome, StepVerdict, TestOutcome, first_line

if TYPE_CHECKING:  # only the type: changes formats its durations with duration_text from here
    from oamconf.report.changes import Changes


def render_markdown(run: RunResult, changes: Changes | None = None) -> str:
    """The whole report as Markdown (not yet redacted: the writer redacts every artifact).

    With *changes* (``--compare``), what changed since that run follows the overall status.
    """
    parts = [
        f"# {run.title}",
        f"## Test Execution Date: {run.started:%Y-%m-%d}",
        f"## Overall Status: {run.overall}",
        changes_markdown(changes) if changes is not None else "",
        _run_header(run),
        "---",
        *(_phase(p) for p in run.phases),
        _key_findings(run),
        _recommendations(run),
        "## Conclusion",
        f"**Verdict**: {run.overall}.",
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def duration_text(seconds: float) -> str:
    """``754.2`` -> ``"12m 34s"``; short runs keep one decimal."""
    if seconds < 60:  # noqa: PLR2004 - a minute
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m {secs:02d}s"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(head: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def changes_markdown(changes: Changes) -> str:
    """The ``## Changes since ...`` section: a line of counts, then one table row per change."""
    lines = [
        f"## Changes since {changes.since}",
        changes.summary,
    ]
    if changes.items:
        rows = ((c.kind.label, c.subject, c.before, c.now) for c in changes.items)
        lines.append(_table(("Change", "Step / component", "Before", "Now"), rows))
    return "\n\n".join(lines)


def _run_header(run: RunResult) -> str:
    facts = [*run.header, ("Duration", duration_text(run.duration))]
    sections = ["## Run", _table(("", ""), facts)]
    if run.bill_of_materials:
        sections += ["### Bill of Materials", _table(("Component", "Version"), run.bill_of_materials)]
    phase_rows = ((f"{p.number}. {p.title}", p.verdict.label, str(len(p.steps)), phase_timing(p)) for p in run.phases)
    sections += ["### Phases", _table(("Phase", "Verdict", "Steps", "Duration"), phase_rows)]
    return "\n\n".join(sections)


def phase_timing(phase: PhaseResult) -> str:
    """``12.3s``, or against the profile's budget: ``12.3s of 600s``, ``⚠️ 700.0s of 600s (over budget)``."""
    took = duration_text(phase.duration)
    if phase.budget is None:
        return took
    if phase.duration > phase.budget:
        return f"⚠️ {took} of {phase.budget:.0f}s (over budget)"
    return f"{took} of {phase.budget:.0f}s"


def _phase(phase: PhaseResult) -> str:
    lines = [f"## Phase {phase.number}: {phase.title} {phase.verdict.label}"]
    if not phase.steps:
        lines.append("No step of this phase was collected in this run.")
    lines += [_step(s) for s in phase.steps]
    return "\n\n".join(lines) + "\n\n---"


def _step(step: StepResult) -> str:
    lines = [f"### Test {step.id}: {step.title}", f"- **Status**: {step.verdict.label}"]
    if step.evidence:
        lines.append("- **Evidence**:")
        lines += [f"  - {line}" for line in step.evidence]
    lines += [f"- **Issue**: {w}" for w in step.warnings]
    if step.warnings:
        # Hints of the tests that passed: a failing test's own hints go with its failure below.
        passed_hints = dict.fromkeys(h for t in step.tests if t.outcome is not Outcome.FAILED for h in t.hints)
        lines += [f"- **Fix Required**: {h.fix} ({h.cause})" for h in passed_hints]
    if step.verdict is StepVerdict.FAILED:
        failures = with_consequences(step.failures)
        for number, failure in enumerate(failures, 1):
            label = "**Problem**" if len(failures) == 1 else f"**Problem {number} of {len(failures)}** ({failure.name})"
            lines += _failure(label, failure)
        lines += _diagnostics(t for t in step.tests if t.outcome is not Outcome.FAILED)
    elif step.verdict is StepVerdict.NOT_TESTED:
        lines.append(f"- **Not tested**: {step.problem or 'no test of this step ran'}")
    return "\n".join(lines)


def _failure(label: str, failure: TestOutcome) -> list[str]:
    """One failed test: its problem, its own root causes and fixes, then its own diagnostics."""
    lines = [f"- {label}: {first_line(failure.message)}"]
    if len(failure.hints) == 1:
        (hint,) = failure.hints
        lines += [f"- **Root Cause**: {hint.cause}", f"- **Fix**: {hint.fix}"]
    elif failure.hints:  # as the manual report words several causes: numbered, each fix under the same number
        lines += ["- **Root Cause**:", *(f"  {n}. {h.cause}" for n, h in enumerate(failure.hints, 1))]
        lines += ["- **Fix**:", *(f"  {n}. {h.fix}" for n, h in enumerate(failure.hints, 1))]
    return lines + _diagnostics((failure,))


def _diagnostics(tests: Iterable[TestOutcome]) -> list[str]:
    # Blank lines around each block: Markdown reads everything up to the next blank line after
    # an HTML tag as HTML, which would swallow the next failure's Problem line.
    blocks = [d for t in tests for d in t.diagnostics]
    return [
        f"\n<details><summary>{d.name}</summary>\n\n```text\n{d.text.rstrip()}\n```\n\n</details>\n" for d in blocks
    ]


def _key_findings(run: RunResult) -> str:
    working = [s for s in run.steps if s.verdict is StepVerdict.WORKING]
    issues = [s for s in run.steps if s.verdict in {StepVerdict.FAILED, StepVerdict.NEEDS_VERIFICATION}]
    out = ["## Key Findings", "### ✅ What's Working Well"]
    out.append(_numbered(f"**{s.id} {s.title}**: {_verified(s)}" for s in working))
    out.append("### ⚠️ Issues Found")
    run_wide = (f"**Run**: {finding}" for finding in run.findings)
    out.append(_numbered([*run_wide, *(f"**{s.id} {s.title}** ({s.verdict.label}): {_issue(s)}" for s in issues)]))
    untested = _not_tested(run)
    if untested:
        out += ["### 🔄 Not Tested", _numbered(untested)]
    return "\n\n".join(out)


def _not_tested(run: RunResult) -> list[str]:
    """A phase that did not run is one entry with its cause; in a phase that ran, each step that did not."""
    found: list[str] = []
    for phase in run.phases:
        if phase.verdict is PhaseVerdict.NOT_TESTED:
            found.append(f"**Phase {phase.number} {phase.title}**: not tested — {phase.untested_cause}")
        else:
            found += [f"**{s.id} {s.title}**: {s.problem}" for s in phase.steps if s.verdict is StepVerdict.NOT_TESTED]
    return found


def _verified(step: StepResult) -> str:
    """What the step showed, in its tests' own spec clauses (the evidence is under the step)."""
    return "; ".join(t.name.rstrip(".") for t in step.tests if t.outcome is Outcome.PASSED)


def _issue(step: StepResult) -> str:
    if step.verdict is StepVerdict.FAILED:
        return "; ".join(step.problems)
    return "; ".join(step.warnings)


def _recommendations(run: RunResult) -> str:
    hints = recommendations(run)
    if not hints:
        return ""
    return "## Recommendations\n\n" + _numbered(f"**{h.cause}**: {h.fix}" for h in hints)


def _numbered(lines: Iterable[str]) -> str:
    items = list(lines)
    if not items:
        return "None."
    return "\n".join(f"{n}. {line}" for n, line in enumerate(items, 1))
