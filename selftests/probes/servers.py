"""Test servers that are not fixtures, so tests and fixtures can share the types by import."""

from __future__ import annotations

import contextlib
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from oamconf.k8s.api import Endpoint

# One per run, shared by the password-protected Redis fixture and the tests that use it.
REDIS_PASSWORD: Final = secrets.token_urlsafe(16)


@dataclass(frozen=True)
class PgTarget:
    """Where and as whom the probe connects, for one test's own database."""

    endpoint: Endpoint
    user: str
    password: str = field(repr=False)
    database: str


@contextlib.contextmanager
def refusing_port() -> Iterator[Endpoint]:
    """A loopback port that refuses connections: bound but not listening, so no other test can take it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield Endpoint("127.0.0.1", sock.getsockname()[1])


@contextlib.contextmanager
def silent_port() -> Iterator[Endpoint]:
    """A port that accepts connections (in the kernel's backlog) and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield Endpoint("127.0.0.1", sock.getsockname()[1])
