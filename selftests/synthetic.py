"""Synthetic step runs for the self-tests: step modules run through pytester, with their reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class SyntheticRun:
    """A finished inner pytest run of synthetic step modules, with its report files."""

    result: pytest.RunResult
    report_dir: Path

    @property
    def markdown(self) -> str:
        return (self.report_dir / "report.md").read_text(encoding="utf-8")

    @property
    def html(self) -> str:
        return (self.report_dir / "report.html").read_text(encoding="utf-8")

    @property
    def junit(self) -> str:
        return (self.report_dir / "junit.xml").read_text(encoding="utf-8")

    def artifacts(self) -> dict[Path, str]:
        return {p: p.read_text(encoding="utf-8") for p in self.report_dir.rglob("*") if p.is_file()}


RunSteps = Callable[..., SyntheticRun]

# The conformance fixtures for an inner pytester run (configuration first: cluster imports it).
SUITE_PLUGINS = ("-p", "fixtures.configuration", "-p", "fixtures.cluster", "-p", "no:cacheprovider")
