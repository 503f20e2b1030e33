"""Watches for the stand-in API server (fakeapi.py): objects a test keeps *live*, and their event streams.

A live object has a history: every ``store`` and ``remove`` is an event with a new resourceVersion, as
etcd would number it. ``GET <item>`` answers its current state (404 while it does not exist), and
``GET <collection>?watch=true&fieldSelector=metadata.name=<name>`` streams its events the way the API
server does: chunked newline-delimited JSON, from ``resourceVersion`` on (without one: its current state
first, as ``ADDED``), until ``timeoutSeconds`` pass. A version older than ``compacted`` gets an ``ERROR``
event with a 410 Status. ``window`` closes every stream sooner, as API servers close watches at random.

Watches are refused with a Status like a real server's refusals: always for the kinds in ``refusals``
(``releases``: 405, as for a kind without the ``watch`` verb), and with 405 for an object no test made
live, so the tests written for polling, on a fake clock, never block on a real-time stream.
"""

from __future__ import annotations

import copy
import json
import math
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Final, Protocol

STATUS_REASONS: Final = {403: "Forbidden", 405: "MethodNotAllowed", 410: "Expired", 500: "InternalError"}


class WatchRequest(Protocol):
    @property
    def path(self) -> str: ...

    def param(self, name: str) -> str | None: ...


@dataclass(frozen=True)
class _Event:
    version: int
    path: str
    type: str
    obj: dict[str, Any]


@dataclass
class LiveObjects:
    """The objects a test changes while the suite watches them, by item path."""

    refusals: dict[str, int] = field(default_factory=lambda: {"releases": 405})  # resource name -> status
    window: float | None = None
    compacted: int = 0
    _objects: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    _events: list[_Event] = field(default_factory=list)
    _version: int = 100
    _closed: bool = False
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def track(self, path: str) -> None:
        """Serve *path* from here: absent (404) until ``store``d, and watchable."""
        with self._changed:
            self._objects.setdefault(path, None)

    def store(self, path: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Create or replace the object at *path*; returns it with its new resourceVersion."""
        with self._changed:
            kind = "ADDED" if self._objects.get(path) is None else "MODIFIED"
            stored = self._record(path, kind, copy.deepcopy(obj))
            self._objects[path] = stored
            return copy.deepcopy(stored)

    def set_status(self, path: str, status: dict[str, Any]) -> dict[str, Any]:
        """What a controller does: replace the stored object's status."""
        with self._changed:
            current = self._objects.get(path)
        assert current is not None, f"{path} is not stored"
        return self.store(path, {**current, "status": status})

    def remove(self, path: str) -> None:
        with self._changed:
            gone = self._objects.get(path)
            if gone is not None:
                self._record(path, "DELETED", gone)
                self._objects[path] = None

    def current(self, path: str) -> tuple[bool, dict[str, Any] | None]:
        """Whether *path* is live, and its object (``None``: it does not exist now)."""
        with self._changed:
            return path in self._objects, copy.deepcopy(self._objects.get(path))

    def close(self) -> None:
        """End every open stream (the server is stopping)."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def serve(self, request: WatchRequest, handler: BaseHTTPRequestHandler) -> None:
        """Answer a watch request on *handler*'s connection: a refusal, or the stream until it ends."""
        collection = request.path.rstrip("/")
        name = (request.param("fieldSelector") or "").removeprefix("metadata.name=")
        path = f"{collection}/{name}"
        refused = self.refusals.get(collection.rsplit("/", 1)[-1])
        if refused is None and not self.current(path)[0]:
            refused = 405
        if refused is not None:
            _send_status(handler, refused, f"watch {collection} is not allowed here")
            return
        seconds = float(request.param("timeoutSeconds") or 1800)
        ends = time.monotonic() + min(seconds, self.window or math.inf)
        _start_stream(handler)
        try:
            self._stream(path, request.param("resourceVersion"), ends, handler)
            handler.wfile.write(b"0\r\n\r\n")
        except OSError:
            return  # the client went away (it stops reading when its wait is over)

    def _record(self, path: str, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        self._version += 1
        obj.setdefault("metadata", {})["resourceVersion"] = str(self._version)
        self._events.append(_Event(self._version, path, kind, copy.deepcopy(obj)))
        self._changed.notify_all()
        return obj

    def _stream(self, path: str, since: str | None, ends: float, handler: BaseHTTPRequestHandler) -> None:
        with self._changed:
            if since is not None and int(since) < self.compacted:
                status = _status(410, f"too old resource version: {since} ({self.compacted})")
                _send_chunk(handler, {"type": "ERROR", "object": status})
                return
            cursor = self._version if since is None else int(since)
            first = self._objects.get(path) if since is None else None
        if first is not None:
            _send_chunk(handler, {"type": "ADDED", "object": first})
        while (left := ends - time.monotonic()) > 0 and not _client_gone(handler.connection):
            with self._changed:
                pending = [e for e in self._events if e.path == path and e.version > cursor]
                if not pending and not self._closed:
                    self._changed.wait(min(left, 0.2))  # wake now and then to notice a client that left
                    continue
            if self._closed:
                return
            for event in pending:
                _send_chunk(handler, {"type": event.type, "object": event.obj})
                cursor = event.version


def _status(code: int, message: str) -> dict[str, Any]:
    reason = STATUS_REASONS.get(code, "Error")
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def _send_status(handler: BaseHTTPRequestHandler, code: int, message: str) -> None:
    body = json.dumps(_status(code, message)).encode()
    handler.send_response(code)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _start_stream(handler: BaseHTTPRequestHandler) -> None:
    # Chunked, as the API server streams: a client reads each event as it comes, not at the end.
    # HTTP/1.1 only for this answer (chunks need it); the connection closes with the stream.
    handler.protocol_version = "HTTP/1.1"
    handler.close_connection = True
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.send_header("Connection", "close")
    handler.end_headers()


def _send_chunk(handler: BaseHTTPRequestHandler, event: dict[str, Any]) -> None:
    line = json.dumps(event).encode() + b"\n"
    handler.wfile.write(f"{len(line):X}\r\n".encode() + line + b"\r\n")


def _client_gone(connection: socket.socket) -> bool:
    """Whether the client closed its end: the socket reads as ready, with nothing to read."""
    readable, _, _ = select.select([connection], [], [], 0)
    if not readable:
        return False
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except ValueError:  # a TLS socket cannot peek: assume the client is still there
        return False
    except OSError:
        return True
