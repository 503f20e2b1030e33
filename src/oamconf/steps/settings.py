"""Run settings with defaults and bounds, from a command-line option or an environment variable.

As Argo CD's e2e reads ``ARGOCD_E2E_DEFAULT_TIMEOUT`` with bounds, each setting has a default,
limits, an option and a variable, and a bad value names both ways of setting it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from oamconf.errors import UsageError
from oamconf.k8s.wait import WaitPolicy


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


def wait_policy_from(config: pytest.Config) -> WaitPolicy:
    """The run's deadlines: ``--wait-timeout`` / ``OAMCONF_WAIT_TIMEOUT`` caps every wait when given.

    Raises:
        UsageError: the value is not a number of seconds within bounds.
    """
    seconds = WAIT_TIMEOUT.read(config)
    given = config.getoption("wait_timeout", None) is not None or bool(os.environ.get(WAIT_TIMEOUT.env))
    return WaitPolicy(timeout=seconds, cap=seconds if given else None)
