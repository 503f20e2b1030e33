"""pytest hooks of the step model: the marker, report order and gating, redaction, outcomes.

Each job lives in its own module (``gating``, ``redacting``, ``recording``, ``diagnostics``); this
one only wires them to pytest. The step-facing fixtures are ``evidence`` and ``run_info`` here, and
``expect``, ``owned``, ``cluster``, ``versions`` and ``profile`` from the session fixtures.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

from oamconf.errors import ServerNotGiven, UsageError
from oamconf.steps import brief, gating, interrupt
from oamconf.steps.context import record_of, run_of
from oamconf.steps.evidence import Evidence, RunInfo
from oamconf.steps.outcomes import NOT_TESTED_WARNING
from oamconf.steps.recording import record_part
from oamconf.steps.redacting import redact_report
from oamconf.steps.settings import wait_policy_from


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from oamconf.steps import hooks  # noqa: PLC0415 - hookspecs are registered, not imported for use

    pluginmanager.add_hookspecs(hooks)


def pytest_configure(config: pytest.Config) -> None:
    try:
        run_of(config).policy = wait_policy_from(config)  # a bad --wait-timeout ends the run in one line
    except UsageError as err:
        raise pytest.UsageError(str(err)) from None
    config.addinivalue_line(
        "markers",
        "step(id, title, depends_on=()): a numbered step of the conformance report, e.g. step('4.2', "
        "'ArgoCD Deployment to vCluster', depends_on=['4.1'])",
    )
    config.addinivalue_line(
        "markers",
        "needs(*capabilities): what a check relies on the cluster to run, e.g. needs('kubevela'); where the run's "
        "cluster does not run it (the local tier), the check is Not tested with the reason",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    gating.declare_steps(config, items)


def pytest_collection_finish(session: pytest.Session) -> None:
    gating.select(session)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    gating.skip_if_blocked(item)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    interrupt.started(item)
    result = yield
    interrupt.finished(item)  # not reached on Ctrl-C: the interrupted test stays the current one
    return result


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> Generator[None, None, None]:
    """Before any report is built: why the run ended early, its cleanup, its unfinished steps."""
    interrupt.conclude(session, interrupted=exitstatus == pytest.ExitCode.INTERRUPTED)
    try:
        yield
    except KeyboardInterrupt:
        # Ctrl-C while the reports are written: one line, not pytest's raw traceback.
        pytest.exit("interrupted while writing the reports: they may be incomplete", pytest.ExitCode.INTERRUPTED)


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outside the terminal reporter's wrapper, which prints failures
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Generator[None, None, None]:
    """A conformance run's terminal shows each failure in a line; the reports keep the traceback."""
    if brief.wanted(terminalreporter.config):
        brief.shorten_failures(terminalreporter)
    yield


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Generator[None, object, object]:
    """A step's check that needs a server the run was not given is not tested, and its step says so. Any other
    test (the suite's own) fails as usual: a skip there would hide a test that no longer runs."""
    try:
        return (yield)
    except ServerNotGiven as err:
        if record_of(pyfuncitem).spec is None:
            raise
        record_of(pyfuncitem).evidence.warn(f"{NOT_TESTED_WARNING}{err}")
        pytest.skip(str(err))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    run, record = run_of(item.config), record_of(item)
    blocked_at = (item.location[0], (item.location[1] or 0) + 1) if record.blocked is not None else None
    redact_report(report, run.redactor, blocked_at=blocked_at, excinfo=call.excinfo)
    if record.spec is not None:
        outcome = record_part(item, record, call, report, run.redactor)
        if outcome is not None:
            run.ledger.record(record.spec.id, outcome)
    return report


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> Evidence:
    """Record evidence, warnings, hints and diagnostics for the current step's report."""
    return record_of(request.node).evidence


@pytest.fixture(scope="session")
def run_info(pytestconfig: pytest.Config) -> RunInfo:
    """Record run facts and component versions (the bill of materials) for the report header."""
    return run_of(pytestconfig).info
