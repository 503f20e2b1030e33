"""A test's outcome, from its setup, call and teardown reports: verdict, message, evidence, hints.

A failure that no evidence hint explains gets the hint catalogue's (``hints.diagnose``) over its
message and diagnostics, or one that says no known cause matched and where to look.
"""

from __future__ import annotations

import pytest

from oamconf.errors import describe
from oamconf.redact import Redactor
from oamconf.steps.context import StepRecord, display_name
from oamconf.steps.diagnostics import after_failure
from oamconf.steps.hints import diagnose, unmatched
from oamconf.steps.outcomes import Diagnostic, Hint, Outcome, TestOutcome


def record_part(
    item: pytest.Item, record: StepRecord, call: pytest.CallInfo[None], report: pytest.TestReport, redactor: Redactor
) -> TestOutcome | None:
    """Keep one part's report; after teardown, return the test's outcome (also in JUnit properties)."""
    record.parts[report.when] = report
    if call.excinfo is not None and not report.passed:
        record.messages[report.when] = _message(call.excinfo)
        after_failure(record, call.excinfo.value, redactor)
    if report.when != "teardown":
        return None
    record.outcome = _outcome(item, record, redactor)
    _add_user_properties(report, record.outcome)
    return record.outcome


def _message(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    exc = excinfo.value
    if isinstance(exc, pytest.skip.Exception | pytest.fail.Exception):
        return exc.msg or type(exc).__name__
    return describe(exc)


def _outcome(item: pytest.Item, record: StepRecord, redactor: Redactor) -> TestOutcome:
    parts = record.parts
    failed = next((w for w in ("setup", "call", "teardown") if w in parts and parts[w].failed), None)
    skipped = next((w for w in ("setup", "call") if w in parts and parts[w].skipped), None)
    if failed is not None:
        kind, message = Outcome.FAILED, record.messages.get(failed, "failed")
    elif skipped is not None:
        kind = Outcome.BLOCKED if record.blocked is not None else Outcome.SKIPPED
        message = record.blocked or record.messages.get(skipped, "skipped")
    else:
        kind, message = Outcome.PASSED, ""
    ev = record.evidence
    hints = list(ev.hints)
    if kind is Outcome.FAILED and not hints:
        hints = [_explain(item, record, message)]
    # Causes the step found on the way stand beside whatever explains the failure (numbered in the report).
    hints = list(dict.fromkeys([*ev.causes, *hints]))
    clean = redactor.redact
    return TestOutcome(
        nodeid=item.nodeid,
        name=display_name(item),
        outcome=kind,
        message=clean(message),
        duration=sum(p.duration for p in parts.values()),
        evidence=tuple(clean(line) for line in ev.lines),
        warnings=tuple(clean(line) for line in ev.warnings),
        hints=tuple(Hint(clean(h.cause), clean(h.fix)) for h in hints),
        diagnostics=tuple(Diagnostic(d.name, clean(d.text)) for d in ev.diagnostics),
    )


def _explain(item: pytest.Item, record: StepRecord, message: str) -> Hint:
    """The catalogue's hint for a failure, or one that says none matched and where to look."""
    diagnostics = record.evidence.diagnostics
    found = diagnose(message + "\n" + "\n".join(d.text for d in diagnostics))
    if found is not None:
        return found
    return unmatched(
        step=record.spec.id if record.spec else "?",
        test=item.nodeid,
        looked_at=record.looked_at,
        diagnostics=[d.name for d in diagnostics],
    )


def _add_user_properties(report: pytest.TestReport, outcome: TestOutcome) -> None:
    """Evidence in JUnit <properties>, so CI systems show it next to the test."""
    report.user_properties.extend(("evidence", line) for line in outcome.evidence)
    report.user_properties.extend(("warning", line) for line in outcome.warnings)
    report.user_properties.extend(("hint", f"{h.cause} -> {h.fix}") for h in outcome.hints)
