"""The report writer: collects during the run, writes every report once at the end.

Built like pytest-html's reporter: an object registered only when ``--report-dir`` is given.
It points pytest-html and JUnit at the report directory, writes ``report.md`` (and the GitHub
step summary) and ``results.json``, adds evidence to the HTML rows and, last, scrubs every file
it wrote with the session's redactor: a secret learnt late in the run is still masked in early
evidence. With ``--compare`` every report also says what changed since that earlier run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from _pytest.junitxml import xml_key  # pytest has no public handle on the JUnit writer's global properties

from oamconf import __version__
from oamconf.redact import Redactor
from oamconf.report.changes import Changes, compare
from oamconf.report.history import HistoryError, Snapshot, load_previous, snapshot, write_results
from oamconf.report.html import STYLESHEET, html_extra, outcome_html, summary_html
from oamconf.report.markdown import duration_text, render_markdown
from oamconf.report.model import RunResult, build_run
from oamconf.steps.context import record_of, run_of
from oamconf.steps.outcomes import step_verdict

TITLE = "OAM vCluster Architecture Test Results Summary"
RESULT_KEY = pytest.StashKey[RunResult]()  # the report's model, built once at the end
CHANGES_KEY = pytest.StashKey[Changes]()  # what changed since the --compare run, built with the model


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance report")
    group.addoption(
        "--report-dir",
        dest="report_dir",
        metavar="DIR",
        default=None,
        help="write report.md, report.html, junit.xml and results.json (and diagnostics) into DIR",
    )
    group.addoption(
        "--compare",
        dest="compare",
        metavar="PREVIOUS",
        default=None,
        help="say in every report what changed since an earlier run: its results.json, or its report directory",
    )


def configure(config: pytest.Config) -> None:
    """Register the writer when a report directory is asked for (call before pytest-html configures)."""
    if hasattr(config, "workerinput"):
        return
    report_dir, previous = config.getoption("report_dir"), _previous_run(config)
    if not report_dir:
        return
    directory = Path(report_dir)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".oamconf-write-check"
        probe.touch()
        probe.unlink()
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise pytest.UsageError(
            f"--report-dir {report_dir}: cannot write there ({reason}): choose a writable folder"
        ) from None
    if not config.getoption("htmlpath", None):
        config.option.htmlpath = str(directory / "report.html")
        config.option.self_contained_html = True
    # pytest-html's supported way to restyle its page: --css files, inlined when self-contained.
    config.option.css = [*(config.getoption("css", None) or []), str(STYLESHEET)]
    if not config.getoption("xmlpath", None):
        config.option.xmlpath = str(directory / "junit.xml")
    config.pluginmanager.register(ReportWriter(config, directory, previous), "oamconf-report-writer")


def _previous_run(config: pytest.Config) -> Snapshot | None:
    """The ``--compare`` run, read before anything runs: a bad one ends the run in one line.

    Read now, too, because PREVIOUS may be this run's own report directory (the last run's).
    """
    argument = config.getoption("compare", None)
    if not argument:
        return None
    if not config.getoption("report_dir"):
        raise pytest.UsageError(f"--compare {argument}: the changes go into the reports: add --report-dir DIR")
    try:
        return load_previous(argument)
    except HistoryError as err:
        raise pytest.UsageError(f"--compare {argument}: {err}") from None


def _python_environment(config: pytest.Config) -> dict[str, object]:
    """pytest-metadata's table, which pytest-html shows first: the report folds it at its end instead."""
    try:
        # Lazy: pytest-metadata comes with pytest-html, which may be disabled; it ships no type hints.
        from pytest_metadata.plugin import metadata_key  # type: ignore[import-untyped]  # noqa: PLC0415
    except ImportError:
        return {}
    return dict(config.stash.get(metadata_key, {}))


class ReportWriter:
    def __init__(self, config: pytest.Config, directory: Path, previous: Snapshot | None = None) -> None:
        self.config = config
        self.directory = directory
        self.previous = previous
        self.started = datetime.now(UTC)
        self.clock_start = time.monotonic()

    @property
    def redactor(self) -> Redactor:
        return run_of(self.config).redactor

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        del call
        report = yield
        record = record_of(item)
        outcome, spec = record.outcome, record.spec
        if report.when == "teardown" and outcome is not None and spec is not None:
            # This test's own verdict: the step's is not final until its last test has run.
            verdict = step_verdict((outcome,))
            block = outcome_html(f"{spec.id} {spec.title}", verdict, outcome, self.redactor)
            report.extras = [*getattr(report, "extras", []), html_extra(block)]  # type: ignore[attr-defined]
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Build the model and write Markdown before pytest-html and JUnit write theirs."""
        info = run_of(self.config).info
        run = build_run(
            run_of(self.config).ledger,
            title=TITLE,
            started=self.started,
            duration=time.monotonic() - self.clock_start,
            header=[
                ("Started", f"{self.started:%Y-%m-%d %H:%M:%S} UTC"),
                ("Suite", f"oam-vcluster-conformance {__version__}"),
                *info.facts.items(),
                ("Secrets", "redacted"),
            ],
            bill_of_materials=list(info.components.items()),
            budgets=_budgets(self.config),
            findings=info.findings,
            stopped=run_of(self.config).stopped,
        )
        self.config.stash[RESULT_KEY] = run
        written = write_results(run, self.directory, self.redactor)  # before the final scrub, like every file
        changes = None
        if self.previous is not None:
            # This run as the next run will read it: both sides of the comparison come from the same schema.
            changes = self.config.stash[CHANGES_KEY] = compare(self.previous, snapshot(written))
        markdown = self.redactor.redact(render_markdown(run, changes))
        (self.directory / "report.md").write_text(markdown, encoding="utf-8")
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with Path(summary).open("a", encoding="utf-8") as out:
                out.write(markdown)
        xml = self.config.stash.get(xml_key, None)
        if xml is not None:
            for name, version in run.bill_of_materials:
                xml.add_global_property(f"version:{name}", version)
            if changes is not None:
                xml.add_global_property("changes-since", changes.since)
                for change in changes.items:
                    xml.add_global_property(f"change:{change.kind.value}", change.text)
        del session

    def pytest_html_report_title(self, report: object) -> None:
        report.title = TITLE  # type: ignore[attr-defined]

    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str]) -> None:
        del summary, postfix
        run = self.config.stash.get(RESULT_KEY, None)
        if run is not None:
            changes = self.config.stash.get(CHANGES_KEY, None)
            prefix.append(summary_html(run, self.redactor, changes, _python_environment(self.config)))

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        run = self.config.stash.get(RESULT_KEY, None)
        if run is None:
            return
        terminalreporter.write_sep("=", f"conformance: {run.overall}")
        for phase in run.phases:
            line = f"Phase {phase.number}: {phase.title:<40} {phase.verdict.label}  ({duration_text(phase.duration)})"
            terminalreporter.write_line(line)
        for finding in run.findings:
            terminalreporter.write_line(f"finding: {finding}")
        changes = self.config.stash.get(CHANGES_KEY, None)
        if changes is not None:
            terminalreporter.write_line(f"since {changes.since}: {changes.counts}")
        terminalreporter.write_line(f"reports: {self.directory}/report.md, report.html, junit.xml, results.json")

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Scrub every artifact once more with everything the redactor learnt during the run.

        Every text file counts, whatever its suffix: kind's exported logs have many, and some
        none. Files that are not UTF-8 text are left as they are. HTML and XML also carry
        secrets escaped (``&amp;``, ``&#34;``), so they are scrubbed of those forms too.
        """
        del config
        for path in self.directory.rglob("*"):
            # A symlink may point out of the report directory: that file is not ours to rewrite.
            if path.is_symlink() or not path.is_file():
                continue
            while True:
                try:
                    self._scrub(path)
                    break
                except KeyboardInterrupt:
                    # Finish the file first: a half-scrubbed report is what CI would upload.
                    continue

    def _scrub(self, path: Path) -> None:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return
        if "\0" in text:
            return
        markup = path.suffix.lower() in {".html", ".htm", ".xml"}
        if path.resolve() in self._rendered_from_reports():
            # Made from pytest's reports, redacted at the source (`redact_report`) except the code their
            # tracebacks quote: a credential's shape there is code, so only values learnt late are masked.
            scrubbed = self.redactor.redact_known(text, markup=markup)
        else:
            scrubbed = self.redactor.redact_markup(text) if markup else self.redactor.redact(text)
        if scrubbed != text:
            path.write_bytes(scrubbed.encode("utf-8"))

    def _rendered_from_reports(self) -> set[Path]:
        """pytest-html's page and the JUnit file: every text in them came through `redact_report`."""
        paths = (self.config.getoption("htmlpath", None), self.config.getoption("xmlpath", None))
        return {Path(p).resolve() for p in paths if p}


def _budgets(config: pytest.Config) -> dict[int, float]:
    """Each phase's time budget from the run's profile (a conformance run loads one); none without it."""
    profile = run_of(config).profile
    if profile is None:
        return {}
    return {n: float(b) for n in range(1, 6) if (b := profile.budgets.of(n)) is not None}
