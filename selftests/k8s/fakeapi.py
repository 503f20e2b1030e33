"""Stand-ins for the real backend's self-tests: an API server, a ``kubectl``, and the fixtures built on them.

The API server is real HTTP on 127.0.0.1, so the official client builds and sends every request
exactly as it would to a cluster. It serves static discovery documents for a few kinds, records
every request, and answers others with whatever a test programmed (a 404 Status otherwise).
Started with an ``ssl.SSLContext`` it speaks HTTPS instead, and records the client certificate's name.

Objects a test changes while the suite watches them live in ``live`` (fakewatch.py), which also
serves their watch streams.

The fixtures at the end are shared by the ``test_kube_*`` modules, which bind them by name; the
stand-in ``kubectl`` is in fakekubectl.py.
"""

from __future__ import annotations

import functools
import json
import ssl
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final

import pytest

from k8s.fakewatch import LiveObjects
from oamconf.k8s.kube import KubeCluster
from oamconf.redact import Redactor

TOKEN: Final = "fake-token-0123456789"  # planted, so tests can see it masked
VERBS: Final = ["create", "delete", "get", "list", "patch", "update", "watch"]


def _resource(name: str, kind: str, *, namespaced: bool) -> dict[str, Any]:
    return {"name": name, "singularName": kind.lower(), "kind": kind, "namespaced": namespaced, "verbs": VERBS}


def _group(name: str, version: str) -> dict[str, Any]:
    entry = {"groupVersion": f"{name}/{version}", "version": version}
    return {"name": name, "versions": [entry], "preferredVersion": entry}


DISCOVERY: Final[dict[str, Any]] = {
    "/version": {"major": "1", "minor": "36", "gitVersion": "v1.36.1-fake", "platform": "linux/amd64"},
    "/api": {"kind": "APIVersions", "versions": ["v1"]},
    "/api/v1": {
        "kind": "APIResourceList",
        "groupVersion": "v1",
        "resources": [
            _resource("namespaces", "Namespace", namespaced=False),
            _resource("secrets", "Secret", namespaced=True),
            _resource("pods", "Pod", namespaced=True),
            {**_resource("pods/log", "Pod", namespaced=True), "verbs": ["get"]},
            _resource("events", "Event", namespaced=True),
            _resource("services", "Service", namespaced=True),
            {**_resource("componentstatuses", "ComponentStatus", namespaced=False), "verbs": ["get", "list"]},
        ],
    },
    "/apis": {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group("helm.crossplane.io", "v1beta1"), _group("core.oam.dev", "v1beta1")],
    },
    "/apis/helm.crossplane.io/v1beta1": {
        "kind": "APIResourceList",
        "groupVersion": "helm.crossplane.io/v1beta1",
        "resources": [_resource("releases", "Release", namespaced=False)],
    },
    "/apis/core.oam.dev/v1beta1": {
        "kind": "APIResourceList",
        "groupVersion": "core.oam.dev/v1beta1",
        "resources": [_resource("applications", "Application", namespaced=True)],
    },
}


def status_body(code: int, reason: str, message: str) -> dict[str, Any]:
    """A ``meta/v1 Status`` failure document, as the API server sends with error codes."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


@dataclass(frozen=True)
class Request:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    client_cert: str | None = None  # the common name of the TLS client certificate, if one was verified

    def json(self) -> Any:
        return json.loads(self.body)

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"


@dataclass
class FakeApiServer:
    """The server; ``start()`` binds a free loopback port, ``stop()`` shuts it down."""

    received: list[Request] = field(default_factory=list)
    live: LiveObjects = field(default_factory=LiveObjects)
    _replies: dict[tuple[str, str], Reply] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _http: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._http is not None, "server not started"
        host, port = self._http.server_address[:2]
        scheme = "https" if isinstance(self._http.socket, ssl.SSLSocket) else "http"
        return f"{scheme}://{host!s}:{port}"

    @property
    def port(self) -> int:
        assert self._http is not None, "server not started"
        return int(self._http.server_address[1])

    def answer(self, method: str, path: str, body: Any, *, status: int = 200) -> None:
        """Answer ``method path`` with a JSON document."""
        self._replies[method, path] = Reply(status, json.dumps(body).encode())

    def answer_text(self, method: str, path: str, text: str) -> None:
        self._replies[method, path] = Reply(200, text.encode(), "text/plain")

    def fail(self, method: str, path: str, code: int, reason: str, message: str) -> None:
        """Answer ``method path`` with an error Status."""
        self.answer(method, path, status_body(code, reason, message), status=code)

    def calls(self, path: str | None = None) -> list[Request]:
        """Requests other than discovery, optionally only those to *path*."""
        with self._lock:
            seen = list(self.received)
        return [r for r in seen if not _is_discovery(r) and (path is None or r.path == path)]

    def start(self, tls: ssl.SSLContext | None = None) -> None:
        """Listen on a free loopback port: plain HTTP, or HTTPS with *tls* (a server-side context)."""
        self._http = _Server(("127.0.0.1", 0), _handler_for(self))
        self._http.daemon_threads = True
        if tls is not None:
            # The handshake waits for the handler thread, so a client that rejects it cannot stall accept().
            self._http.socket = tls.wrap_socket(self._http.socket, server_side=True, do_handshake_on_connect=False)
        # A short poll interval: shutdown() waits for the loop to notice, once per test.
        loop = functools.partial(self._http.serve_forever, poll_interval=0.02)
        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def watches(self) -> list[Request]:
        """The watch requests received, in order."""
        return [r for r in self.calls() if r.param("watch") == "true"]

    def stop(self) -> None:
        self.live.close()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def respond(self, request: Request) -> Reply:
        self.record(request)
        if _is_discovery(request):
            return Reply(200, json.dumps(DISCOVERY[request.path.rstrip("/")]).encode())
        live, obj = self.live.current(request.path)
        if live and request.method == "GET":
            return Reply(200, json.dumps(obj).encode()) if obj is not None else _not_found(request)
        programmed = self._replies.get((request.method, request.path))
        if programmed is not None:
            return programmed
        return _not_found(request)

    def record(self, request: Request) -> None:
        with self._lock:
            self.received.append(request)


def _not_found(request: Request) -> Reply:
    return Reply(404, json.dumps(status_body(404, "NotFound", f"{request.path} not found")).encode())


def _is_discovery(request: Request) -> bool:
    # The generated VersionApi asks for "/version/"; the API server serves both spellings.
    return request.method == "GET" and request.path.rstrip("/") in DISCOVERY


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that rejects the certificate aborts the handshake: what TLS tests are about.
        if not isinstance(sys.exception(), OSError):
            super().handle_error(request, client_address)


def _client_cert(connection: Any) -> str | None:
    if not isinstance(connection, ssl.SSLSocket):
        return None
    # getpeercert()'s subject: relative distinguished names, each a tuple of (attribute, value) pairs.
    subject: Any = (connection.getpeercert() or {}).get("subject", ())
    return next((str(value) for rdn in subject for key, value in rdn if key == "commonName"), None)


def _handler_for(server: FakeApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def setup(self) -> None:
            if isinstance(self.request, ssl.SSLSocket):
                self.request.settimeout(5)
                self.request.do_handshake()
            super().setup()

        def _serve(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=url.path,
                query=urllib.parse.parse_qs(url.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
                client_cert=_client_cert(self.request),
            )
            if request.method == "GET" and request.param("watch") == "true":
                server.record(request)
                server.live.serve(request, self)
                return
            reply = server.respond(request)
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815 - http.server's names

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - overrides the base signature
            """Keep the test output quiet."""

    return Handler


def write_kubeconfig(path: Path, server: str, *, context: str = "fake", token: str = TOKEN) -> Path:
    """Write a kubeconfig with one cluster, one token user and one context pointing at *server*."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fake-cluster", "cluster": {"server": server}}],
        "users": [{"name": "fake-user", "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": "fake-cluster", "user": "fake-user"}}],
        "current-context": context,
    }
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


# -- fixtures shared by the test modules --------------------------------------------------------


@pytest.fixture
def api() -> Iterator[FakeApiServer]:
    server = FakeApiServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redactor() -> Redactor:
    return Redactor()


@pytest.fixture
def kubeconfig(api: FakeApiServer, tmp_path: Path) -> Path:
    return write_kubeconfig(tmp_path / "kubeconfig", api.url)


@pytest.fixture
def cluster(kubeconfig: Path, redactor: Redactor) -> Iterator[KubeCluster]:
    backend = KubeCluster.from_kubeconfig(kubeconfig, "fake", secrets=redactor)
    yield backend
    backend.close()
