"""Ports that hang up, each in one form, forced: what a client sees no longer depends on the scheduler.

A port-forward whose pod is gone accepts a connection and closes it. Left to timing, the client sees an
empty read, ``ECONNRESET`` or ``EPIPE``; each form below makes one of them happen every time, so each
probe's self-test shows that all of them give the same problem text.
"""

from __future__ import annotations

import contextlib
import enum
import select
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from typing import Final

import pytest

from oamconf.k8s.api import Endpoint

# Bounds the server's and the held client's waits, so a test that goes wrong fails instead of hanging.
_WAIT_SECONDS: Final = 5.0
_SSL_REQUEST: Final = struct.pack("!ii", 8, 80877103)  # PostgreSQL's SSLRequest packet


class HangUp(enum.Enum):
    """How the port hangs up on the client's request (after any `Prelude`)."""

    # The request arrives and is reset unread (SO_LINGER 0): the client's read fails with ECONNRESET.
    RESET = "reset"
    # Closed before the client writes: its write is answered by a reset, so it sees EPIPE or an empty read.
    CLOSED_BEFORE_READING = "closed-before-reading"
    # The request is read, then the connection closed: the client reads an EOF (an SSL EOF in a handshake).
    CLOSED_AFTER_READING = "closed-after-reading"


# A protocol step the port takes before it hangs up: it reads the client's first packet and returns the
# reply to send, or None when that packet was the request itself (hang up at once).
Prelude = Callable[[socket.socket], bytes | None]


def postgres_ssl_answer(reply: bytes) -> Prelude:
    """libpq's first packet is an SSLRequest: answer it (``N`` no TLS, ``S`` TLS); a startup packet is the request."""

    def prelude(conn: socket.socket) -> bytes | None:
        head = _read_exactly(conn, 8)
        if head == _SSL_REQUEST:
            return reply
        _read_exactly(conn, struct.unpack("!i", head[:4])[0] - 8)  # libpq's retry without TLS: read it all
        return None

    return prelude


@contextlib.contextmanager
def hanging_up(form: HangUp, monkeypatch: pytest.MonkeyPatch, *, prelude: Prelude | None = None) -> Iterator[Endpoint]:
    """A loopback port that hangs up on every connection in *form*.

    Without a prelude, CLOSED_BEFORE_READING holds each Python client in ``connect`` until the port has
    closed its connection (libpq, in C, cannot be held: give it a prelude, whose reply carries the FIN).
    """
    closed = threading.Semaphore(0)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        endpoint = Endpoint("127.0.0.1", listener.getsockname()[1])
        if form is HangUp.CLOSED_BEFORE_READING and prelude is None:
            _hold_clients(monkeypatch, endpoint, closed)
        thread = threading.Thread(target=_serve, args=(listener, form, prelude, closed), name="hanging_up", daemon=True)
        thread.start()
        try:
            yield endpoint
        finally:
            listener.shutdown(socket.SHUT_RDWR)  # wakes accept() with an error: the serving thread ends
            thread.join(_WAIT_SECONDS)


def _serve(listener: socket.socket, form: HangUp, prelude: Prelude | None, closed: threading.Semaphore) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            _hang_up(conn, form, prelude(conn) if prelude else b"")
        closed.release()


def _hang_up(conn: socket.socket, form: HangUp, reply: bytes | None) -> None:
    if reply is None:  # the prelude read the request: every form hangs up now
        return
    if form is HangUp.CLOSED_BEFORE_READING:
        # Corked, the reply leaves in one segment with the FIN: the client reads both before it writes again.
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
        conn.sendall(reply)
        conn.shutdown(socket.SHUT_WR)
        return
    conn.sendall(reply)
    select.select([conn], [], [], _WAIT_SECONDS)  # the request has arrived
    if form is HangUp.RESET:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    else:
        _drain(conn)


def _hold_clients(monkeypatch: pytest.MonkeyPatch, endpoint: Endpoint, closed: threading.Semaphore) -> None:
    """Each client socket connecting to *endpoint* returns from ``connect`` only once the port has closed it."""
    connect = socket.socket.connect

    def held(sock: socket.socket, address: object) -> None:
        connect(sock, address)  # type: ignore[arg-type]  # whatever the caller passed, unchanged
        if isinstance(address, tuple) and address[:2] == (endpoint.host, endpoint.port):
            assert closed.acquire(timeout=_WAIT_SECONDS), f"{endpoint} did not close the connection"

    monkeypatch.setattr(socket.socket, "connect", held)


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size and (chunk := conn.recv(size - len(data))):
        data += chunk
    return data


def _drain(conn: socket.socket) -> None:
    """Read what the client sent, so the close is a FIN and not a reset for unread data."""
    conn.settimeout(0)  # non-blocking: read only what has arrived
    with contextlib.suppress(BlockingIOError):
        while conn.recv(65536):
            pass
