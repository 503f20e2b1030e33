"""TLS probe: a real handshake that checks the chain and the hostname as Argo CD's Go client does.

Failures are worded as Go's crypto/x509 words them, because that is the text users meet in
Argo CD's cluster connection state and Application conditions (platform-facts §7.5):
``x509: certificate is valid for kubernetes, ..., not vc1.vc1-ns.svc``. Each message then says
how to fix it for a vCluster (platform-facts §3, §4.2).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from typing import Final

from cryptography import x509

from oamconf.errors import ProbeFailed
from oamconf.k8s.api import Endpoint

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
        der = _peer_certificate(endpoint, context, server_name, timeout)
    except ssl.SSLCertVerificationError as err:
        raise _verification_failure(err, endpoint, server_name, ca_pem, timeout) from err
    except ConnectionRefusedError as err:
        raise ProbeFailed(
            f"{where}: connection refused: nothing listens on {endpoint}; "
            "is the port-forward running and the vCluster pod Ready?"
        ) from err
    except TimeoutError as err:
        raise ProbeFailed(
            f"{where}: no TLS handshake within {timeout:g}s: nothing answered (a hung port-forward, "
            "or not the vCluster API port, Service 443 -> pod 8443)"
        ) from err
    except ssl.SSLError as err:
        raise ProbeFailed(
            f"{where}: the TLS handshake failed ({err.reason or err}): "
            "the port may not speak TLS, or the server closed the connection"
        ) from err
    except OSError as err:
        raise ProbeFailed(f"{where}: cannot connect: {err}") from err
    return _describe(server_name, x509.load_der_x509_certificate(der))


def certificate_sans(pem: bytes) -> tuple[str, ...]:
    """The subject alternative names of a PEM certificate: DNS names first, then IP addresses."""
    cert = x509.load_pem_x509_certificate(pem)
    dns, ips = _sans(cert)
    return dns + ips


def go_hostname_error(cert: x509.Certificate, host: str) -> str:
    """Go's ``x509.HostnameError`` text for *cert* and *host* (crypto/x509/verify.go)."""
    dns, ips = _sans(cert)
    if _is_ip(host):
        if not ips:
            return f"x509: cannot validate certificate for {host} because it doesn't contain any IP SANs"
        valid = ", ".join(ips)
    else:
        valid = ", ".join(dns)
    if not valid:
        return f"x509: certificate is not valid for any names, but wanted to match {host}"
    return f"x509: certificate is valid for {valid}, not {host}"


def _peer_certificate(endpoint: Endpoint, context: ssl.SSLContext, server_name: str, timeout: float) -> bytes:
    with (
        socket.create_connection((endpoint.host, endpoint.port), timeout=timeout) as raw,
        context.wrap_socket(raw, server_hostname=server_name) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if der is None:  # only possible with CERT_NONE, which no context here uses
        raise ProbeFailed(f"TLS to {server_name} via {endpoint}: the server sent no certificate")
    return der


def _verification_failure(
    err: ssl.SSLCertVerificationError, endpoint: Endpoint, server_name: str, ca_pem: bytes, timeout: float
) -> ProbeFailed:
    where = f"TLS to {server_name} via {endpoint}: tls: failed to verify certificate"
    if err.verify_code in _HOSTNAME_MISMATCH:
        # OpenSSL names no SANs in its error; a second handshake that still verifies the chain
        # but not the name fetches the certificate, so the message can list them as Go does.
        context = _client_context(ca_pem, where=where, check_hostname=False)
        try:
            der = _peer_certificate(endpoint, context, server_name, timeout)
            x509_text = go_hostname_error(x509.load_der_x509_certificate(der), server_name)
        except OSError:  # gone between the two handshakes: say what OpenSSL said
            x509_text = f"x509: certificate is not valid for {server_name} ({err.verify_message})"
        return ProbeFailed(f"{where}: {x509_text}; fix: {_san_hint(server_name)}")
    if err.verify_code in _UNKNOWN_AUTHORITY:
        return ProbeFailed(
            f"{where}: x509: certificate signed by unknown authority ({err.verify_message}); fix: trust the "
            "CA from the certificate-authority key of the vCluster's vc-<name> Secret (caData in Argo CD); "
            "a re-created vCluster has a new CA"
        )
    if err.verify_code in _OUTSIDE_VALIDITY:
        return ProbeFailed(
            f"{where}: x509: certificate has expired or is not yet valid ({err.verify_message}); "
            "fix: check the clocks, or restart the vCluster so it renews its serving certificate"
        )
    return ProbeFailed(f"{where}: {err.verify_message or err}")


def _san_hint(server_name: str) -> str:
    hint = f"add {server_name} to controlPlane.proxy.extraSANs of the vCluster"
    for suffix in _SERVICE_SUFFIXES:
        if server_name.endswith(suffix):
            short = server_name.removesuffix(suffix)
            return f"{hint}, or register the cluster as https://{short}, which is a default SAN"
    return f"{hint}, or register the cluster as https://<name>.<namespace>, which is a default SAN"


def _client_context(ca_pem: bytes, *, where: str, check_hostname: bool) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED; no system CAs loaded
    context.check_hostname = check_hostname
    try:
        context.load_verify_locations(cadata=ca_pem.decode("ascii", errors="replace"))
    except (ssl.SSLError, ValueError) as err:
        raise ProbeFailed(
            f"{where}: the CA given is not a PEM certificate ({err}); "
            "pass the certificate-authority value of the vCluster's vc-<name> Secret, base64-decoded"
        ) from err
    return context


def _describe(server_name: str, cert: x509.Certificate) -> TlsProbe:
    dns, ips = _sans(cert)
    return TlsProbe(
        server_name=server_name,
        subject=cert.subject.rfc4514_string(),
        dns_sans=dns,
        ip_sans=ips,
        not_after=cert.not_valid_after_utc,
    )


def _sans(cert: x509.Certificate) -> tuple[tuple[str, ...], tuple[str, ...]]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return (), ()
    dns = tuple(ext.get_values_for_type(x509.DNSName))
    ips = tuple(str(ip) for ip in ext.get_values_for_type(x509.IPAddress))
    return dns, ips


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
