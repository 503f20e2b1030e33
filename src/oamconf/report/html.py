"""pytest-html integration: the reviewer's page first, pytest-html's Python view last.

pytest-html renders the results table and the failure text (already redacted at the source);
this module writes what a platform review reads, in the summary block above that table: the
overall status, the phase and step verdicts, then each phase with its steps (evidence, warnings,
every failure with its root cause and fix, diagnostics folded), recommendations, the run header,
the bill of materials and, folded, the Python environment pytest-html would have listed first.
Each test's row keeps its own evidence block; its traceback comes after it, folded by the CSS
(``style.css``, handed to pytest-html's ``--css``).

Verdicts are words with an icon; the CSS class only colours them. Each text is redacted before
it is escaped: escaping first would turn a secret with ``& < > " '`` into a form the redactor
does not know.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from html import escape
from pathlib import Path
from typing import Any, Final

from oamconf.redact import Redactor
from oamconf.report.changes import Changes
from oamconf.report.markdown import duration_text, phase_timing
from oamconf.report.model import (
    PhaseResult,
    PhaseVerdict,
    RunResult,
    RunStatus,
    StepResult,
    recommendations,
    with_consequences,
)
from oamconf.steps.outcomes import Diagnostic, Outcome, StepVerdict, TestOutcome, first_line

STYLESHEET = Path(__file__).with_name("style.css")  # packaged with the module (hatch takes src/oamconf whole)

Text = Callable[[str], str]
_CODE_SPAN: Final = re.compile(r"`([^`\n]+)`")

# Colour classes: an addition to the verdict's words, never instead of them.
_PHASE_CLASS = {
    PhaseVerdict.PASSED: "v-ok",
    PhaseVerdict.PARTIAL: "v-warn",
    PhaseVerdict.FAILED: "v-fail",
    PhaseVerdict.NOT_TESTED: "v-skip",
}
_STEP_CLASS = {
    StepVerdict.WORKING: "v-ok",
    StepVerdict.NEEDS_VERIFICATION: "v-warn",
    StepVerdict.FAILED: "v-fail",
    StepVerdict.NOT_TESTED: "v-skip",
}
_RUN_CLASS = {
    RunStatus.WORKING: "v-ok",
    RunStatus.PARTIALLY_WORKING: "v-warn",
    RunStatus.NOT_WORKING: "v-fail",
    RunStatus.NOTHING_TESTED: "v-skip",
}


def summary_html(
    run: RunResult,
    redactor: Redactor,
    changes: Changes | None = None,
    environment: Mapping[str, object] | None = None,
    *,
    test_rows: bool = True,
) -> str:
    """The block placed above pytest-html's own summary; with *changes*, they follow the overall status.

    *environment* is pytest-metadata's table (Python, platform, packages), folded at the end;
    *test_rows* is false on a page with no pytest-html rows below (a run stopped before its first step).
    """
    text = _safe_text(redactor)
    warned = any(s.verdict is StepVerdict.NEEDS_VERIFICATION for s in run.steps)
    run_class = "v-warn" if run.status is RunStatus.WORKING and warned else _RUN_CLASS[run.status]
    parts = [
        '<div class="oamconf">',
        f'<section class="overall {run_class}" aria-label="Overall status">',
        f"<h2>Overall Status: {text(run.overall)}</h2>",
        f"<p>Started {run.started:%Y-%m-%d %H:%M:%S} UTC, took {duration_text(run.duration)}.</p></section>",
        _changes_html(changes, text) if changes is not None else "",
        _phases_table(run, text),
        _steps_table(run, text),
        *(_phase_section(p, text) for p in run.phases),
        _recommendations(run, text),
        "<h3>Run</h3>",
        _pairs_table(("Fact", "Value"), [*run.header, ("Duration", duration_text(run.duration))], text),
    ]
    if run.bill_of_materials:
        parts += ["<h3>Bill of Materials</h3>", _pairs_table(("Component", "Version"), run.bill_of_materials, text)]
    if environment:
        rows = [(str(k), _flat(v)) for k, v in environment.items()]
        parts.append(f"<details><summary>Python environment</summary>{_pairs_table(('', ''), rows, text)}</details>")
    if test_rows:
        parts += [
            '<h2 id="python-results">Python test results</h2>',
            "<p>Each test's row: its own verdict and evidence, then its output and traceback (folded).</p>",
        ]
    return "".join([*parts, "</div>"])


def _phases_table(run: RunResult, text: Text) -> str:
    rows = "".join(
        f'<tr class="{_PHASE_CLASS[p.verdict]}"><td>{p.number}. {text(p.title)}</td><td>{p.verdict.label}</td>'
        f"<td>{len(p.steps)}</td><td>{text(phase_timing(p))}</td></tr>"
        for p in run.phases
    )
    head = "<tr><th>Phase</th><th>Verdict</th><th>Steps</th><th>Duration</th></tr>"
    return f'<h3>Phases</h3><table class="phases">{head}{rows}</table>'


def _steps_table(run: RunResult, text: Text) -> str:
    rows = "".join(
        f'<tr><td>{text(s.id)}</td><td>{text(s.title)}</td><td class="{_STEP_CLASS[s.verdict]}">{s.verdict.label}</td>'
        f"<td>{'<br>'.join(text(line) for line in s.problems) or text('; '.join(s.warnings))}</td></tr>"
        for s in run.steps
    )
    head = "<tr><th>Step</th><th>Title</th><th>Status</th><th>Problem / issue</th></tr>"
    return f'<h3>Steps</h3><table class="steps">{head}{rows}</table>'


def _phase_section(phase: PhaseResult, text: Text) -> str:
    badge = _badge(phase.verdict.label, _PHASE_CLASS[phase.verdict])
    parts = [f'<section class="phase"><h3>Phase {phase.number}: {text(phase.title)} {badge}</h3>']
    if phase.verdict is PhaseVerdict.NOT_TESTED:
        parts.append(f"<p><b>Not tested</b>: {text(phase.untested_cause)}</p>")
    parts += [_step_section(s, text) for s in phase.steps]
    parts.append("</section>")
    return "".join(parts)


def _step_section(step: StepResult, text: Text) -> str:
    """One step as the manual report writes it: status, evidence, issues, problems with cause and fix."""
    parts = [
        f'<article class="step"><h4>Test {text(step.id)}: {text(step.title)} ',
        f"{_badge(step.verdict.label, _STEP_CLASS[step.verdict])}</h4><dl>",
    ]
    parts += _items("Evidence", step.evidence, text)
    parts += _items("Issue", step.warnings, text)
    if step.warnings:
        passed_hints = dict.fromkeys(h for t in step.tests if t.outcome is not Outcome.FAILED for h in t.hints)
        parts += [_cause_fix(h.cause, h.fix, text) for h in passed_hints]
    if step.verdict is StepVerdict.FAILED:
        failures = with_consequences(step.failures)
        for number, failure in enumerate(failures, 1):
            label = "Problem" if len(failures) == 1 else f"Problem {number} of {len(failures)} ({failure.name})"
            parts.append(_failure(label, failure, text))
    elif step.verdict is StepVerdict.NOT_TESTED:
        parts.append(f"<dt>Not tested</dt><dd>{text(step.problem or 'no test of this step ran')}</dd>")
    parts.append("</dl>")
    parts += _diagnostics((d for t in step.tests if t.outcome is not Outcome.FAILED for d in t.diagnostics), text)
    parts.append("</article>")
    return "".join(parts)


def _failure(label: str, failure: TestOutcome, text: Text) -> str:
    parts = [f"<dt>{text(label)}</dt><dd>{text(first_line(failure.message))}</dd>"]
    parts += [_cause_fix(h.cause, h.fix, text) for h in failure.hints]
    parts.append("<dd>" + "".join(_diagnostics(failure.diagnostics, text)) + "</dd>" if failure.diagnostics else "")
    return "".join(parts)


def _as_written(html: str) -> str:
    """A diagnostic shows the object as read: its backticks stay (escaped text holds no other <code>)."""
    return html.replace("<code>", "`").replace("</code>", "`")


def _cause_fix(cause: str, fix: str, text: Text) -> str:
    return f'<dd class="cause"><b>Root Cause</b>: {text(cause)}</dd><dd class="fix"><b>Fix</b>: {text(fix)}</dd>'


def _diagnostics(blocks: Iterable[Diagnostic], text: Text) -> list[str]:
    return [
        f'<details class="diagnostic"><summary>Diagnostics: {text(d.name)}</summary>'
        f"<pre>{_as_written(text(d.text))}</pre></details>"
        for d in blocks
    ]


def _items(title: str, lines: Iterable[str], text: Text) -> list[str]:
    found = list(lines)
    if not found:
        return []
    return [f"<dt>{title}</dt><dd><ul>{''.join(f'<li>{text(line)}</li>' for line in found)}</ul></dd>"]


def _badge(label: str, css_class: str) -> str:
    return f'<span class="verdict {css_class}">{escape(label)}</span>'


def _recommendations(run: RunResult, text: Text) -> str:
    hints = recommendations(run)
    if not hints:
        return ""
    items = "".join(f"<li><b>{text(h.cause)}</b>: {text(h.fix)}</li>" for h in hints)
    return f"<h3>Recommendations</h3><ol>{items}</ol>"


def _flat(value: object) -> str:
    """pytest-metadata's values: text, or a mapping such as ``Packages`` shown as ``name version`` pairs."""
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def _changes_html(changes: Changes, text: Text) -> str:
    """The same content as the Markdown report's ``## Changes since ...`` section."""
    parts = [
        f"<h3>Changes since {text(changes.since)}</h3>",
        f"<p>{text(changes.summary)}</p>",
    ]
    if changes.items:
        rows = "".join(
            f"<tr><td>{text(c.kind.label)}</td><td>{text(c.subject)}</td><td>{text(c.before)}</td>"
            f"<td>{text(c.now)}</td></tr>"
            for c in changes.items
        )
        head = "<tr><th>Change</th><th>Step / component</th><th>Before</th><th>Now</th></tr>"
        parts.append(f'<table class="changes">{head}{rows}</table>')
    return "".join(parts)


def _safe_text(redactor: Redactor) -> Text:
    """Text ready for HTML: redacted, escaped, and its Markdown code spans (`kubectl ...`) set as code, so
    the two reports show the same line the same way."""

    def text(value: str) -> str:
        return _CODE_SPAN.sub(r"<code>\1</code>", escape(redactor.redact(value)))

    return text


def _pairs_table(head: tuple[str, str], rows: Iterable[tuple[str, str]], text: Text) -> str:
    body = "".join(f"<tr><td>{text(k)}</td><td>{text(v)}</td></tr>" for k, v in rows)
    return f"<table><tr><th>{text(head[0])}</th><th>{text(head[1])}</th></tr>{body}</table>"


def outcome_html(step_label: str, verdict: StepVerdict, outcome: TestOutcome, redactor: Redactor) -> str:
    """The evidence block shown under a test's row, before its captured output and traceback."""
    text = _safe_text(redactor)
    parts = [f'<div class="oamconf"><p><b>Step {text(step_label)}</b>: {verdict.label} — {text(outcome.name)}</p>']
    if outcome.message:
        parts.append(f"<p><b>{text(outcome.outcome.value.title())}:</b> {text(outcome.message)}</p>")
    parts += _list("Evidence", outcome.evidence, text)
    parts += _list("Warnings", outcome.warnings, text)
    parts += [f"<dl>{_cause_fix(h.cause, h.fix, text)}</dl>" for h in outcome.hints]
    parts += _diagnostics(outcome.diagnostics, text)
    parts.append("</div>")
    return "".join(parts)


def _list(title: str, lines: tuple[str, ...] | list[str], text: Text) -> list[str]:
    if not lines:
        return []
    items = "".join(f"<li>{text(line)}</li>" for line in lines)
    return [f"<p><b>{title}</b></p><ul>{items}</ul>"]


def html_extra(content: str) -> dict[str, Any]:
    """A pytest-html extra holding *content* (imported lazily: pytest-html may be disabled)."""
    from pytest_html import extras  # noqa: PLC0415 - optional at run time

    extra: dict[str, Any] = extras.html(content)
    return extra
