"""Real servers for the probe self-tests: a database per test on the shared PostgreSQL server
(``pg_server`` in selftests/conftest.py), and sockets that refuse, never answer, or hang up (in each
form, hangups.py), standing in for a port-forward with no healthy pod behind it. These tests are never
skipped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from pytest_postgresql import factories as pg_factories

from oamconf.k8s.api import Endpoint
from probes.hangups import HangUp, hanging_up, postgres_ssl_answer
from probes.servers import PgTarget, refusing_port, silent_port

# A fresh database per test, created from the server's template and dropped afterwards.
pg_database = pg_factories.postgresql("pg_server")


@pytest.fixture
def pg_target(pg_server: Any, pg_database: psycopg.Connection[Any]) -> PgTarget:
    return PgTarget(
        endpoint=Endpoint(str(pg_server.host), int(pg_server.port)),
        user=str(pg_server.user),
        password=str(pg_server.password),
        database=pg_database.info.dbname,
    )


@pytest.fixture
def refused_endpoint() -> Iterator[Endpoint]:
    """A loopback port that refuses connections."""
    with refusing_port() as endpoint:
        yield endpoint


@pytest.fixture
def silent_endpoint() -> Iterator[Endpoint]:
    """A loopback port that accepts connections and never says a word."""
    with silent_port() as endpoint:
        yield endpoint


@pytest.fixture(params=list(HangUp), ids=lambda form: form.value)
def hangup_endpoint(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Endpoint]:
    """A loopback port that hangs up on each connection: one test per form, each forced."""
    with hanging_up(request.param, monkeypatch) as endpoint:
        yield endpoint


@pytest.fixture(
    params=[(form, answer) for form in HangUp for answer in (b"N", b"S")],
    ids=lambda param: f"{param[0].value}-{'tls' if param[1] == b'S' else 'plain'}",
)
def postgres_hangup_endpoint(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Endpoint]:
    """A port that answers libpq's SSLRequest (no TLS, or TLS), then hangs up on the next packet in each form."""
    form, answer = request.param
    with hanging_up(form, monkeypatch, prelude=postgres_ssl_answer(answer)) as endpoint:
        yield endpoint
