"""The database charts, played against real servers: a scenario's Services lead to a real PostgreSQL and a real
Redis, and these set their passwords from the credentials Secret a step applies, as the Bitnami charts do from
``existingSecret`` at first start. A fault installs with another password (as a PVC kept from an earlier install
would), so the step sees a real server refuse it.

The inner pytest run is in-process: ``Charts`` is passed to it as a plugin object, and hooks itself into the
in-memory cluster's ``on_apply`` when the session starts.
"""

from __future__ import annotations

import base64
import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
import redis
from psycopg import sql

from oamconf.k8s.api import KubeObject
from oamconf.k8s.memory import MemoryCluster
from oamconf.steps.context import run_of

# The PostgreSQL Applications of the fixtures, by the credentials Secret each names: (user, database).
DATABASES = {
    "test-postgres-only-credentials": ("testuser", "testdb"),  # platform/apps/test-postgres-only.yaml
    "podinfo-db-credentials": ("podinfo", "podinfo"),  # platform/e2e/podinfo-db.yaml
}
WRITER = "db-writer"  # platform/e2e/db-writer-job.yaml: the Job inside the vCluster


@dataclass
class Charts:
    """Where the real servers are, and what each chart does when its credentials Secret is applied."""

    pg_admin: dict[str, Any] = field(repr=False)
    redis_port: int
    redis_password: str = field(repr=False)
    wrong_password: bool = False  # install with another password than the Secret's (a kept PVC)
    passwords: set[str] = field(default_factory=set, repr=False)  # every password a step generated

    @property
    def endpoints(self) -> tuple[str, ...]:
        """``--endpoint`` options binding the scenario's Services to the servers."""
        return (
            "--endpoint", f"postgresql={self.pg_admin['host']}:{self.pg_admin['port']}",
            "--endpoint", f"redis=127.0.0.1:{self.redis_port}",
        )  # fmt: skip

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """In the inner run: play the charts on the scenario's in-memory cluster, and the db-writer Job's
        effect inside its vClusters (the Job writes its row into the real database)."""
        cluster = run_of(session.config).offline
        if isinstance(cluster, MemoryCluster):
            cluster.on_apply(self.on_apply)
            for inner in cluster.vclusters.values():
                inner.on_apply(self.on_apply_inside)

    def on_apply_inside(self, obj: KubeObject) -> None:
        if (obj.ref.kind, obj.ref.name) != ("Job", WRITER):
            return
        args = obj.field("spec.template.spec.containers")[0]["args"]
        marker = args[-1].split("VALUES ('")[1].split("'")[0]
        with psycopg.connect(**{**self.pg_admin, "dbname": "podinfo"}, autocommit=True) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS conformance_e2e (marker text PRIMARY KEY)")
            conn.execute("ALTER TABLE conformance_e2e OWNER TO podinfo")
            conn.execute("INSERT INTO conformance_e2e (marker) VALUES (%s)", (marker,))

    def on_apply(self, obj: KubeObject) -> None:
        if (obj.ref.kind, obj.ref.api_version) != ("Secret", "v1"):
            return
        data = obj.field("data") or {}
        for value in data.values():  # postgres-password too: every generated password must stay masked
            self.passwords.add(base64.b64decode(value).decode())
        database = DATABASES.get(obj.ref.name)
        if database is not None and "password" in data:
            self._install_postgresql(database[0], self._password(data["password"]))
        if "redis-password" in data:
            self._install_redis(self._password(data["redis-password"]))

    def _password(self, encoded: str) -> str:
        given = base64.b64decode(encoded).decode()
        self.passwords.add(given)
        return secrets.token_urlsafe(12) if self.wrong_password else given

    def _install_postgresql(self, user: str, password: str) -> None:
        with psycopg.connect(**self.pg_admin, autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(user), sql.Literal(password)))

    def _install_redis(self, password: str) -> None:
        client = redis.Redis(port=self.redis_port, password=self.redis_password)
        with contextlib.closing(client):
            client.config_set("requirepass", password)
        self.redis_password = password


@contextlib.contextmanager
def playing(pg_server: Any, redis_proc: Any, redis_password: str, *, wrong_password: bool = False) -> Iterator[Charts]:
    """The fixtures' database roles owning their databases on *pg_server*, and *redis_proc*, for one inner
    run; the roles and databases are dropped and Redis's password restored afterwards."""
    admin: dict[str, Any] = {
        "host": str(pg_server.host),
        "port": int(pg_server.port),
        "user": str(pg_server.user),
        "password": str(pg_server.password),
        "dbname": "postgres",
    }
    with psycopg.connect(**admin, autocommit=True) as conn:
        for user, database in DATABASES.values():
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(user)))
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(user)))
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(user)))
    charts = Charts(admin, int(redis_proc.port), redis_password, wrong_password=wrong_password)
    try:
        yield charts
    finally:
        charts._install_redis(redis_password)
        with psycopg.connect(**admin, autocommit=True) as conn:
            for user, database in DATABASES.values():
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(user)))
