"""Go 1.26's crypto/x509 and crypto/tls texts as Argo CD meets them (a vCluster's certificate) and as the suite's
own Argo CD probe writes them (argocd-server's certificate), with other hosts, IPs and SANs: a table of
``test_hint_variants_argocd``."""

from __future__ import annotations

from hintvariants import Variant, go_q
from hintvariants_argocd_forms import CLUSTER, PROBE, target_state


def _tls(server: str, x509: str) -> str:
    """client-go's request error (net/http: 'Get "<url>": <err>') over Go's crypto/tls handshake_client.go
    "tls: failed to verify certificate: %w"."""
    return f"Get {go_q(server + '/version?timeout=32s')}: tls: failed to verify certificate: {x509}"


def _name_error(sans: str, host: str) -> str:
    """go:src/crypto/x509/verify.go HostnameError.Error: "x509: certificate is valid for " + valid + ", not " + h.Host;
    with 100 names or more (CVE-2025-61729): "x509: certificate is valid for %d names, but none matched %s"."""
    if sans[:1].isdigit() and sans.endswith(("names", "IP SANs")):
        return f"x509: certificate is valid for {sans}, but none matched {host}"
    if not sans:
        return f"x509: certificate is not valid for any names, but wanted to match {host}"
    return f"x509: certificate is valid for {sans}, not {host}"


def _svc_name(vcluster: str, namespace: str, suffix: str, sans: str, server: str) -> Variant:
    host = f"{vcluster}.{namespace}.{suffix}"
    values = {"host": host, "sans": sans, "vcluster": vcluster, "namespace": namespace}
    message = _tls(server, _name_error(sans, host))
    return Variant("certificate-name-svc", host, message, values, target_state(server), CLUSTER)


def _other_name(host: str, sans: str, server: str) -> Variant:
    values = {"host": host, "sans": sans or "no names"}
    return Variant(
        "certificate-name",
        f"{host}-{sans[:12]}",
        _tls(server, _name_error(sans, host)),
        values,
        target_state(server),
        CLUSTER,
    )


VCLUSTER_SANS = "kubernetes, kubernetes.default, kubernetes.default.svc, localhost, vc-2, vc-2.team-b, *.vc-2.team-b"
CERTIFICATE_NAMES: tuple[Variant, ...] = (
    _svc_name("vc-2", "team-b", "svc", VCLUSTER_SANS, "https://vc-2.team-b.svc:6443"),
    _svc_name(
        "tenant3-vc",
        "vcluster-tenant3",
        "svc.cluster.local",
        "tenant3-vc, tenant3-vc.vcluster-tenant3, 10.96.0.15, 127.0.0.1",
        "https://tenant3-vc.vcluster-tenant3.svc.cluster.local",
    ),
    _svc_name("vc1", "ns-01", "svc", "120 names", "https://vc1.ns-01.svc:443"),
    _other_name(
        "api.vc-3.apps.example.org", "vc-3, vc-3.team-c, api.vc-3.example.org", "https://api.vc-3.apps.example.org:8443"
    ),
    _other_name("192.168.49.2", "10.96.0.15, 127.0.0.1", "https://192.168.49.2:31443"),
    _other_name("fd00:10:96::1a", "fd00:10:96::1, ::1", "https://[fd00:10:96::1a]:443"),
    _other_name("vc-4.team-d", "", "https://vc-4.team-d"),
    _other_name("vc5.ns5", "100 names", "https://vc5.ns5:443"),
    _other_name("172.18.0.3", "100 IP SANs", "https://172.18.0.3:30443"),
)


def _no_ip_sans(ip: str, server: str) -> Variant:
    # go1.26:src/crypto/x509/verify.go:120-122: "x509: cannot validate certificate for " + h.Host + " because it
    # doesn't contain any IP SANs" (the host parsed as an IP address)
    message = _tls(server, f"x509: cannot validate certificate for {ip} because it doesn't contain any IP SANs")
    return Variant("certificate-no-ip-sans", ip, message, {"ip": ip}, target_state(server), CLUSTER)


NO_IP_SANS = (
    _no_ip_sans("10.96.0.15", "https://10.96.0.15"),
    _no_ip_sans("172.18.0.3", "https://172.18.0.3:30443"),
    _no_ip_sans("fd00:10:96::1a", "https://[fd00:10:96::1a]:443"),
)


def _unknown_authority(server: str, hint: str) -> Variant:
    # go:src/crypto/x509/verify.go UnknownAuthorityError.Error, with a hint: "x509: certificate signed by unknown
    # authority (possibly because of %q while trying to verify candidate authority certificate %q)"
    message = _tls(server, "x509: certificate signed by unknown authority" + hint)
    return Variant("certificate-unknown-authority", server, message, {"server": server}, target_state(server), CLUSTER)


UNKNOWN_AUTHORITIES = (
    _unknown_authority("https://vc-2.team-b.svc:6443", ""),
    _unknown_authority(
        "https://10.96.0.15",
        f" (possibly because of {go_q('crypto/rsa: verification error')} "
        f"while trying to verify candidate authority certificate {go_q('vcluster-ca')})",
    ),
    _unknown_authority("https://[fd00:10:96::1a]:443", ""),
    _unknown_authority("https://api.vc-3.apps.example.org:8443", ""),
)


def _untrusted_argocd(host: str, endpoint: str, request: str) -> Variant:
    # oamconf/probes/argocd.py: f"Argo CD API at {server_name} via {endpoint}: {method} {path}: tls: failed to
    # verify certificate: {x509_failure}; fix: ..." with Go's UnknownAuthorityError text (go1.26 verify.go:157)
    message = (
        f"Argo CD API at {host} via {endpoint}: {request}: tls: failed to verify certificate: x509: certificate "
        "signed by unknown authority (unable to get local issuer certificate); fix: the certificate given is not "
        "the one argocd-server serves"
    )
    return Variant("argocd-server-certificate-untrusted", host, message, {"host": host}, "", PROBE)


UNTRUSTED_ARGOCD = (
    _untrusted_argocd("argocd-server.argocd.svc", "127.0.0.1:40123", "POST /api/v1/session"),
    _untrusted_argocd("argocd.apps.example.org", "[::1]:8443", "GET /api/v1/clusters"),
    _untrusted_argocd("argo-cd-argocd-server.argocd-2", "127.0.0.1:4431", "GET /api/v1/applications/podinfo-vc1"),
)
