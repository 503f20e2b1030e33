"""pytest's own text about a test, redacted at the source: terminal, JUnit and HTML all render it.

A failure's repr (tracebacks, assertion diffs, ``pytest -l`` locals), a skip's reason and captured
output sections pass through the run's redactor before any reporter sees them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import pytest
from _pytest._code.code import TerminalRepr  # pytest has no public base for custom failure reprs
from _pytest._io import TerminalWriter
from _pytest._io.saferepr import saferepr  # the repr pytest -l prints; no public API

from oamconf.redact import Redactor


def redact_report(
    report: pytest.TestReport,
    redactor: Redactor,
    *,
    blocked_at: tuple[str, int] | None,
    excinfo: pytest.ExceptionInfo[BaseException] | None = None,
) -> None:
    """Mask secrets in everything *report* will print; a blocked step's skip points at its test.

    With *excinfo* (the failure's), ``pytest -l`` locals that pytest shortened are rebuilt from their
    values: masked whole, then shortened (`_redact_locals`).
    """
    if isinstance(report.longrepr, tuple):  # a skip: (path, line, reason)
        path, line, reason = report.longrepr
        if blocked_at is not None:  # point at the blocked test, not at the gating hook
            path, line = blocked_at
        report.longrepr = (path, line, redactor.redact(reason))
    elif report.longrepr is not None:
        report.longrepr = RedactedRepr(report.longrepr, redactor, _frame_locals(excinfo))
    report.sections = [(title, redactor.redact(text)) for title, text in report.sections]


@dataclass(frozen=True)
class _Crash:
    path: str
    lineno: int
    message: str


class RedactedRepr(TerminalRepr):
    """A failure's text with secrets masked, keeping the crash line JUnit uses as its message."""

    def __init__(self, original: object, redactor: Redactor, values: Mapping[str, list[object]] | None = None) -> None:
        _redact_locals(original, redactor, values or {})
        self.text = redactor.redact(str(original))
        crash = getattr(original, "reprcrash", None)
        self.reprcrash = (
            _Crash(str(crash.path), int(crash.lineno), redactor.redact(str(crash.message))) if crash else None
        )

    def toterminal(self, tw: TerminalWriter) -> None:
        tw.line(self.text)


def _redact_locals(longrepr: object, redactor: Redactor, values: Mapping[str, list[object]]) -> None:
    """Redact the locals ``pytest -l`` shows, each as the Python repr it is, before they become text.

    Read as plain text, a local escapes the shapes: pprint (``-vv``) splits a long JSON string into
    literals on several lines, and saferepr cuts a long one in the middle, which can cut a password
    away from the ``scheme://user:`` that marks it. So a shortened local whose value is known
    (*values*, from the failure's frames) is masked whole and then shortened as saferepr does;
    others are masked as reprs (`Redactor.redact_repr`).
    """
    chain = getattr(longrepr, "chain", None) or [(getattr(longrepr, "reprtraceback", None), None, None)]
    for reprtraceback, _, _ in chain:
        for entry in getattr(reprtraceback, "reprentries", ()):
            reprlocals = getattr(entry, "reprlocals", None)
            if reprlocals is not None:
                reprlocals.lines = [_local_line(line, redactor, values) for line in reprlocals.lines]


def _local_line(line: str, redactor: Redactor, values: Mapping[str, list[object]]) -> str:
    name, sep, shown = line.partition(" = ")
    if sep and _CUT in shown:
        for value in values.get(name.strip(), ()):
            if saferepr(value) == shown:  # this value made this line: rebuild it masked, then shortened
                return f"{name}{sep}{_ellipsize(redactor.redact_repr(saferepr(value, maxsize=None)))}"
    return redactor.redact_repr(line)


_CUT: Final = "..."
# saferepr's default size, and its rule for shortening: keep the start and the end, "..." between.
_REPR_SIZE: Final = 240


def _ellipsize(text: str) -> str:
    if len(text) <= _REPR_SIZE:
        return text
    head = (_REPR_SIZE - 3) // 2
    return text[:head] + _CUT + text[len(text) - (_REPR_SIZE - 3 - head) :]


def _frame_locals(excinfo: pytest.ExceptionInfo[BaseException] | None) -> dict[str, list[object]]:
    """Every local of every frame of the failure (and the exceptions it chains), by name."""
    found: dict[str, list[object]] = {}
    seen: set[int] = set()
    error = excinfo.value if excinfo is not None else None
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        tb = error.__traceback__
        while tb is not None:
            for name, value in tb.tb_frame.f_locals.items():
                found.setdefault(name, []).append(value)
            tb = tb.tb_next
        error = error.__cause__ or error.__context__
    return found
