"""A phase's verdict from its steps' verdicts, as the manual report reads them: Phase 2 PASSED with 2.1 Working
beside 2.2 Needs Verification; never PASSED when nothing in it fully worked."""

from __future__ import annotations

import pytest

from oamconf.report.model import PhaseResult, PhaseVerdict, StepResult
from oamconf.steps.outcomes import Outcome
from oamconf.steps.outcomes import TestOutcome as Result

WORKING = (Outcome.PASSED, ())
NEEDS_VERIFICATION = (Outcome.PASSED, ("not tested: local tier: a vCluster's API server is not started",))
FAILED = (Outcome.FAILED, ())
NOT_TESTED = (Outcome.SKIPPED, ())


def _phase(*steps: tuple[Outcome, tuple[str, ...]]) -> PhaseResult:
    results = tuple(
        StepResult(f"2.{i}", "step", (Result(f"t::{i}", "t", outcome, warnings=warnings),))
        for i, (outcome, warnings) in enumerate(steps, start=1)
    )
    return PhaseResult(2, "vCluster Infrastructure", results)


@pytest.mark.parametrize(
    ("steps", "verdict"),
    [
        pytest.param((WORKING, NEEDS_VERIFICATION), PhaseVerdict.PASSED, id="a-warning-beside-a-working-step"),
        pytest.param((NEEDS_VERIFICATION,), PhaseVerdict.PARTIAL, id="only-a-step-that-needs-verification"),
        pytest.param((NEEDS_VERIFICATION, NEEDS_VERIFICATION), PhaseVerdict.PARTIAL, id="every-step-needs-it"),
        pytest.param((WORKING, NOT_TESTED), PhaseVerdict.PARTIAL, id="a-step-not-tested"),
        pytest.param((WORKING, FAILED), PhaseVerdict.PARTIAL, id="a-step-failed"),
        pytest.param((FAILED, NOT_TESTED), PhaseVerdict.FAILED, id="nothing-passed"),
        pytest.param((NOT_TESTED,), PhaseVerdict.NOT_TESTED, id="nothing-ran"),
    ],
)
def test_a_phase_passes_only_when_a_step_fully_worked_and_none_fell_short(
    steps: tuple[tuple[Outcome, tuple[str, ...]], ...], verdict: PhaseVerdict
) -> None:
    assert _phase(*steps).verdict is verdict
