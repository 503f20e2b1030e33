"""The pytest plugin (entry point ``oamconf``): step model, evidence, waits and reports.

Loaded in every pytest run of this environment; it changes nothing until tests carry the
``step`` marker or ``--report-dir`` is given, so the self-tests run as plain pytest.
"""

from __future__ import annotations

import pytest

from oamconf.report import plugin as report_plugin
from oamconf.steps import plugin as steps_plugin
from oamconf.steps import settings


def pytest_addoption(parser: pytest.Parser) -> None:
    report_plugin.add_options(parser)
    settings.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("oamconf-steps"):
        config.pluginmanager.register(steps_plugin, "oamconf-steps")
    report_plugin.configure(config)


# Registered here rather than as separate entry points so that `-p no:oamconf` turns all of it off.
pytest_configure = pytest.hookimpl(tryfirst=True)(pytest_configure)
