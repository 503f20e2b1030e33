"""Synthetic step runs for the self-tests: step modules run through pytester, with their reports."""

from __future__ import annotations

import html
import json
import re
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

    def html_extras(self) -> dict[str, list[str]]:
        """The HTML blocks pytest-html shows under each test, by node id (decoded from its JSON blob)."""
        found = re.search(r'data-jsonblob="(.*?)"', self.html, flags=re.DOTALL)
        assert found, "report.html has no pytest-html data blob"
        tests = json.loads(html.unescape(found.group(1)))["tests"]
        return {
            nodeid: [extra["content"] for run in runs for extra in run["extras"] if extra["format_type"] == "html"]
            for nodeid, runs in tests.items()
        }

    def artifacts(self) -> dict[Path, str]:
        return {p: p.read_text(encoding="utf-8") for p in self.report_dir.rglob("*") if p.is_file()}


RunSteps = Callable[..., SyntheticRun]

# The conformance fixtures for an inner pytester run (configuration first: cluster imports it).
SUITE_PLUGINS = ("-p", "fixtures.configuration", "-p", "fixtures.cluster", "-p", "no:cacheprovider")
