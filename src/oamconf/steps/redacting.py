"""pytest's own text about a test, redacted at the source: terminal, JUnit and HTML all render it.

A failure's repr (tracebacks, assertion diffs, ``pytest -l`` locals), a skip's reason and captured
output sections pass through the run's redactor before any reporter sees them. The source lines a
traceback quotes are code, not data of the run (`oamconf.redact.code`): ``secret = profile.namespaces.apps``
stays readable, a secret value or a credential in a string literal does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import pytest
from _pytest._code.code import TerminalRepr  # pytest has no public base for custom failure reprs
from _pytest._io import TerminalWriter
from _pytest._io.saferepr import saferepr  # the repr pytest -l prints; no public API

from oamconf.errors import describe, one_line
from oamconf.redact import Redactor
from oamconf.redact.code import redact_traceback


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
        problem = redactor.redact(_problem(excinfo.value)) if excinfo is not None else ""
        report.longrepr = RedactedRepr(report.longrepr, redactor, _frame_locals(excinfo), problem)
    report.sections = [(title, redactor.redact(text)) for title, text in report.sections]
    # record_property's values go into JUnit, whose final scrub masks known values only.
    report.user_properties = [(name, redactor.redact(str(value))) for name, value in report.user_properties]


@dataclass(frozen=True)
class _Crash:
    path: str
    lineno: int
    message: str


class RedactedRepr(TerminalRepr):
    """A failure's text with secrets masked, keeping the crash line JUnit uses as its message.

    *problem* is the failure in one line, as the terminal of a conformance run shows it (`brief`).
    """

    def __init__(
        self,
        original: object,
        redactor: Redactor,
        values: Mapping[str, list[object]] | None = None,
        problem: str = "",
    ) -> None:
        _redact_locals(original, redactor, values or {})
        self.text = redact_traceback(str(original), redactor, _code_lines(original))
        crash = getattr(original, "reprcrash", None)
        self.reprcrash = (
            _Crash(str(crash.path), int(crash.lineno), redactor.redact(str(crash.message))) if crash else None
        )
        self.problem = problem or (self.reprcrash.message if self.reprcrash else self.text.strip())

    def toterminal(self, tw: TerminalWriter) -> None:
        tw.line(self.text)


def _problem(error: BaseException) -> str:
    """The failure in one line: a rewritten assert's own message, without pytest's explanation under it."""
    text = describe(error)
    if isinstance(error, AssertionError):
        text = text.strip().partition("\n")[0]
    return one_line(text)


# pytest marks the lines that are not source in a traceback entry with this prefix ("E   assert 1 == 2").
_FAILURE_MARK: Final = "E   "


def _code_lines(longrepr: object) -> set[str]:
    """The source lines *longrepr*'s traceback entries quote, as pytest prints them (with their marker)."""
    chain = getattr(longrepr, "chain", None) or [(getattr(longrepr, "reprtraceback", None), None, None)]
    code: set[str] = set()
    for reprtraceback, _, _ in chain:
        for entry in getattr(reprtraceback, "reprentries", ()):
            if getattr(entry, "style", None) not in {"long", "short"}:
                continue  # "native" entries mix source and messages in one text; "value" ones are values
            for line in entry.lines:
                if line.startswith(_FAILURE_MARK):
                    break  # from here on the entry is the error's message
                if line.strip():
                    code.add(line)
    return code


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
