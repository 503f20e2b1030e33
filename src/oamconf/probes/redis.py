"""Redis probe: read the server version and round-trip one key, as an application would.

The key is unique per probe and carries a TTL, so a probe that dies half-way leaves nothing
that outlives a minute. RESP2 is used because every Redis and Valkey speaks it; RESP3 would
turn a missing password into a message about ``HELLO`` instead of ``NOAUTH``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import redis
from redis import exceptions as redis_errors
from redis.backoff import NoBackoff
from redis.retry import Retry

from oamconf.errors import ProbeFailed, one_line
from oamconf.k8s.api import Endpoint
from oamconf.probes.hangup import closed_before, hung_up
from oamconf.redact import scrub

_KEY_TTL_SECONDS: Final = 60
_AUTH_HINT: Final = "check the password in the ComponentDefinition parameters / the chart Secret's redis-password key"


@dataclass(frozen=True)
class RedisProbe:
    """What the probe saw: ``Redis 7.0.15`` (or ``Valkey 8.1.1``) and the SET/GET/DEL round trip."""

    server_version: str
    round_trip: bool


def probe_redis(endpoint: Endpoint, *, password: str | None = None, timeout: float = 5.0) -> RedisProbe:
    """Connect (authenticating when *password* is given), read ``INFO server``, PING, SET with expiry/GET/DEL one key.

    Parameters:
        timeout: bounds the connection and each command, in seconds.

    Raises:
        ProbeFailed: with what failed and the likely fix; the password never appears in it.
    """
    client = redis.Redis(
        host=endpoint.host,
        port=endpoint.port,
        password=password,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        protocol=2,
        decode_responses=True,
        # redis-py retries with backoff by default; a probe reports the first failure, and the
        # waits above it decide whether to try again.
        retry=Retry(NoBackoff(), 0),
    )
    try:
        version = _server_version(client.info("server"))
        _round_trip(client, endpoint)
    except redis_errors.RedisError as err:
        raise _explain(err, endpoint=endpoint, password=password, timeout=timeout) from err
    finally:
        client.close()
    return RedisProbe(server_version=version, round_trip=True)


def _server_version(info: Mapping[str, Any]) -> str:
    # Valkey keeps redis_version at the Redis release it is compatible with; its own is valkey_version.
    if "valkey_version" in info:
        return f"Valkey {info['valkey_version']}"
    return f"Redis {info.get('redis_version', 'unknown')}"


def _round_trip(client: redis.Redis, endpoint: Endpoint) -> None:
    if client.ping() is not True:
        raise ProbeFailed(f"Redis at {endpoint}: PING did not answer PONG")
    key = f"oamconf:probe:{secrets.token_hex(8)}"
    value = secrets.token_hex(8)
    client.set(key, value, ex=_KEY_TTL_SECONDS)
    read = client.get(key)
    deleted = client.delete(key)
    if read != value or deleted != 1:
        raise ProbeFailed(
            f"Redis at {endpoint}: SET {key} {value!r} then GET returned {read!r} and DEL removed {deleted} keys"
        )


def _explain(err: redis_errors.RedisError, *, endpoint: Endpoint, password: str | None, timeout: float) -> ProbeFailed:
    """Turn a redis-py error into one line: what failed, and what to check."""
    # A server or proxy may put line breaks (a bare CR too) in an error; a report line is one line.
    text = one_line(scrub(str(err), password), limit=1000)
    where = f"Redis at {endpoint}"
    if isinstance(err, redis_errors.AuthenticationError) or "NOAUTH" in text:
        return ProbeFailed(f"{where}: {_auth_failure(text, password=password)}")
    if isinstance(err, redis_errors.ReadOnlyError):
        return ProbeFailed(
            f"{where}: the server is a read-only replica ({text}): point the probe at the <fullname>-master Service"
        )
    if isinstance(err, redis_errors.TimeoutError):
        return ProbeFailed(
            f"{where}: no answer within {timeout:g}s: the port-forward or Service reaches no running Redis "
            "(pod not Ready, wrong port, NetworkPolicy?)"
        )
    if "Connection refused" in text:
        return ProbeFailed(
            f"{where}: connection refused: nothing listens on {endpoint}; "
            "is the port-forward running and the Redis pod Ready?"
        )
    # redis-py says "Connection closed by server." for an empty read; a reset or a broken pipe is the
    # same hang-up seen at another moment (hangup.py).
    if "Connection closed by server" in text or (isinstance(err, redis_errors.ConnectionError) and hung_up(err)):
        return ProbeFailed(f"{where}: {closed_before('Redis')}")
    return ProbeFailed(f"{where}: {text}")


def _auth_failure(text: str, *, password: str | None) -> str:
    if password is None:
        return f"the server requires a password (NOAUTH: {text}) and none was given: {_AUTH_HINT}"
    if "without any password configured" in text:
        return (
            "a password was given but the server has none set: auth is off in the chart "
            "(auth.enabled: false), or the probe was pointed at the wrong Redis"
        )
    return f"the server rejected the password (WRONGPASS: {text}): {_AUTH_HINT}"
