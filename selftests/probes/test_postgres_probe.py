"""The PostgreSQL probe against a real server: what it reports, and how each failure reads."""

from __future__ import annotations

import contextlib
import re
import secrets
import socket
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from oamconf.errors import ProbeFailed
from oamconf.k8s.api import Endpoint
from oamconf.probes.postgres import probe_postgres
from probes.servers import PgTarget


def probe(target: PgTarget, **overrides: Any) -> Any:
    options: dict[str, Any] = {"user": target.user, "password": target.password, "database": target.database}
    options.update(overrides)
    endpoint = options.pop("endpoint", target.endpoint)
    return probe_postgres(endpoint, **options)


def test_a_reachable_server_reports_its_version_and_a_write_round_trip(
    pg_target: PgTarget, pg_database: psycopg.Connection[Any]
) -> None:
    """A healthy server reports ``PostgreSQL major.minor`` and accepts a write it can read back."""
    result = probe(pg_target)

    # The protocol's own version number, a second source for what the probe read with SHOW.
    number = pg_database.info.server_version
    assert result.server_version == f"PostgreSQL {number // 10000}.{number % 10000}"
    assert result.wrote_and_read is True
    ep = pg_target.endpoint
    assert result.dsn_redacted == f"postgresql://{pg_target.user}:***@{ep.host}:{ep.port}/{pg_target.database}"


def test_the_probe_leaves_no_table_behind(pg_target: PgTarget, pg_database: psycopg.Connection[Any]) -> None:
    """The write goes to a temporary table in a rolled-back transaction."""
    probe(pg_target)

    tables = pg_database.execute("SELECT count(*) FROM pg_class WHERE relname = 'oamconf_probe'").fetchone()
    assert tables == (0,)


def test_a_wrong_password_names_the_user_but_never_the_password(pg_target: PgTarget) -> None:
    """Authentication failures say whose password, and where to fix it, without echoing it."""
    wrong = f"wrong-{secrets.token_hex(6)}"

    with pytest.raises(ProbeFailed) as failure:
        probe(pg_target, password=wrong)

    message = str(failure.value)
    assert f'password authentication failed for user "{pg_target.user}"' in message
    assert "ComponentDefinition parameters / Secret" in message
    assert wrong not in message
    assert pg_target.password not in message


def test_a_missing_database_is_named_with_where_to_fix_it(pg_target: PgTarget) -> None:
    with pytest.raises(ProbeFailed, match=r'database "no_such_db_\w+" does not exist: check the database name'):
        probe(pg_target, database=f"no_such_db_{secrets.token_hex(4)}")


def test_a_read_only_database_fails_the_write_check(pg_target: PgTarget, pg_database: psycopg.Connection[Any]) -> None:
    """A standby, or a database defaulting to read-only, cannot pass: applications need writes."""
    pg_database.execute(f'ALTER DATABASE "{pg_target.database}" SET default_transaction_read_only = on')
    pg_database.commit()

    with pytest.raises(ProbeFailed, match=r"the server is read-only .*read-only transaction"):
        probe(pg_target)


def test_a_closed_port_says_nothing_listens(pg_target: PgTarget, refused_endpoint: Endpoint) -> None:
    with pytest.raises(ProbeFailed, match=f"connection refused: nothing listens on {refused_endpoint}"):
        probe(pg_target, endpoint=refused_endpoint)


def test_a_port_that_hangs_up_says_the_pod_behind_it_is_unreachable(postgres_hangup_endpoint: Endpoint) -> None:
    """Reset, or closed before or after the request, in or out of TLS: one fault, one text whatever the timing."""
    endpoint = postgres_hangup_endpoint
    with pytest.raises(ProbeFailed) as failure:
        probe_postgres(endpoint, user="app", password=secrets.token_hex(8), database="app", timeout=5)

    assert str(failure.value) == (
        f"PostgreSQL at postgresql://app:***@{endpoint}/app: the connection was closed before PostgreSQL "
        "answered: the port-forward is up but cannot reach the pod (restarting?), or the port is not PostgreSQL's"
    )


def test_a_server_that_never_answers_times_out_in_the_time_given(
    pg_target: PgTarget, silent_endpoint: Endpoint
) -> None:
    # 2 s is the least libpq waits for a connection.
    with pytest.raises(ProbeFailed, match=re.escape("no answer within 2s")):
        probe(pg_target, endpoint=silent_endpoint, timeout=2)


class _NotPostgres(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        # What a port-forward to the wrong container port (an HTTP metrics port) answers.
        self.request.recv(64)
        self.request.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")


@contextlib.contextmanager
def _http_on_two_addresses() -> Iterator[int]:
    """One port, served on 127.0.0.1 and 127.0.0.2, speaking HTTP instead of PostgreSQL."""
    with contextlib.ExitStack() as stack:
        first = stack.enter_context(socketserver.TCPServer(("127.0.0.1", 0), _NotPostgres))
        port = first.server_address[1]
        second = stack.enter_context(socketserver.TCPServer(("127.0.0.2", port), _NotPostgres))
        for server in (first, second):
            thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
            thread.start()
            stack.callback(thread.join)
            stack.callback(server.shutdown)
        yield port


def test_a_name_with_two_addresses_that_do_not_speak_postgres_fails_in_one_line(
    pg_target: PgTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    """psycopg tries each address of a name (a headless Service has one per pod) and reports each
    attempt on a line of its own; the probe's message is one line naming both."""
    name = "test-db-postgresql-hl.default.svc"
    resolve = socket.getaddrinfo

    def two_addresses(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return resolve(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (addr, int(port))) for addr in ("127.0.0.1", "127.0.0.2")]

    monkeypatch.setattr(socket, "getaddrinfo", two_addresses)
    with _http_on_two_addresses() as port, pytest.raises(ProbeFailed) as failure:
        probe(pg_target, endpoint=Endpoint(name, port))

    message = str(failure.value)
    assert len(message.splitlines()) == 1, message
    assert "Multiple connection attempts failed" in message
    assert "hostaddr: '127.0.0.1'" in message
    assert "hostaddr: '127.0.0.2'" in message
    assert "received invalid response to SSL negotiation" in message
