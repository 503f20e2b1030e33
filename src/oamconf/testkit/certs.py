"""Throw-away certificates and a real TLS server, for the self-tests and in-memory scenarios.

The certificates are shaped like a vCluster's: a self-signed CA and a serving certificate with
DNS and IP SANs. ``serve_tls`` answers like a kube API server's ``/version``, so a probe or a
client under test does a real handshake against them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import ipaddress
import json
import socket
import socketserver
import ssl
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from oamconf.k8s.api import Endpoint

DEFAULT_LIFETIME: Final = dt.timedelta(days=1)
# A client that connects and never finishes its handshake must not hold the server's close open.
_HANDLER_TIMEOUT: Final = 5.0
# How often serve_forever looks for shutdown(); the default 0.5 s would slow every test's exit.
_POLL_INTERVAL: Final = 0.05
VERSION_BODY: Final = {"major": "1", "minor": "36", "gitVersion": "v1.36.0", "platform": "linux/amd64"}


@dataclass(frozen=True)
class CertPair:
    """A PEM certificate and its PEM (unencrypted PKCS#8) private key."""

    cert_pem: bytes
    key_pem: bytes = field(repr=False)

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem)

    def write(self, directory: Path, stem: str) -> tuple[Path, Path]:
        """Write ``<stem>.crt`` and ``<stem>.key`` (mode 0600) into *directory*; return both paths."""
        cert_path, key_path = directory / f"{stem}.crt", directory / f"{stem}.key"
        cert_path.write_bytes(self.cert_pem)
        key_path.touch(mode=0o600)
        key_path.write_bytes(self.key_pem)
        return cert_path, key_path


def make_ca(common_name: str, *, not_after: dt.datetime | None = None) -> CertPair:
    """A self-signed CA certificate, valid from a minute ago for a day (or until *not_after*)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (
        _validity(x509.CertificateBuilder(), not_after)
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    return CertPair(_pem(builder.sign(key, hashes.SHA256())), _key_pem(key))


def make_client_cert(ca: CertPair, common_name: str, *, organization: str = "system:masters") -> CertPair:
    """A client certificate signed by *ca* for *common_name* in *organization* (Kubernetes reads the user and
    group from them), shaped like the admin one vCluster writes into ``vc-<name>``."""
    ca_key = serialization.load_pem_private_key(ca.key_pem, password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise TypeError("the CA's key is not the EC key make_ca makes")
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    subject = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([*subject, x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return CertPair(cert.public_bytes(serialization.Encoding.PEM), key_pem)


def make_server_cert(
    ca: CertPair,
    *,
    dns_names: Iterable[str],
    ip_addresses: Iterable[str] = (),
    common_name: str | None = None,
    not_after: dt.datetime | None = None,
) -> CertPair:
    """A serving certificate signed by *ca*, with the SANs given (DNS names first, as vCluster does).

    Parameters:
        common_name: the subject CN; defaults to the first DNS name. Clients ignore it for
            hostname checks (only SANs count), as Go and OpenSSL do.
        not_after: set it in the past to make an expired certificate.
    """
    dns = list(dns_names)
    ips = [ipaddress.ip_address(ip) for ip in ip_addresses]
    ca_key = serialization.load_pem_private_key(ca.key_pem, password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise TypeError("make_server_cert signs with the EC keys make_ca creates")
    key = ec.generate_private_key(ec.SECP256R1())
    cn = common_name or (dns[0] if dns else "server")
    sans: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
    sans += [x509.IPAddress(ip) for ip in ips]
    issuer_id = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    builder = (
        _validity(x509.CertificateBuilder(), not_after)
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(issuer_id, critical=False)
    )
    return CertPair(_pem(builder.sign(ca_key, hashes.SHA256())), _key_pem(key))


@contextlib.contextmanager
def serve_tls(cert: CertPair, *, host: str = "127.0.0.1") -> Iterator[Endpoint]:
    """Serve HTTPS with *cert* on a free loopback port until the block ends.

    ``GET /version`` answers a kube API server's version JSON; other paths answer 404. Failed
    handshakes (a client rejecting the certificate) are expected and not reported. On exit the
    server stops, and its thread and all handler threads are joined.
    """
    server = _TlsServer(host, _server_context(cert))
    thread = threading.Thread(
        target=server.serve_forever, args=(_POLL_INTERVAL,), name=f"serve_tls {host}", daemon=True
    )
    thread.start()
    try:
        yield Endpoint(host, server.server_address[1])
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def _server_context(cert: CertPair) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # load_cert_chain reads only files; they live for this call and are gone before serving.
    with tempfile.TemporaryDirectory(prefix="oamconf-tls-") as directory:
        cert_path, key_path = cert.write(Path(directory), "server")
        context.load_cert_chain(cert_path, key_path)
    return context


class _TlsServer(socketserver.ThreadingTCPServer):
    # Join handler threads on close, so nothing outlives the ``with serve_tls(...)`` block.
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, host: str, context: ssl.SSLContext) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.context = context
        super().__init__((host, 0), _VersionHandler)

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        sock.settimeout(_HANDLER_TIMEOUT)
        # The handshake runs in the handler thread, so a slow client cannot block accept().
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that reject the certificate abort the handshake: that is the point of most
        # tests, so socket and TLS errors are expected. Anything else is a bug worth a traceback.
        if not isinstance(sys.exception(), OSError):
            super().handle_error(request, client_address)


class _VersionHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        self.request.do_handshake()
        super().setup()

    def do_GET(self) -> None:
        found = self.path.split("?", 1)[0] == "/version"
        status = http.HTTPStatus.OK if found else http.HTTPStatus.NOT_FOUND
        body = json.dumps(VERSION_BODY if found else {"kind": "Status", "code": 404}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        # Request lines would land on stderr in the middle of pytest's output.
        ...


def _validity(builder: x509.CertificateBuilder, not_after: dt.datetime | None) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    end = not_after or now + DEFAULT_LIFETIME
    # Back-dated a minute so a peer whose clock is slightly behind still accepts it.
    start = min(now - dt.timedelta(minutes=1), end - DEFAULT_LIFETIME)
    return builder.not_valid_before(start).not_valid_after(end)


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
