"""The pytest plugin (entry point ``oamconf``): step model, evidence, waits and reports.

Loaded in every pytest run of this environment; it changes nothing until tests carry the
``step`` marker or ``--report-dir`` is given, so the self-tests run as plain pytest.
"""

from __future__ import annotations

import pytest

from oamconf import options
from oamconf.platform.paths import use_project_root
from oamconf.report import plugin as report_plugin
from oamconf.steps import plugin as steps_plugin
from oamconf.steps import settings


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
    if not config.pluginmanager.has_plugin("oamconf-steps"):
        config.pluginmanager.register(steps_plugin, "oamconf-steps")
    report_plugin.configure(config)


# Registered here rather than as separate entry points so that `-p no:oamconf` turns all of it off.
pytest_configure = pytest.hookimpl(tryfirst=True)(pytest_configure)
