"""Each phase's duration is shown against the budget the profile gives it, and an overrun is flagged."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from oamconf.report.markdown import render_markdown
from oamconf.report.model import PhaseResult, RunResult, StepResult
from oamconf.steps import outcomes
from synthetic import SUITE_PLUGINS

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def phase(number: int, seconds: float, budget: float | None) -> PhaseResult:
    test = outcomes.TestOutcome(f"t{number}", "a test", outcomes.Outcome.PASSED, duration=seconds)
    return PhaseResult(number, f"Phase {number}", (StepResult(f"{number}.1", "a step", (test,)),), budget=budget)


def test_a_phase_over_its_budget_is_flagged_and_one_within_it_shows_the_budget() -> None:
    run = RunResult("t", datetime.now(UTC), 1.0, (phase(1, 700.0, 600.0), phase(2, 12.3, 600.0), phase(3, 5.0, None)))
    md = render_markdown(run)
    assert "of 600s (over budget)" in md.split("| 1. Phase 1 |")[1].split("\n")[0]
    assert md.split("| 2. Phase 2 |")[1].split("\n")[0].endswith("12.3s of 600s |")
    assert "of" not in md.split("| 3. Phase 3 |")[1].split("\n")[0].split("|")[3]  # no profile budget: time only


def test_a_conformance_run_shows_the_profile_s_budgets(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_one="import pytest\n\n@pytest.mark.step('1.1', 'One')\ndef test_one():\n    pass\n")
    result = pytester.runpytest(
        *SUITE_PLUGINS, "--conformance", "--scenario", str(SCENARIOS / "healthy"),
        "--profile-set", "budgets.phase_1=321", "--report-dir", "reports",
    )  # fmt: skip
    result.assert_outcomes(passed=1)
    md = (pytester.path / "reports" / "report.md").read_text(encoding="utf-8")
    assert "s of 321s |" in md.split("| 1. Foundation Components |")[1].split("\n")[0]
