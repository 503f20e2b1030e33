"""pytest's own text about a test, redacted at the source: terminal, JUnit and HTML all render it.

A failure's repr (tracebacks, assertion diffs, ``pytest -l`` locals), a skip's reason and captured
output sections pass through the run's redactor before any reporter sees them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from _pytest._code.code import TerminalRepr  # pytest has no public base for custom failure reprs
from _pytest._io import TerminalWriter

from oamconf.redact import Redactor


def redact_report(report: pytest.TestReport, redactor: Redactor, *, blocked_at: tuple[str, int] | None) -> None:
    """Mask secrets in everything *report* will print; a blocked step's skip points at its test."""
    if isinstance(report.longrepr, tuple):  # a skip: (path, line, reason)
        path, line, reason = report.longrepr
        if blocked_at is not None:  # point at the blocked test, not at the gating hook
            path, line = blocked_at
        report.longrepr = (path, line, redactor.redact(reason))
    elif report.longrepr is not None:
        report.longrepr = RedactedRepr(report.longrepr, redactor)
    report.sections = [(title, redactor.redact(text)) for title, text in report.sections]


@dataclass(frozen=True)
class _Crash:
    path: str
    lineno: int
    message: str


class RedactedRepr(TerminalRepr):
    """A failure's text with secrets masked, keeping the crash line JUnit uses as its message."""

    def __init__(self, original: object, redactor: Redactor) -> None:
        _redact_locals(original, redactor)
        self.text = redactor.redact(str(original))
        crash = getattr(original, "reprcrash", None)
        self.reprcrash = (
            _Crash(str(crash.path), int(crash.lineno), redactor.redact(str(crash.message))) if crash else None
        )

    def toterminal(self, tw: TerminalWriter) -> None:
        tw.line(self.text)


def _redact_locals(longrepr: object, redactor: Redactor) -> None:
    """Redact the locals ``pytest -l`` shows, each as the Python repr it is, before they become text.

    Read as plain text, a local escapes the shapes: pprint (``-vv``) splits a long JSON string into
    literals on several lines, and saferepr cuts a long one in the middle (`Redactor.redact_repr`).
    """
    chain = getattr(longrepr, "chain", None) or [(getattr(longrepr, "reprtraceback", None), None, None)]
    for reprtraceback, _, _ in chain:
        for entry in getattr(reprtraceback, "reprentries", ()):
            reprlocals = getattr(entry, "reprlocals", None)
            if reprlocals is not None:
                reprlocals.lines = [redactor.redact_repr(line) for line in reprlocals.lines]
