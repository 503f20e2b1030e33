"""The reports of a run that stopped before its first step (no Docker, a bad option, a cluster that does not
answer): CI uploads the report folder, and an empty one says nothing.

pytest ends such a run in its configure stage, so no session exists and neither pytest-html nor the
report writer ever writes. These files are written from the same model and renderers as a full run's,
with no phase in them and the reason as the overall status.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pytest

from oamconf import __version__
from oamconf.report.history import write_results
from oamconf.report.html import STYLESHEET, summary_html
from oamconf.report.markdown import render_markdown
from oamconf.report.model import RunResult, build_run
from oamconf.report.plugin import TITLE
from oamconf.steps.context import run_of


def write_stopped_reports(config: pytest.Config, reason: str) -> None:
    """Write report.md, report.html and results.json saying that nothing ran and why.

    Only for a conformance run with ``--report-dir``; a folder that cannot be written is left alone
    (that is itself the stop pytest prints).
    """
    report_dir = config.getoption("report_dir", None)
    if not report_dir or not config.getoption("conformance", default=False) or hasattr(config, "workerinput"):
        return
    directory = Path(report_dir)
    run = _stopped_run(config, reason)
    redactor = run_of(config).redactor
    try:
        directory.mkdir(parents=True, exist_ok=True)
        write_results(run, directory, redactor)
        (directory / "report.md").write_text(redactor.redact(render_markdown(run)), encoding="utf-8")
        page = _page(run, summary_html(run, redactor, test_rows=False))
        (directory / "report.html").write_text(page, encoding="utf-8")
    except OSError:
        return


def _stopped_run(config: pytest.Config, reason: str) -> RunResult:
    run = run_of(config)
    started = datetime.now(UTC)
    header = [
        ("Started", f"{started:%Y-%m-%d %H:%M:%S} UTC"),
        ("Suite", f"oam-vcluster-conformance {__version__}"),
        *run.info.facts.items(),
        ("Run stopped", f"before any step: {reason}"),
        ("Secrets", "redacted"),
    ]
    return build_run(
        run.ledger,
        title=TITLE,
        started=started,
        duration=0.0,
        header=header,
        bill_of_materials=list(run.info.components.items()),
        findings=run.info.findings,
        stopped=f"stopped before any step ran: {reason}",
    )


def _page(run: RunResult, body: str) -> str:
    """A page of its own: pytest-html, which frames a full run's summary, never started."""
    style = STYLESHEET.read_text(encoding="utf-8")
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(run.title)}</title>'
        f"<style>{style}</style></head><body><h1>{escape(run.title)}</h1>{body}</body></html>\n"
    )
