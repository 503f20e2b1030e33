"""Real database servers on loopback: Debian's PostgreSQL and redis-server, started as owned processes.

They stand behind the stand-in charts' pods in the local tier (``databases``). Each gets a free loopback port,
a data directory of its own (removed after it stops) and credentials as the container would get them. The
passwords go into files (mode 0600), never into an argument list that ``ps`` shows. PostgreSQL refuses to run
as root, so under root its binaries run as the ``postgres`` user through ``setpriv``, which executes them in
place: the pid the suite owns is the server's own.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import psycopg
import redis
from psycopg import sql

from oamconf.cluster.localcp.certs import LOOPBACK
from oamconf.cluster.localcp.ports import free
from oamconf.cluster.localcp.process import OwnedProcess, await_ready, start, stop
from oamconf.errors import ConformanceError, one_line
from oamconf.k8s.wait import Observation

POSTGRES_BIN: Final = Path("/usr/lib/postgresql/15/bin")  # Debian bookworm's postgresql-15
POSTGRES_USER: Final = "postgres"  # the OS user PostgreSQL runs as under root, and its superuser
READY_TIMEOUT: Final = 60.0
_INSTALL_HINT: Final = "install Debian's postgresql-15 and redis-server (apt-get install postgresql-15 redis-server)"


class DatabaseServerError(ConformanceError):
    """A real database server could not be prepared or started; the message says which and why."""


@dataclass(frozen=True)
class PostgresCredentials:
    """What the Bitnami image reads from its environment: the superuser's password, an optional user with its
    password, and an optional database owned by that user."""

    postgres_password: str | None
    username: str | None = None
    password: str | None = None
    database: str | None = None


@dataclass(frozen=True)
class RunningServer:
    """A started server: its process and the loopback port it listens on."""

    process: OwnedProcess
    port: int


@contextlib.contextmanager
def postgres(credentials: PostgresCredentials, workdir: Path) -> Iterator[RunningServer]:
    """A PostgreSQL initialised with *credentials*, serving on a free loopback port until the context ends.

    Raises:
        DatabaseServerError: the binaries or the ``postgres`` user are missing, or initdb or the setup failed.
        ProcessDied: the server exited while it was awaited.
    """
    initdb, server = POSTGRES_BIN / "initdb", POSTGRES_BIN / "postgres"
    if not (initdb.exists() and server.exists()):
        raise DatabaseServerError(f"no PostgreSQL at {POSTGRES_BIN}: {_INSTALL_HINT}")
    superuser_password = credentials.postgres_password or credentials.password
    if not superuser_password:
        raise DatabaseServerError("no password for PostgreSQL in the pod's environment (POSTGRES_*PASSWORD)")
    with _scratch(workdir, "postgresql") as folder:
        data, pwfile = folder / "data", folder / "pwfile"
        _private(pwfile, superuser_password)
        _init(initdb, data, pwfile, folder / "initdb.log")
        pwfile.unlink()
        port = free(None)
        argv = [*_as_postgres(), str(server), "-D", str(data), "-p", str(port), "-c", f"listen_addresses={LOOPBACK}",
                "-c", f"unix_socket_directories={folder}", "-c", "fsync=off"]  # fmt: skip
        process = start(
            "postgresql", argv, log=folder / "postgresql.log", ready=lambda: _pg_ready(port, folder, superuser_password)
        )
        try:
            await_ready(process, timeout=READY_TIMEOUT)
            _create_user_and_database(folder, port, superuser_password, credentials)
            yield RunningServer(process, port)
        finally:
            # SIGTERM is PostgreSQL's smart shutdown, which waits for every client; SIGINT is its fast one.
            _stopped(process, first=signal.SIGINT)


@contextlib.contextmanager
def redis_server(password: str | None, workdir: Path) -> Iterator[RunningServer]:
    """A redis-server requiring *password* (none when ``None``), on a free loopback port, no persistence.

    Raises:
        DatabaseServerError: redis-server is not installed.
        ProcessDied: it exited while it was awaited.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise DatabaseServerError(f"redis-server not found on PATH: {_INSTALL_HINT}")
    with _scratch(workdir, "redis") as folder:
        port = free(None)
        lines = [f"port {port}", f"bind {LOOPBACK}", f"dir {folder}", 'save ""', "appendonly no", "daemonize no"]
        if password is not None:
            lines.append(f"requirepass {_redis_quoted(password)}")
        config = folder / "redis.conf"
        _private(config, "\n".join(lines) + "\n")
        process = start("redis", [binary, str(config)], log=folder / "redis.log",
                        ready=lambda: _redis_ready(port, password))  # fmt: skip
        try:
            await_ready(process, timeout=READY_TIMEOUT)
            yield RunningServer(process, port)
        finally:
            _stopped(process)


def _init(initdb: Path, data: Path, pwfile: Path, log: Path) -> None:
    """initdb as the Bitnami image sets a cluster up: the superuser with a password, scram for TCP clients."""
    argv = [*_as_postgres(), str(initdb), "-D", str(data), f"--username={POSTGRES_USER}", f"--pwfile={pwfile}",
            "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "--encoding=UTF8", "--no-sync"]  # fmt: skip
    try:
        with log.open("wb") as out:
            code = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, timeout=READY_TIMEOUT, check=False)  # noqa: S603 - an argument list of our own
    except (OSError, subprocess.TimeoutExpired) as err:
        raise DatabaseServerError(f"initdb failed: {one_line(str(err))} (log: {log})") from err
    if code.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-5:]
        raise DatabaseServerError(f"initdb exited with code {code.returncode}: {one_line(' '.join(tail), 600)}")


def _create_user_and_database(socket_dir: Path, port: int, superuser_password: str, creds: PostgresCredentials) -> None:
    """POSTGRES_USER with its password, and POSTGRES_DATABASE owned by it, as the image's setup does."""
    owner = creds.username if creds.username and creds.username != POSTGRES_USER else None
    try:
        with psycopg.connect(host=str(socket_dir), port=port, user=POSTGRES_USER, password=superuser_password,
                             dbname="postgres", autocommit=True, connect_timeout=5) as conn:  # fmt: skip
            if owner:
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                        sql.Identifier(owner), sql.Literal(creds.password or "")
                    )
                )
            if creds.database and creds.database != "postgres":
                create = sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(creds.database), sql.Identifier(owner or POSTGRES_USER)
                )
                conn.execute(create)
    except psycopg.Error as err:
        raise DatabaseServerError(f"PostgreSQL setup (user, database) failed: {one_line(str(err))}") from err


def _pg_ready(port: int, socket_dir: Path, password: str) -> Observation:
    """Ready once the superuser logs in over the socket; "starting up" and a missing socket are pending."""
    try:
        psycopg.connect(host=str(socket_dir), port=port, user=POSTGRES_USER, password=password,
                        dbname="postgres", connect_timeout=2).close()  # fmt: skip
    except psycopg.OperationalError as err:
        return Observation.pending(one_line(str(err)))
    return Observation.succeeded("PostgreSQL accepts the superuser")


def _redis_ready(port: int, password: str | None) -> Observation:
    try:
        with redis.Redis(host=LOOPBACK, port=port, password=password, socket_timeout=2) as client:
            client.ping()
    except redis.RedisError as err:
        return Observation.pending(one_line(str(err)))
    return Observation.succeeded("Redis answers PING")


def _as_postgres() -> Sequence[str]:
    """The prefix that runs a PostgreSQL binary as the postgres user when the suite is root."""
    if os.geteuid() != 0:
        return ()
    try:
        pwd.getpwnam(POSTGRES_USER)
    except KeyError as err:
        raise DatabaseServerError(f"running as root and there is no {POSTGRES_USER} user: {_INSTALL_HINT}") from err
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise DatabaseServerError("setpriv (util-linux) not found: it runs PostgreSQL as the postgres user")
    return (setpriv, f"--reuid={POSTGRES_USER}", f"--regid={POSTGRES_USER}", "--init-groups", "--")


@contextlib.contextmanager
def _scratch(workdir: Path, name: str) -> Iterator[Path]:
    """A fresh folder for one server, removed afterwards. PostgreSQL's, under root, is the postgres user's and in
    the system's temporary folder: that user must reach it, and a run's own folders may be root's alone (pytest
    makes them 0700)."""
    as_postgres = name == "postgresql" and os.geteuid() == 0
    if not as_postgres:
        workdir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"oamconf-{name}-", dir=None if as_postgres else workdir))
    try:
        if as_postgres:
            entry = pwd.getpwnam(POSTGRES_USER)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _private(path: Path, text: str) -> None:
    """A file only its owner reads (postgres's, when the folder is postgres's)."""
    path.touch(mode=0o600)
    path.write_text(text, encoding="utf-8")
    if os.geteuid() == 0 and path.parent.stat().st_uid != 0:
        os.chown(path, path.parent.stat().st_uid, path.parent.stat().st_gid)


def _redis_quoted(value: str) -> str:
    """A redis.conf string argument: double-quoted, with backslash and quote escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _stopped(process: OwnedProcess, *, first: signal.Signals | None = None) -> None:
    """Stop by pid (``process.stop``), after *first* when the server has a quicker shutdown signal of its own."""
    if first is not None and process.exit_code() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, first)
    left = stop(process)
    if left is not None:
        raise DatabaseServerError(f"teardown: {left}")
