"""Run settings with defaults and bounds, from a command-line option or an environment variable.

As Argo CD's e2e reads ``ARGOCD_E2E_DEFAULT_TIMEOUT`` with bounds, each setting has a default,
limits, an option and a variable, and a bad value names both ways of setting it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from oamconf.errors import UsageError
from oamconf.k8s.wait import Clock, SystemClock, WaitPolicy


@dataclass(frozen=True)
class Seconds:
    option: str
    env: str
    default: float
    low: float
    high: float

    def read(self, config: pytest.Config) -> float:
        """The option if given, else the variable, else the default; UsageError when out of bounds."""
        raw = config.getoption(self.option.lstrip("-").replace("-", "_"), None)
        source = self.option
        if raw is None and os.environ.get(self.env):
            raw, source = os.environ[self.env], self.env
        if raw is None:
            return self.default
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not self.low <= value <= self.high:
            raise UsageError(
                f"{source}={raw!r} is not a number of seconds from {self.low:g} to {self.high:g} "
                f"(set it with {self.option} or {self.env})"
            )
        return value


WAIT_TIMEOUT = Seconds("--wait-timeout", "OAMCONF_WAIT_TIMEOUT", default=300.0, low=1.0, high=7200.0)

CLOCK_KEY = pytest.StashKey[Clock]()


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance waits")
    group.addoption(
        WAIT_TIMEOUT.option,
        dest="wait_timeout",
        metavar="SECONDS",
        default=None,
        help=(
            f"cap every wait at SECONDS, also those the profile times (env {WAIT_TIMEOUT.env}); "
            f"without it each wait uses its profile timeout, or {WAIT_TIMEOUT.default:g}s"
        ),
    )


def wait_policy_of(config: pytest.Config) -> WaitPolicy:
    try:
        seconds = WAIT_TIMEOUT.read(config)
    except UsageError as err:
        raise pytest.UsageError(str(err)) from None
    given = config.getoption("wait_timeout", None) is not None or bool(os.environ.get(WAIT_TIMEOUT.env))
    return WaitPolicy(timeout=seconds, cap=seconds if given else None)


@pytest.fixture(scope="session")
def wait_policy(pytestconfig: pytest.Config) -> WaitPolicy:
    """Deadlines for waits: ``--wait-timeout`` / ``OAMCONF_WAIT_TIMEOUT``."""
    return wait_policy_of(pytestconfig)


def clock_of(config: pytest.Config) -> Clock:
    """Real time, unless an offline run installed a fake clock in the config stash."""
    return config.stash.get(CLOCK_KEY, SystemClock())


@pytest.fixture(scope="session")
def clock(pytestconfig: pytest.Config) -> Clock:
    """Real time, unless an offline run installed a fake clock in the config stash."""
    return clock_of(pytestconfig)
