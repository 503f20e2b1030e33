"""Whether the pinned schemas a check validates against are available on this machine."""

from __future__ import annotations

import pytest

from oamconf.platform.versions import Versions
from oamconf.testkit.schema_sources import resolve, schema_sources, shared_folder


def require_schemas(versions: Versions, *components: str) -> None:
    """Report the calling check as not run (skipped, with the reason) unless the pinned schemas of
    *components* are available here: a validation against no schema would pass without checking anything."""
    sources = {source.component: source for source in schema_sources(versions)}
    missing = [found.origin for name in components if (found := resolve(sources[name], shared_folder())).folder is None]
    if missing:
        pytest.skip("; ".join(missing))
