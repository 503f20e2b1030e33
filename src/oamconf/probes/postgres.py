"""PostgreSQL probe: connect, read the version, and prove the server accepts writes.

The write goes to a TEMP table inside a transaction that is rolled back, so the probe leaves
nothing behind, yet fails on a read-only server (a standby, or ``default_transaction_read_only``)
exactly as an application's first write would.
"""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass
from typing import Final

import psycopg
from psycopg.rows import TupleRow

from oamconf.errors import ProbeFailed, one_line
from oamconf.k8s.api import Endpoint
from oamconf.probes.hangup import closed_before
from oamconf.redact import MASK, scrub

# libpq counts connect_timeout in whole seconds and treats anything below 2 as 2.
_MIN_CONNECT_TIMEOUT: Final = 2
_AUTH_HINT: Final = "check the password in the ComponentDefinition parameters / Secret"

# What libpq or the server says, and what the report says instead; the first match wins.
# {server} is the server's own sentence (``database "x" does not exist``).
_KNOWN_FAILURES: Final = (
    (
        re.compile("timeout expired"),
        (
            "no answer within {timeout:g}s: the port-forward or Service reaches no running PostgreSQL "
            "(pod not Ready, wrong port, NetworkPolicy?)"
        ),
    ),
    (
        re.compile("password authentication failed"),
        'password authentication failed for user "{user}": ' + _AUTH_HINT,
    ),
    (
        re.compile("no password supplied"),
        'the server wants a password for user "{user}" and none was given: ' + _AUTH_HINT,
    ),
    (
        re.compile(r'database ".*" does not exist'),
        (
            "{server}: check the database name in the ComponentDefinition parameters (the chart's "
            "auth.database); the chart creates it only when its volume is empty"
        ),
    ),
    (
        re.compile("no pg_hba.conf entry"),
        "{server}: the server's pg_hba.conf admits no such client",
    ),
    (
        re.compile("Connection refused"),
        (
            "connection refused: nothing listens on {endpoint}; is the port-forward running and the "
            "PostgreSQL pod Ready?"
        ),
    ),
    (
        # libpq's words for an empty read, a reset or a broken pipe (fe-secure.c), and for the same
        # hang-up during the TLS handshake (fe-secure-openssl.c): one fault, seen at different moments.
        re.compile(
            "closed the connection unexpectedly|SSL SYSCALL error: (?:EOF detected|Connection reset|Broken pipe)"
            "|SSL error: unexpected eof|SSL connection has been closed unexpectedly"
            "|Connection reset by peer|Broken pipe|Software caused connection abort"
        ),
        closed_before("PostgreSQL"),
    ),
    (
        re.compile("read-only transaction"),
        "the server is read-only ({server}): point the probe at the primary's Service, not a replica",
    ),
)


@dataclass(frozen=True)
class PostgresProbe:
    """What the probe saw: ``PostgreSQL 15.18``, where (password masked), and the write round trip."""

    server_version: str
    dsn_redacted: str
    wrote_and_read: bool


def redacted_dsn(endpoint: Endpoint, *, user: str, database: str) -> str:
    """``postgresql://user:***@host:port/db``: the connection string as it may appear in a report."""
    host = f"[{endpoint.host}]" if ":" in endpoint.host else endpoint.host
    return f"postgresql://{user}:{MASK}@{host}:{endpoint.port}/{database}"


def probe_postgres(
    endpoint: Endpoint, *, user: str, password: str, database: str, timeout: float = 10.0
) -> PostgresProbe:
    """Connect as *user* to *database*, read the server version and write and read back one row.

    Parameters:
        timeout: bounds the connection (libpq rounds it up to whole seconds, at least 2) and,
            as ``statement_timeout``, each statement.

    Raises:
        ProbeFailed: with what failed and the likely fix; the password never appears in it.
    """
    dsn = redacted_dsn(endpoint, user=user, database=database)
    try:
        # The write below runs in its own explicit, rolled-back transaction.
        with _connect(endpoint, user=user, password=password, database=database, timeout=timeout) as conn:
            version = _server_version(conn)
            _write_round_trip(conn, dsn)
    except psycopg.Error as err:
        failure = _explain(err, dsn=dsn, endpoint=endpoint, user=user, password=password, timeout=timeout)
        raise failure from err
    return PostgresProbe(server_version=version, dsn_redacted=dsn, wrote_and_read=True)


def _server_version(conn: psycopg.Connection[TupleRow]) -> str:
    row = conn.execute("SHOW server_version").fetchone()
    # "15.18 (Debian 15.18-0+deb12u1)": the packager's suffix is noise in a report.
    number = str(row[0]).split()[0] if row else "unknown"
    return f"PostgreSQL {number}"


def _write_round_trip(conn: psycopg.Connection[TupleRow], dsn: str) -> None:
    token = secrets.token_hex(8)
    with conn.transaction(force_rollback=True), conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE oamconf_probe (token text NOT NULL) ON COMMIT DROP")
        cur.execute("INSERT INTO oamconf_probe (token) VALUES (%s)", (token,))
        row = cur.execute("SELECT token FROM oamconf_probe").fetchone()
    if row is None or row[0] != token:
        raise ProbeFailed(f"PostgreSQL at {dsn}: wrote {token!r} to a temporary table, read back {row!r}")


def _explain(
    err: psycopg.Error, *, dsn: str, endpoint: Endpoint, user: str, password: str, timeout: float
) -> ProbeFailed:
    """Turn a psycopg error into one line: what failed, and what to check."""
    text = one_line(scrub(str(err), password), limit=1000)  # psycopg lists every address it tried
    for pattern, template in _KNOWN_FAILURES:
        if pattern.search(text):
            detail = template.format(user=user, endpoint=endpoint, timeout=timeout, server=_server_line(text))
            return ProbeFailed(f"PostgreSQL at {dsn}: {detail}")
    return ProbeFailed(f"PostgreSQL at {dsn}: {text}")


def _server_line(text: str) -> str:
    """``database "x" does not exist`` from libpq's ``connection failed: ... FATAL:  database ...``."""
    return text.rpartition("FATAL:")[2].strip() or text


def read_marker(
    endpoint: Endpoint, *, user: str, password: str, database: str, marker: str, timeout: float = 10.0
) -> bool:
    """Whether the row a workload wrote (``conformance_e2e``, column ``marker``) is in the database.

    Raises:
        ProbeFailed: the database cannot be reached or read; the password never appears in it.
    """
    dsn = redacted_dsn(endpoint, user=user, database=database)
    try:
        with _connect(endpoint, user=user, password=password, database=database, timeout=timeout) as conn:
            row = conn.execute("SELECT 1 FROM conformance_e2e WHERE marker = %s", (marker,)).fetchone()
    except psycopg.Error as err:
        raise _explain(err, dsn=dsn, endpoint=endpoint, user=user, password=password, timeout=timeout) from err
    return row is not None


def _connect(
    endpoint: Endpoint, *, user: str, password: str, database: str, timeout: float
) -> psycopg.Connection[TupleRow]:
    """An autocommit connection whose connection and each statement are bounded by *timeout*."""
    return psycopg.connect(
        host=endpoint.host,
        port=endpoint.port,
        user=user,
        password=password,
        dbname=database,
        connect_timeout=max(_MIN_CONNECT_TIMEOUT, math.ceil(timeout)),
        options=f"-c statement_timeout={math.ceil(timeout * 1000)}",
        autocommit=True,
    )
