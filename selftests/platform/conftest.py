"""Shared, slow-to-build inputs of the platform self-tests: loaded once per session."""

from __future__ import annotations

import pytest

from engine_world import Reconciled, reconcile
from oamconf.cluster import gobuild
from oamconf.platform.loading import Platform
from oamconf.platform.versions import Versions, load_versions
from oamconf.testkit.certs import make_ca
from oamconf.testkit.validate import load_platform
from oamconf.testkit.xrender import Function
from pinned import require_schemas


@pytest.fixture(scope="session")
def versions() -> Versions:
    return load_versions()


@pytest.fixture(scope="session")
def platform(engines: dict[str, gobuild.Built]) -> Platform:
    """Every fixture file, with the ComponentDefinitions rendered by KubeVela's own engine."""
    return load_platform(vela=engines["vela"])


@pytest.fixture(scope="session")
def reconciled(engines: dict[str, gobuild.Built], patch_and_transform: Function) -> Reconciled:
    """The fixture Composition for vc1, reconciled twice by Crossplane's render (see engine_world)."""
    return reconcile(engines, patch_and_transform, make_ca("vcluster-ca"))


@pytest.fixture
def release_schemas(versions: Versions) -> None:
    """provider-helm's Release CRD and the PostgreSQL chart's values schema, which the Release checks use."""
    require_schemas(versions, "provider-helm", "postgresql")
