"""A run that stops before its first step still leaves report.md, report.html and results.json saying that
nothing ran and why (CI uploads the report folder), with pytest's exit code and one line unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cluster.standins import put_first_on_path
from synthetic import SUITE_PLUGINS

STEP = """
import pytest

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_one(cluster):
    pass
"""


def stopped(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, Path]:
    pytester.makepyfile(test_steps=STEP)
    result = pytester.runpytest(*SUITE_PLUGINS, "--conformance", "--report-dir", "reports", *args)
    return result, pytester.path / "reports"


def the_error_line(result: pytest.RunResult) -> str:
    errors = [line for line in result.errlines if line.strip()]
    assert len(errors) == 1, errors
    return errors[0].removeprefix("ERROR: ")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--cache-dir", "cache"), id="no-docker"),
        pytest.param(("--set", "crossplane.chart_versio=2.3.5"), id="bad-override"),
        pytest.param(("--scenario", "missing.yaml"), id="missing-scenario"),
        pytest.param(("--endpoint", "postgresql=127.0.0.1:5432"), id="contradictory-options"),
    ],
)
def test_a_stop_before_the_first_step_writes_the_three_reports_with_its_reason(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    put_first_on_path(monkeypatch, pytester.path / "empty-bin", only=True)  # no docker, kind, helm or kubectl
    result, reports = stopped(pytester, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    reason = the_error_line(result)
    md = (reports / "report.md").read_text(encoding="utf-8")
    assert f"## Overall Status: ⏹️ Run stopped before any step ran: {reason}" in md
    html = (reports / "report.html").read_text(encoding="utf-8")
    assert "stopped before any step ran" in html
    assert "Python test results" not in html  # no test rows follow: nothing ran
    results = json.loads((reports / "results.json").read_text(encoding="utf-8"))
    assert results["status"] == "nothing_tested"
    assert results["header"]["Run stopped"] == f"before any step: {reason}"
    assert {phase["verdict"] for phase in results["phases"]} <= {"not_tested"}


def test_a_report_folder_that_cannot_be_written_stays_one_line(pytester: pytest.Pytester) -> None:
    (pytester.path / "reports").write_text("a file, not a folder", encoding="utf-8")
    result, _ = stopped(pytester, "--scenario", "missing.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert the_error_line(result).startswith("--report-dir reports: cannot write there")
