"""TLS probe: a real handshake that checks the chain and the hostname as Argo CD's Go client does.

Failures are worded as Go's crypto/x509 words them, because that is the text users meet in
Argo CD's cluster connection state and Application conditions (platform-facts §7.5):
``x509: certificate is valid for kubernetes, ..., not vc1.vc1-ns.svc``. Each message then says
how to fix it for a vCluster (platform-facts §3, §4.2).

The helpers after the probe serve every probe that speaks HTTPS as a Go client would (the Argo CD
cluster Secret, the Argo CD API): a context that trusts only the CA given, a request that dials a
local port-forward yet sends and verifies another name, and Go's words for a failed verification.
"""

from __future__ import annotations

import datetime as dt
import enum
import http.client
import json
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography import x509

from oamconf.errors import ProbeFailed, one_line
from oamconf.k8s.api import Endpoint
from oamconf.probes.go_x509 import go_hostname_error, sans
from oamconf.probes.hangup import closed_before, hung_up

# OpenSSL X509_V_ERR_* codes that ssl.SSLCertVerificationError.verify_code carries.
_HOSTNAME_MISMATCH: Final = frozenset({62, 64})  # HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH
_UNKNOWN_AUTHORITY: Final = frozenset({2, 18, 19, 20, 21})  # issuer not found / self-signed / no local CA
_OUTSIDE_VALIDITY: Final = frozenset({9, 10})  # CERT_NOT_YET_VALID, CERT_HAS_EXPIRED
# The suffixes a Service name gets that vCluster's default SANs lack (platform-facts §3).
_SERVICE_SUFFIXES: Final = (".svc.cluster.local", ".svc")


@dataclass(frozen=True)
class TlsProbe:
    """What the server presented, after the chain and *server_name* were verified."""

    server_name: str
    subject: str
    dns_sans: tuple[str, ...]
    ip_sans: tuple[str, ...]
    not_after: dt.datetime


def probe_tls(endpoint: Endpoint, *, server_name: str, ca_pem: bytes, timeout: float = 5.0) -> TlsProbe:
    """Handshake with *endpoint*, sending *server_name* as SNI and checking the certificate against it.

    Parameters:
        server_name: the name a client would use (``vc1.vc1-ns.svc`` from an Argo CD cluster URL).
        ca_pem: the CA to trust, and only it (a vCluster's ``certificate-authority``).

    Raises:
        ProbeFailed: nothing listens, no TLS, unknown CA, expired, or the name is not a SAN.
    """
    where = f"TLS to {server_name} via {endpoint}"
    context = _client_context(ca_pem, where=where, check_hostname=True)
    try:
        der = peer_certificate(endpoint, context, server_name, timeout)
    except ssl.SSLCertVerificationError as err:
        raise _verification_failure(err, endpoint, server_name, ca_pem, timeout) from err
    except TimeoutError as err:
        raise ProbeFailed(
            f"{where}: no TLS handshake within {timeout:g}s: nothing answered (a hung port-forward, "
            "or not the vCluster API port, Service 443 -> pod 8443)"
        ) from err
    except OSError as err:
        raise ProbeFailed(f"{where}: {connection_failure(err, endpoint, timeout, 'the vCluster pod')}") from err
    return _describe(server_name, x509.load_der_x509_certificate(der))


def certificate_sans(pem: bytes) -> tuple[str, ...]:
    """The subject alternative names of a PEM certificate: DNS names first, then IP addresses."""
    cert = x509.load_pem_x509_certificate(pem)
    dns, ips = sans(cert)
    return dns + ips


def san_hint(server_name: str) -> str:
    """How to make a vCluster's serving certificate cover *server_name*."""
    hint = f"add {server_name} to controlPlane.proxy.extraSANs of the vCluster"
    for suffix in _SERVICE_SUFFIXES:
        if server_name.endswith(suffix):
            short = server_name.removesuffix(suffix)
            return f"{hint}, or register the cluster as https://{short}, which is a default SAN"
    return f"{hint}, or register the cluster as https://<name>.<namespace>, which is a default SAN"


def client_context(ca_pem: bytes | None, *, check_hostname: bool = True, insecure: bool = False) -> ssl.SSLContext:
    """A client context that verifies as Go's crypto/tls does.

    Parameters:
        ca_pem: the certificates to trust, and only them. Each is an anchor, as in Go's ``RootCAs``, so a
            server's own certificate verifies alone, whoever issued it. ``None``: the system's roots.
        insecure: verify nothing, as Go's ``InsecureSkipVerify`` (Argo CD's ``insecure: true``).

    Raises:
        ssl.SSLError, ValueError: *ca_pem* holds no PEM certificate.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED; no system CAs loaded
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    context.check_hostname = check_hostname
    if ca_pem is None:
        context.load_default_certs()
    else:
        context.load_verify_locations(cadata=ca_pem.decode("ascii", errors="replace"))
        # OpenSSL anchors a chain only at a self-signed certificate; Go at any certificate it was given.
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return context


def peer_certificate(endpoint: Endpoint, context: ssl.SSLContext, server_name: str, timeout: float) -> bytes:
    """The DER certificate *endpoint* presents for *server_name*, after *context* verified it."""
    with (
        socket.create_connection((endpoint.host, endpoint.port), timeout=timeout) as raw,
        context.wrap_socket(raw, server_hostname=server_name) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if der is None:  # only possible with CERT_NONE
        raise ProbeFailed(f"TLS to {server_name} via {endpoint}: the server sent no certificate")
    return der


class CertificateProblem(enum.Enum):
    NAME = "name"  # the certificate does not cover the name dialled
    AUTHORITY = "authority"  # no trusted CA signed it
    VALIDITY = "validity"  # expired or not yet valid
    OTHER = "other"


@dataclass(frozen=True)
class X509Failure:
    """A failed verification: which problem, and Go's words for it."""

    problem: CertificateProblem
    text: str


def x509_failure(
    err: ssl.SSLCertVerificationError, endpoint: Endpoint, server_name: str, ca_pem: bytes | None, timeout: float
) -> X509Failure:
    """Go's crypto/x509 text for *err*; for a name mismatch it lists the certificate's SANs as Go does."""
    if err.verify_code in _HOSTNAME_MISMATCH:
        # OpenSSL names no SANs in its error; a second handshake that still verifies the chain
        # but not the name fetches the certificate, so the message can list them as Go does.
        try:
            context = client_context(ca_pem, check_hostname=False)
            der = peer_certificate(endpoint, context, server_name, timeout)
            text = go_hostname_error(x509.load_der_x509_certificate(der), server_name)
        except (OSError, ValueError):  # gone between the two handshakes: say what OpenSSL said
            text = f"x509: certificate is not valid for {server_name} ({err.verify_message})"
        return X509Failure(CertificateProblem.NAME, text)
    if err.verify_code in _UNKNOWN_AUTHORITY:
        text = f"x509: certificate signed by unknown authority ({err.verify_message})"
        return X509Failure(CertificateProblem.AUTHORITY, text)
    if err.verify_code in _OUTSIDE_VALIDITY:
        text = f"x509: certificate has expired or is not yet valid ({err.verify_message})"
        return X509Failure(CertificateProblem.VALIDITY, text)
    return X509Failure(CertificateProblem.OTHER, f"x509: {err.verify_message or err}")


def connection_failure(
    err: OSError | http.client.HTTPException, endpoint: Endpoint, timeout: float, behind: str
) -> str:
    """What went wrong before any HTTP answer (not a certificate: see `x509_failure`), as one clause."""
    if isinstance(err, ConnectionRefusedError):
        return f"connection refused: nothing listens on {endpoint}; is the port-forward running and {behind} Ready?"
    if isinstance(err, TimeoutError):
        return f"no answer within {timeout:g}s: a hung port-forward, or not the port of {behind}"
    # Before the SSLError branch: an EOF in the handshake is the same hang-up as a reset (hangup.py).
    if hung_up(err):
        return closed_before(behind)
    if isinstance(err, ssl.SSLError):
        return f"the TLS handshake failed ({err.reason or err}): the port may not speak TLS"
    if isinstance(err, http.client.HTTPException | ConnectionError):
        return f"the connection closed without an HTTP answer ({err or type(err).__name__}): is it {behind}?"
    return f"cannot connect: {err}"


@dataclass(frozen=True)
class HttpsReply:
    """An HTTP answer: status, reason phrase and body."""

    status: int
    reason: str
    body: bytes = field(repr=False)

    def json(self) -> Any:
        """The body as JSON; ``ValueError`` when it is not."""
        return json.loads(self.body)

    def message(self) -> str:
        """What the server said: the ``message`` of a Kubernetes Status or a grpc-gateway error, else the text."""
        try:
            doc = self.json()
        except ValueError:
            doc = None
        if isinstance(doc, Mapping) and isinstance(doc.get("message"), str) and doc["message"]:
            return one_line(doc["message"])
        return one_line(self.body.decode("utf-8", errors="replace"), limit=200) or self.reason


def https_request(
    endpoint: Endpoint,
    *,
    server_name: str,
    context: ssl.SSLContext,
    method: str,
    path: str,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout: float,
) -> HttpsReply:
    """One request to *endpoint* (a port-forward), sending *server_name* as SNI and verifying it, not the address.

    Parameters:
        headers: ``Host`` defaults to *server_name*.

    Raises:
        OSError: the connection failed (``ssl.SSLCertVerificationError`` for the certificate).
        http.client.HTTPException: the server answered something that is not HTTP.
    """
    connection = _NamedTlsConnection(endpoint, server_name=server_name, context=context, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers={"Host": server_name, **(headers or {})})
        response = connection.getresponse()
        return HttpsReply(response.status, response.reason, response.read())
    finally:
        connection.close()


class _NamedTlsConnection(http.client.HTTPConnection):
    """HTTPS to one address, for another name: ``HTTPSConnection`` would check the address dialled."""

    def __init__(self, endpoint: Endpoint, *, server_name: str, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(endpoint.host, endpoint.port, timeout=timeout)
        self._server_name = server_name
        self._tls = context

    def connect(self) -> None:
        super().connect()
        self.sock = self._tls.wrap_socket(self.sock, server_hostname=self._server_name)


def _verification_failure(
    err: ssl.SSLCertVerificationError, endpoint: Endpoint, server_name: str, ca_pem: bytes, timeout: float
) -> ProbeFailed:
    where = f"TLS to {server_name} via {endpoint}: tls: failed to verify certificate"
    failure = x509_failure(err, endpoint, server_name, ca_pem, timeout)
    fixes = {
        CertificateProblem.NAME: san_hint(server_name),
        CertificateProblem.AUTHORITY: (
            "trust the CA from the certificate-authority key of the vCluster's vc-<name> Secret (caData in "
            "Argo CD); a re-created vCluster has a new CA"
        ),
        CertificateProblem.VALIDITY: "check the clocks, or restart the vCluster so it renews its serving certificate",
    }
    fix = fixes.get(failure.problem)
    return ProbeFailed(f"{where}: {failure.text}; fix: {fix}" if fix else f"{where}: {failure.text}")


def _client_context(ca_pem: bytes, *, where: str, check_hostname: bool) -> ssl.SSLContext:
    try:
        return client_context(ca_pem, check_hostname=check_hostname)
    except (ssl.SSLError, ValueError) as err:
        raise ProbeFailed(
            f"{where}: the CA given is not a PEM certificate ({err}); "
            "pass the certificate-authority value of the vCluster's vc-<name> Secret, base64-decoded"
        ) from err


def _describe(server_name: str, cert: x509.Certificate) -> TlsProbe:
    dns, ips = sans(cert)
    return TlsProbe(
        server_name=server_name,
        subject=cert.subject.rfc4514_string(),
        dns_sans=dns,
        ip_sans=ips,
        not_after=cert.not_valid_after_utc,
    )
