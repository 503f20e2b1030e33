"""Ctrl-C during a step, while its report is made, or -x: one line, and a report that says what did not run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synthetic import SUITE_PLUGINS

SCENARIOS = Path(__file__).parent.parent / "scenarios"
STEPS = """
import pytest

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_one(owned):
    owned.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "left-behind", "namespace": "default"}})

@pytest.mark.step("1.2", "OAM ComponentDefinitions")
def test_two(cluster):
    STOP

@pytest.mark.step("2.1", "vCluster Creation")
def test_three(cluster):
    pass
"""
# Ctrl-C arrives as KeyboardInterrupt wherever the main thread is: in the step, or in a hook after it.
IN_THE_STEP = "raise KeyboardInterrupt"
WHILE_REPORTING = """
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item, call):
    if item.name == "test_two" and call.when == "call":
        raise KeyboardInterrupt
"""


def run(pytester: pytest.Pytester, body: str, *args: str) -> pytest.RunResult:
    # The project's own warning policy: a warning raised during the interrupt must not become an INTERNALERROR.
    pytester.makeini("[pytest]\nfilterwarnings = error\n")
    pytester.makepyfile(test_steps=STEPS.replace("STOP", body))
    return pytester.runpytest(
        *SUITE_PLUGINS,
        "--conformance",
        "--scenario",
        str(SCENARIOS / "healthy"),
        "--report-dir",
        "reports",
        *args,
        no_reraise_ctrlc=True,  # pytester would re-raise the inner Ctrl-C in this test
    )


@pytest.mark.parametrize(
    ("body", "conftest"),
    [pytest.param(IN_THE_STEP, None, id="in-the-step"), pytest.param("pass", WHILE_REPORTING, id="while-reporting")],
)
def test_ctrl_c_during_a_step_is_one_line_and_a_truthful_report(
    pytester: pytest.Pytester, body: str, conftest: str | None
) -> None:
    if conftest is not None:
        pytester.makeconftest(conftest)
    result = run(pytester, body)
    output = [*result.outlines, *result.errlines]
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert not any("INTERNALERROR" in line or "Traceback" in line or "Warning" in line for line in output), output
    assert [line for line in output if "KeyboardInterrupt" in line or line.startswith("!")] == [
        "! interrupted during step 1.2 OAM ComponentDefinitions: unfinished steps are Not tested !"
    ]
    markdown = (pytester.path / "reports" / "report.md").read_text(encoding="utf-8")
    assert "Overall Status: ⏹️ Run interrupted during step 1.2 OAM ComponentDefinitions" in markdown
    assert "| Cleanup | deleted 1 object(s) this run created |" in markdown  # cleanup ran before the report
    assert "Phase 1: Foundation Components ⚠️ PARTIAL" in markdown  # never PASSED with 1.2 unfinished
    results = json.loads((pytester.path / "reports" / "results.json").read_text(encoding="utf-8"))
    steps = {s["id"]: s for phase in results["phases"] for s in phase["steps"]}
    for step in ("1.2", "2.1"):
        assert steps[step]["verdict"] == "not_tested", steps[step]
    assert "Not tested (interrupted): the run was interrupted during step 1.2" in markdown


def test_a_run_stopped_by_x_says_so_for_the_steps_it_did_not_run(pytester: pytest.Pytester) -> None:
    result = run(pytester, "assert False, 'broken'", "-x")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    markdown = (pytester.path / "reports" / "report.md").read_text(encoding="utf-8")
    assert "the run was stopped by -x/--maxfail (stopping after 1 failures) after step 1.2" in markdown


AT_THE_END = """
import pytest

@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    raise KeyboardInterrupt
"""


def test_ctrl_c_while_the_reports_are_written_is_one_line(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(AT_THE_END)
    result = run(pytester, "pass")
    output = [line for line in [*result.outlines, *result.errlines] if line.strip()]
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert not any("Traceback" in line or "KeyboardInterrupt" in line for line in output), output
    assert "Exit: interrupted while writing the reports: they may be incomplete" in result.errlines
