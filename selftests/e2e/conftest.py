"""Fixtures of the offline phase runs: the database charts played against real servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from argoworld import ArgoWorld, serve_world
from charts import Charts, playing
from probes.servers import REDIS_PASSWORD


@pytest.fixture
def charts(pg_server: Any, redis_proc_with_password: Any) -> Iterator[Charts]:
    """Real PostgreSQL and Redis behind the scenario's database Services, passwords set as the charts would."""
    with playing(pg_server, redis_proc_with_password, REDIS_PASSWORD) as played:
        yield played


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ArgoWorld]:
    """The vCluster's API and Argo CD's API as real HTTPS servers, and what the scenario must carry for them."""
    yield from serve_world(tmp_path)
