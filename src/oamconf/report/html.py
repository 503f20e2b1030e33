"""pytest-html integration: a phase summary at the top, a Step column, evidence per test.

pytest-html renders the table and the failure text (already redacted at the source); this
module adds what a platform review reads first: the overall status, the phase verdicts and
durations, every failure of each step (first one first), the bill of materials, and each test's
evidence, hints and diagnostics.

Each text is redacted before it is escaped: escaping first would turn a secret with ``& < > " '``
into a form the redactor does not know.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from oamconf.redact import Redactor
from oamconf.report.changes import Changes
from oamconf.report.markdown import duration_text
from oamconf.report.model import RunResult
from oamconf.steps.outcomes import StepVerdict, TestOutcome

_STYLE = (
    "<style>.oamconf table{border-collapse:collapse;margin:.5em 0}"
    ".oamconf td,.oamconf th{border:1px solid #ccc;padding:2px 8px;text-align:left}"
    ".oamconf pre{white-space:pre-wrap;background:#f6f6f6;padding:4px}</style>"
)


def summary_html(run: RunResult, redactor: Redactor, changes: Changes | None = None) -> str:
    """The block placed above pytest-html's own summary; with *changes*, they follow the overall status."""
    text = _safe_text(redactor)
    phase_rows = "".join(
        f"<tr><td>{p.number}. {text(p.title)}</td><td>{p.verdict.label}</td>"
        f"<td>{len(p.steps)}</td><td>{duration_text(p.duration)}</td></tr>"
        for p in run.phases
    )
    step_rows = "".join(
        f"<tr><td>{text(s.id)}</td><td>{text(s.title)}</td><td>{s.verdict.label}</td>"
        f"<td>{'<br>'.join(text(line) for line in s.problems) or text('; '.join(s.warnings))}</td></tr>"
        for s in run.steps
    )
    facts = [*run.header, ("Duration", duration_text(run.duration))]
    parts = [
        _STYLE,
        '<div class="oamconf">',
        f"<h2>Overall Status: {text(run.overall)}</h2>",
        _changes_html(changes, text) if changes is not None else "",
        _pairs_table(("Run", ""), facts, text),
        "<h3>Phases</h3><table><tr><th>Phase</th><th>Verdict</th><th>Steps</th><th>Duration</th></tr>",
        phase_rows,
        "</table><h3>Steps</h3><table><tr><th>Step</th><th>Title</th><th>Status</th><th>Problem / issue</th></tr>",
        step_rows,
        "</table>",
    ]
    if run.bill_of_materials:
        parts += ["<h3>Bill of Materials</h3>", _pairs_table(("Component", "Version"), run.bill_of_materials, text)]
    parts.append("</div>")
    return "".join(parts)


def _changes_html(changes: Changes, text: Callable[[str], str]) -> str:
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


def _safe_text(redactor: Redactor) -> Callable[[str], str]:
    """Text ready for HTML: redacted, then escaped."""

    def text(value: str) -> str:
        return escape(redactor.redact(value))

    return text


def _pairs_table(
    head: tuple[str, str], rows: tuple[tuple[str, str], ...] | list[tuple[str, str]], text: Callable[[str], str]
) -> str:
    body = "".join(f"<tr><td>{text(k)}</td><td>{text(v)}</td></tr>" for k, v in rows)
    return f"<table><tr><th>{text(head[0])}</th><th>{text(head[1])}</th></tr>{body}</table>"


def outcome_html(step_label: str, verdict: StepVerdict, outcome: TestOutcome, redactor: Redactor) -> str:
    """The evidence block shown under a test's row."""
    text = _safe_text(redactor)
    parts = [f'<div class="oamconf"><p><b>Step {text(step_label)}</b>: {verdict.label} — {text(outcome.name)}</p>']
    if outcome.message:
        parts.append(f"<p><b>{text(outcome.outcome.value.title())}:</b> {text(outcome.message)}</p>")
    parts += _list("Evidence", outcome.evidence, text)
    parts += _list("Warnings", outcome.warnings, text)
    parts += _list("Hints", [f"{h.cause} — fix: {h.fix}" for h in outcome.hints], text)
    parts += [f"<p><b>{text(d.name)}</b></p><pre>{text(d.text)}</pre>" for d in outcome.diagnostics]
    parts.append("</div>")
    return "".join(parts)


def _list(title: str, lines: tuple[str, ...] | list[str], text: Callable[[str], str]) -> list[str]:
    if not lines:
        return []
    items = "".join(f"<li>{text(line)}</li>" for line in lines)
    return [f"<p><b>{title}</b></p><ul>{items}</ul>"]


def html_extra(content: str) -> dict[str, Any]:
    """A pytest-html extra holding *content* (imported lazily: pytest-html may be disabled)."""
    from pytest_html import extras  # noqa: PLC0415 - optional at run time

    extra: dict[str, Any] = extras.html(content)
    return extra
