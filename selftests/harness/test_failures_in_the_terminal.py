"""A conformance run's terminal shows each failure as its problem in one line and where the traceback is;
the reports keep the full traceback, whose source lines are code and are not masked as credentials."""

from __future__ import annotations

import re

import pytest

from synthetic import SUITE_PLUGINS

# A wait that times out in the middle of a step, on a line that has a credential's shape and is code.
STEP = """
import pytest
from oamconf.k8s import kinds
from oamconf.k8s.verdicts.workloads import deployment_available

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_crossplane_is_running(expect, profile):
    namespace, secret = profile.namespaces.crossplane, NAME
    expect(kinds.DEPLOYMENT.ref(secret, namespace), deployment_available, timeout=2)

NAME = "crossplane"
"""
SCENARIO = """name: no-crossplane
objects:
  - {apiVersion: v1, kind: Namespace, metadata: {name: crossplane-system}, status: {phase: Active}}
"""
CODE_LINE = "namespace, secret = profile.namespaces.crossplane, NAME"


def run(pytester: pytest.Pytester, *flags: str) -> pytest.RunResult:
    pytester.makepyfile(test_steps=STEP)
    scenario = pytester.path / "scenario.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    args = ("--conformance", "--scenario", str(scenario), "--report-dir", "reports", *flags)
    result = pytester.runpytest(*SUITE_PLUGINS, *args)
    result.assert_outcomes(failed=1)
    return result


def failures_section(output: str) -> list[str]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if re.fullmatch(r"=+ FAILURES =+", line))
    end = next(i for i in range(start + 2, len(lines)) if re.match(r"^[-=]+ ", lines[i]))
    return lines[start + 1 : end]


def test_a_wait_stopped_in_a_step_is_its_problem_and_the_reports_path(pytester: pytest.Pytester) -> None:
    result = run(pytester)
    section = failures_section(result.stdout.str())
    assert section == [
        section[0],  # pytest's ____ test_crossplane_is_running ____ header
        "Deployment crossplane-system/crossplane: not found yet (waited 2s, simulated)",
        "full traceback: reports/report.html and reports/junit.xml (folded under the test)",
    ]
    assert "test_crossplane_is_running" in section[0]


def test_the_reports_keep_the_full_traceback_with_its_code_unmasked(pytester: pytest.Pytester) -> None:
    run(pytester)
    for name in ("junit.xml", "report.html"):
        text = (pytester.path / "reports" / name).read_text(encoding="utf-8")
        assert "def wait_until(" in text, name
        assert CODE_LINE in text, name


def test_a_traceback_asked_for_with_tb_long_is_printed_with_its_code(pytester: pytest.Pytester) -> None:
    output = run(pytester, "--tb=long").stdout.str()
    assert "def wait_until(" in output
    assert CODE_LINE in output


def test_without_reports_the_terminal_says_how_to_see_the_traceback(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_steps=STEP)
    scenario = pytester.path / "scenario.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    result = pytester.runpytest(*SUITE_PLUGINS, "--conformance", "--scenario", str(scenario))
    result.assert_outcomes(failed=1)
    assert failures_section(result.stdout.str())[1:] == [
        "Deployment crossplane-system/crossplane: not found yet (waited 2s, simulated)",
        "full traceback: rerun with --tb=long, or with --report-dir DIR to keep it in report.html",
    ]
