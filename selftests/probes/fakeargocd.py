"""A stand-in argocd-server: real HTTPS with a certificate made as Argo CD makes its own, and the REST calls
the probe uses, answered as Argo CD 3.4.4's grpc-gateway answers them (server/session, server/cluster,
server/version; util/settings/settings.go for the certificate)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import secrets
import ssl
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from oamconf.k8s.api import Endpoint
from oamconf.testkit.certs import CertPair

VERSION: Final = "v3.4.4+c2bd9a5"
ATTEMPTED_AT: Final = "2026-05-10T12:00:00Z"
_UNAUTHENTICATED: Final = 16  # gRPC codes.Unauthenticated


def argocd_certificate(namespace: str = "argocd") -> CertPair:
    """A certificate as argocd-server generates on first start: self-signed, not a CA, for these hosts.

    (Argo CD uses RSA 2048; an EC key makes the same checks, faster.)
    """
    hosts = ["localhost", "argocd-server", f"argocd-server.{namespace}", f"argocd-server.{namespace}.svc"]
    hosts.append(f"argocd-server.{namespace}.svc.cluster.local")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Argo CD")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return CertPair(cert.public_bytes(serialization.Encoding.PEM), key_pem)


def cluster_item(
    server: str, name: str, *, status: str = "", message: str = "", applications: int = 0, version: str = ""
) -> dict[str, Any]:
    """One item of ``GET /api/v1/clusters`` as Argo CD 3.4.4 writes it: the config sanitized, the connection
    state in ``info`` and copied to the legacy top-level fields (server/cluster/cluster.go toAPIResponse)."""
    state = {"status": status, "message": message, "attemptedAt": ATTEMPTED_AT if status else None}
    info: dict[str, Any] = {"connectionState": state, "cacheInfo": {}, "applicationsCount": applications}
    if version:
        info["serverVersion"] = version
        info["cacheInfo"] = {"resourcesCount": 120, "apisCount": 52, "lastCacheSyncTime": ATTEMPTED_AT}
    legacy = {"connectionState": state, "serverVersion": version} if version else {"connectionState": state}
    return {"server": server, "name": name, "config": {"tlsClientConfig": {"insecure": False}}, **legacy, "info": info}


def grpc_error(code: int, message: str) -> dict[str, Any]:
    """grpc-gateway v1's error body."""
    return {"error": message, "code": code, "message": message}


@dataclass
class FakeArgoCd:
    """argocd-server with one account, ``admin``; ``serve()`` listens on a free loopback port."""

    cert: CertPair
    password: str = field(repr=False)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    tls: bool = True  # False: plain HTTP, as argocd-server with --insecure (server.insecure: true)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)  # method, path, lower-case headers
    server_names: list[str] = field(default_factory=list)  # SNI of each handshake
    tokens: set[str] = field(default_factory=set)

    @contextlib.contextmanager
    def serve(self) -> Iterator[Endpoint]:
        server = _Server(("127.0.0.1", 0), _handler_for(self))
        if self.tls:
            # The handshake runs in the handler thread, so a client that rejects it cannot stall accept().
            server.socket = self._context().wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        thread = threading.Thread(target=functools.partial(server.serve_forever, poll_interval=0.02), daemon=True)
        thread.start()
        try:
            yield Endpoint("127.0.0.1", server.server_address[1])
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        self.requests.append((method, path, headers))
        if (method, path) == ("GET", "/api/version"):
            return 200, {"Version": VERSION}  # what anyone without a session gets
        if (method, path) == ("POST", "/api/v1/session"):
            return self._login(json.loads(body or b"{}"))
        if (method, path) == ("GET", "/api/v1/clusters"):
            token = headers.get("authorization", "").removeprefix("Bearer ")
            if not token:
                return 401, grpc_error(_UNAUTHENTICATED, "no session information")
            if token not in self.tokens:
                return 401, grpc_error(_UNAUTHENTICATED, "invalid session: token signature is invalid")
            return 200, {"metadata": {}, "items": self.clusters}
        return 404, grpc_error(5, "Not Found")

    def _login(self, request: dict[str, Any]) -> tuple[int, Any]:
        if not request.get("username") or not request.get("password"):
            return 401, grpc_error(_UNAUTHENTICATED, "no credentials supplied")
        if (request["username"], request["password"]) != ("admin", self.password):
            return 401, grpc_error(_UNAUTHENTICATED, "Invalid username or password")
        token = "eyJhbGciOiJIUzI1NiJ9." + secrets.token_urlsafe(24)  # JWT-shaped
        self.tokens.add(token)
        return 200, {"token": token}

    def _context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory(prefix="oamconf-argocd-") as directory:
            context.load_cert_chain(*self.cert.write(Path(directory), "argocd-server"))
        context.sni_callback = self._record_server_name
        return context

    def _record_server_name(self, _sock: ssl.SSLSocket | ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        self.server_names.append(name or "")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that rejects the certificate aborts the handshake: what TLS tests are about.
        if not isinstance(sys.exception(), OSError):
            super().handle_error(request, client_address)


def _handler_for(fake: FakeArgoCd) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            if isinstance(self.request, ssl.SSLSocket):
                self.request.settimeout(5)
                self.request.do_handshake()
            super().setup()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, doc = fake.answer(self.command, self.path, headers, body)
            reply = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        do_GET = do_POST = _serve  # noqa: N815 - http.server's names

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - overrides the base signature
            """Keep the test output quiet."""

    return Handler
