"""The nightly job is red only on ❌: it takes the exit code of `nox -s e2e` as its verdict.

That holds because a step that needs verification is a passed test and a step not tested is a
skip, so pytest exits 0 for them; only a failed test (❌) makes it exit 1. These runs pin that
contract, which .github/workflows/nightly-conformance.yml relies on instead of reading the report.
"""

from __future__ import annotations

import pytest

from synthetic import RunSteps

WARNED_AND_NOT_TESTED = """
import pytest

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_provider(evidence):
    evidence.add("provider-helm v1.4.0 Installed=True Healthy=True")

@pytest.mark.step("2.2", "vCluster Syncer Configuration")
def test_syncer(evidence):
    evidence.warn("existing vClusters predate the current composition")

@pytest.mark.step("3.1", "PostgreSQL via OAM")
def test_postgres():
    pytest.skip("this profile names no PostgreSQL application")
"""

ONE_FAILED = """
import pytest

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_provider():
    raise AssertionError("provider-helm: want Healthy=True, is Healthy=False")

@pytest.mark.step("1.2", "OAM ComponentDefinitions", depends_on=["1.1"])
def test_definitions():
    pass
"""


def test_a_run_with_only_needs_verification_and_not_tested_steps_exits_zero(run_steps: RunSteps) -> None:
    run = run_steps(test_steps=WARNED_AND_NOT_TESTED)
    assert run.result.ret == pytest.ExitCode.OK
    md = run.markdown
    assert "⚠️ Needs Verification" in md
    assert "🔄 Not tested" in md
    assert "## Overall Status: ⚠️" in md  # phases with no step count as not passed
    assert "❌" not in md


def test_a_failed_step_makes_the_run_exit_one(run_steps: RunSteps) -> None:
    run = run_steps(test_steps=ONE_FAILED)
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED
    md = run.markdown
    assert "- **Status**: ❌ Failed" in md
    assert "blocked by 1.1 Crossplane Helm Provider" in md
