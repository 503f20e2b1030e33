"""Shared self-test fixtures."""

from __future__ import annotations

import textwrap

import pytest

from synthetic import RunSteps, SyntheticRun


@pytest.fixture
def run_steps(pytester: pytest.Pytester) -> RunSteps:
    """Write step modules (name -> source) into a fresh directory and run them with reports on."""

    def run(*args: str, **modules: str) -> SyntheticRun:
        pytester.makepyfile(**{name: textwrap.dedent(src) for name, src in modules.items()})
        report_dir = pytester.path / "reports"
        result = pytester.runpytest("-p", "no:cacheprovider", "--report-dir", str(report_dir), *args)
        return SyntheticRun(result, report_dir)

    return run
