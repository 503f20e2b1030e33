"""Go's own words for a certificate that does not cover a host (``crypto/x509``'s ``HostnameError``), so that
a check made in Python reads as Argo CD and kubectl, both Go, would put it; selftests compare them with Go's."""

from __future__ import annotations

import ipaddress
from typing import Final

from cryptography import x509

_NAMES_LISTED: Final = 100  # Go's HostnameError lists fewer names than this; more are only counted


def go_hostname_error(cert: x509.Certificate, host: str) -> str:
    """Go's ``x509.HostnameError`` text for *cert* and *host* (Go 1.26 crypto/x509/verify.go:109-143): a
    hundred names or more are counted, not listed; a certificate without SANs whose CN would have matched is
    said to rely on it."""
    dns, ips = sans(cert)
    if not _has_sans(cert) and _common_name_matches(cert, host):
        return "x509: certificate relies on legacy Common Name field, use SANs instead"
    if _is_ip(host):
        if not ips:
            return f"x509: cannot validate certificate for {host} because it doesn't contain any IP SANs"
        if len(ips) >= _NAMES_LISTED:
            return f"x509: certificate is valid for {len(ips)} IP SANs, but none matched {host}"
        valid = ", ".join(ips)
    else:
        if len(dns) >= _NAMES_LISTED:
            return f"x509: certificate is valid for {len(dns)} names, but none matched {host}"
        valid = ", ".join(dns)
    if not valid:
        return f"x509: certificate is not valid for any names, but wanted to match {host}"
    return f"x509: certificate is valid for {valid}, not {host}"


def _has_sans(cert: x509.Certificate) -> bool:
    try:
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return False
    return True


def _common_name_matches(cert: x509.Certificate, host: str) -> bool:
    """Go's ``matchHostnames`` of the subject CN against *host*: labels equal but for case, a ``*`` label
    matching any one leading label."""
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if not names or _is_ip(host):
        return False
    pattern = str(names[0].value).lower().rstrip(".").split(".")
    labels = host.lower().rstrip(".").split(".")
    if len(pattern) != len(labels) or "" in pattern or "" in labels:
        return False
    return all(p == h or (i == 0 and p == "*") for i, (p, h) in enumerate(zip(pattern, labels, strict=True)))


def sans(cert: x509.Certificate) -> tuple[tuple[str, ...], tuple[str, ...]]:
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
