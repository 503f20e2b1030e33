"""What happened to each test of a step, and the step verdict that follows.

One step may have several tests (3.2 checks PostgreSQL and Redis); the step is as good as its
worst test. A step passed with a recorded warning "Needs Verification", as the manual report
marks Phase 2's syncer step.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class StepVerdict(enum.Enum):
    WORKING = "✅ Working"
    NEEDS_VERIFICATION = "⚠️ Needs Verification"
    FAILED = "❌ Failed"
    NOT_TESTED = "🔄 Not tested"

    @property
    def label(self) -> str:
        return self.value


class Outcome(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"  # pytest.skip: not tested, with the reason
    BLOCKED = "blocked"  # a prerequisite did not pass; message is the cause chain
    INTERRUPTED = "interrupted"  # the run ended (Ctrl-C, -x) before this test finished; message says where


UNMATCHED = "no known cause matched"
# Starts the warning of a check that was not tested while its step's other checks ran (a tier's limit, an
# unbound server): the step is then Needs Verification, not Working.
NOT_TESTED_WARNING = "not tested: "


@dataclass(frozen=True)
class Hint:
    """A likely root cause and what to do about it, shown with a failure and in Recommendations."""

    cause: str
    fix: str

    @property
    def known(self) -> bool:
        """A cause the step or the catalogue names, not the line saying none matched."""
        return not self.cause.startswith(UNMATCHED)


@dataclass(frozen=True)
class Diagnostic:
    """A named block of text gathered for a failure: events, pod logs, an object's status."""

    name: str
    text: str


@dataclass(frozen=True)
class TestOutcome:
    """One test's result, with what it recorded through the ``evidence`` fixture."""

    nodeid: str
    name: str
    outcome: Outcome
    message: str = ""
    duration: float = 0.0
    evidence: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    hints: tuple[Hint, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()


def step_verdict(tests: Iterable[TestOutcome]) -> StepVerdict:
    """Failed if any test failed; not tested if none ran; needs verification if one warned."""
    tests = list(tests)
    if any(t.outcome is Outcome.FAILED for t in tests):
        return StepVerdict.FAILED
    ran = [t for t in tests if t.outcome is Outcome.PASSED]
    if not ran:
        return StepVerdict.NOT_TESTED
    if any(t.warnings for t in tests):
        return StepVerdict.NEEDS_VERIFICATION
    return StepVerdict.WORKING


def first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()
    return ""
