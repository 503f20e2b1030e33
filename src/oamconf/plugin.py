"""The pytest plugin (entry point ``oamconf``): step model, evidence, waits and reports.

Loaded in every pytest run of this environment; it changes nothing until tests carry the
``step`` marker or ``--report-dir`` is given, so the self-tests run as plain pytest.
"""

from __future__ import annotations

import warnings
from collections.abc import Generator
from typing import Any, Final

import pytest
from _pytest.config import parse_warning_filter  # how pytest reads -W; no public API

from oamconf import options
from oamconf.platform.paths import use_project_root
from oamconf.report import plugin as report_plugin
from oamconf.report.stopped import write_stopped_reports
from oamconf.steps import plugin as steps_plugin
from oamconf.steps import settings
from oamconf.steps.context import run_of


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """The fixtures are data of the checkout, not of the installed package: pytest's rootdir says where.

    Before the conftests load, because the session fixtures read the versions file in their configure hooks.
    """
    use_project_root(early_config.rootpath)


def pytest_addoption(parser: pytest.Parser) -> None:
    report_plugin.add_options(parser)
    settings.add_options(parser)
    options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("conformance", default=False):
        _warnings_never_end_a_run(config)
    if not config.pluginmanager.has_plugin("oamconf-steps"):
        config.pluginmanager.register(steps_plugin, "oamconf-steps")
    report_plugin.configure(config)


# Registered here rather than as separate entry points so that `-p no:oamconf` turns all of it off.
pytest_configure = pytest.hookimpl(tryfirst=True)(pytest_configure)


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(
    config: pytest.Config,
) -> Generator[None, int | pytest.ExitCode | None, int | pytest.ExitCode | None]:
    """A stop in the configure stage (the preflight, the configuration checks) still leaves reports.

    pytest raises it before any session exists, so no reporter writes; ``pytest_configure`` is a historic
    hook and takes no wrapper, so the stop is caught here, around the whole run.
    """
    try:
        return (yield)
    except pytest.UsageError as err:
        if report_plugin.RESULT_KEY not in config.stash:  # a session that did start wrote its own reports
            write_stopped_reports(config, str(err))
        raise


# Shown in the warnings summary, never raised: the project's ``filterwarnings = error`` is for its self-tests.
# A Ctrl-C that passes through another plugin's old-style hook wrapper (pytest-html's makereport) makes
# pluggy warn about it; the report already says the run was interrupted. pytest matches a -W message
# literally from its start and splits on colons, so the filter names the message's first sentence.
_TEARDOWN_RAISED: Final = "A plugin raised an exception during an old-style hookwrapper teardown."
_CONFORMANCE_WARNINGS: Final = ("default", f"ignore:{_TEARDOWN_RAISED}:pluggy.PluggyTeardownRaisedWarning")


def _warnings_never_end_a_run(config: pytest.Config) -> None:
    """A conformance run reports a warning; it never crashes on one (a urllib3 or pluggy warning
    under the project's ``error`` policy is an INTERNALERROR, not a report).

    pytest applies ``-W`` after the ini's ``filterwarnings``, at every stage; ours goes first so a
    ``-W`` the user gives still wins. The configure stage's filters are already in place, so it is
    also applied there (inside pytest's own ``catch_warnings``, which restores them).
    """
    given = config.known_args_namespace.pythonwarnings or []
    config.known_args_namespace.pythonwarnings = [*_CONFORMANCE_WARNINGS, *given]
    for user_filter in (*_CONFORMANCE_WARNINGS, *given):
        warnings.filterwarnings(*parse_warning_filter(user_filter, escape=True))


@pytest.hookimpl(optionalhook=True)
def pytest_metadata(metadata: dict[str, Any], config: pytest.Config) -> None:
    """pytest-metadata's table, redacted where it is made: its ``-v`` header and the HTML environment show it,
    and CI variables (``GIT_URL``, ``BUILD_URL``) carry credentials in their URLs."""
    redacted = run_of(config).redactor.redact_object(metadata)
    metadata.clear()
    metadata.update(redacted)
