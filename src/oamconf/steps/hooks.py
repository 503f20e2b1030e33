"""Hook specifications a conftest may implement (typed, as pytest-xdist declares its own)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from oamconf.steps.model import Phase


@pytest.hookspec(firstresult=True)
def pytest_oamconf_phases(config: pytest.Config) -> Sequence[Phase] | None:
    """Return the phases (titles and dependencies) when they differ from the manual report's.

    The default is ``oamconf.steps.model.REFERENCE_PHASES``.
    """
