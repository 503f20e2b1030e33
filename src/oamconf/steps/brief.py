"""A conformance run's failures in the terminal: each one's problem in a line, and where its traceback is.

A wait that stops in a phase would otherwise print the source of every frame down to ``wait_until``,
docstring included, hundreds of lines that bury the problem. The full traceback stays in the reports:
JUnit and pytest-html read a failure's text when its test finishes (``pytest_runtest_logreport``), long
before the terminal prints its summary at the end of the session, so only then is the terminal's copy
replaced. A ``--tb`` other than pytest's default (``auto``), or ``--full-trace``, asks for tracebacks in
the terminal and gets them.
"""

from __future__ import annotations

import pytest
from _pytest._code.code import TerminalRepr  # pytest has no public base for custom failure reprs
from _pytest._io import TerminalWriter

from oamconf.steps.redacting import RedactedRepr


class BriefRepr(TerminalRepr):
    """A failure as the terminal shows it: the problem, then where to read the traceback."""

    def __init__(self, full: RedactedRepr, where: str) -> None:
        self.problem = full.problem
        self.where = where
        self.reprcrash = full.reprcrash  # the short test summary's "FAILED test - message" line

    def toterminal(self, tw: TerminalWriter) -> None:
        tw.line(self.problem, red=True, bold=True)
        tw.line(self.where)


def wanted(config: pytest.Config) -> bool:
    """Brief failures in a conformance run, unless the user asked for tracebacks."""
    return (
        bool(config.getoption("conformance", default=False))
        and config.getoption("tbstyle", "auto") == "auto"
        and not config.getoption("fulltrace", default=False)
    )


def where_to_read(config: pytest.Config) -> str:
    """The reports that hold the full traceback, or how to get it when the run writes none."""
    reports = [str(p) for p in (config.getoption("htmlpath", None), config.getoption("xmlpath", None)) if p]
    if not reports:
        return "full traceback: rerun with --tb=long, or with --report-dir DIR to keep it in report.html"
    return f"full traceback: {' and '.join(reports)} (folded under the test)"


def shorten_failures(terminalreporter: pytest.TerminalReporter) -> None:
    """Swap each failure's terminal text for its brief form; the reports have already read the full one."""
    where = where_to_read(terminalreporter.config)
    for key in ("failed", "error"):
        for report in terminalreporter.stats.get(key, ()):
            if isinstance(report, pytest.TestReport) and isinstance(report.longrepr, RedactedRepr):
                report.longrepr = BriefRepr(report.longrepr, where)
                report.sections = []  # captured output is in the reports too, beside the traceback
