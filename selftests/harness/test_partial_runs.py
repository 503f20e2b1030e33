"""A run that -k or -m narrowed to some phases says which phases it left out, and counts only the others."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from oamconf.report.model import RunResult, build_run
from oamconf.steps.ledger import StepLedger
from oamconf.steps.model import StepSpec
from oamconf.steps.outcomes import Outcome
from oamconf.steps.outcomes import TestOutcome as Result

STEPS = """
import pytest

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_phase1_provider():
    pass

@pytest.mark.step("2.1", "vCluster Creation")
def test_phase2_vcluster():
    pass

@pytest.mark.step("3.1", "PostgreSQL via OAM")
def test_phase3_postgres():
    pass

@pytest.mark.step("4.1", "vCluster Registration")
def test_phase4_registration():
    assert False, "vCluster vc1 is not registered"

@pytest.mark.step("5", "End-to-End")
def test_phase5_end_to_end():
    pass
"""


def test_k_phase4_says_phases_1_to_3_and_5_were_not_selected(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_steps=STEPS)

    result = pytester.runpytest("-p", "no:cacheprovider", "--report-dir", "reports", "-k", "phase4")

    result.assert_outcomes(failed=1)
    overall = "❌ Partial run: phases 1-3, 5 not selected (0 of 1 selected passed)"
    result.stdout.fnmatch_lines([f"*conformance: {overall}*"])
    report = (pytester.path / "reports" / "report.md").read_text(encoding="utf-8")
    assert f"## Overall Status: {overall}" in report
    assert "0 of 5 phases passed" not in report


ALL = ("1.1", "2.1", "3.1", "4.1", "5")


def run_of(selected: set[str], passed: set[str]) -> RunResult:
    ledger = StepLedger()
    ledger.declare(StepSpec.from_marker((sid, f"Step {sid}"), {}, f"t::{sid}") for sid in ALL)
    ledger.selected = selected
    for sid in selected:
        outcome = Outcome.PASSED if sid in passed else Outcome.FAILED
        ledger.record(sid, Result(nodeid=f"t::{sid}", name=sid, outcome=outcome, message="", duration=1.0))
    return build_run(ledger, title="t", started=datetime.now(UTC), duration=1.0)


def test_the_selected_phases_alone_decide_the_status() -> None:
    others = set(ALL) - {"1.1"}
    run = run_of(others, passed=others)
    assert run.overall == "✅ Partial run: phase 1 not selected (4 of 4 selected passed)"
    assert run.status.value == "working"


def test_a_full_run_is_not_called_partial() -> None:
    run = run_of(set(ALL), passed={"1.1"})
    assert run.overall.startswith("⚠️ Partially Working (1 of 5 phases passed)")
