"""Using an Argo CD cluster Secret as Argo CD would: one authenticated round trip to the cluster with exactly
its config, TLS checked as Go's crypto/tls checks it (caData, and the server's host or ``serverName``).
``cluster_secret`` parses the Secret; this module dials with it."""

from __future__ import annotations

import base64
import functools
import http
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from oamconf.errors import ProbeFailed
from oamconf.k8s.api import Endpoint
from oamconf.probes import tls as go_tls
from oamconf.probes.cluster_secret import ClusterSecret, Credential
from oamconf.probes.go_x509 import go_hostname_error
from oamconf.redact import scrub


@dataclass(frozen=True)
class Verified:
    """What one authenticated round trip with the Secret's config showed."""

    server: str
    verified_name: str
    endpoint: Endpoint
    server_version: str
    credentials: tuple[Credential, ...]
    trusted: str  # "caData" or "the system roots"; "" with insecure: true, when nothing was checked
    allowed: str  # the request that showed the identity may read: "GET /api/v1/namespaces?limit=1"
    # With insecure: true, what verification would have said of the name: Go's x509 text when the server's
    # certificate does not cover it ("" when it does): the failure insecure hides.
    hidden_failure: str = ""

    @property
    def tls(self) -> str:
        if not self.trusted:
            return f"certificate for {self.verified_name} NOT verified (insecure: true)"
        return f"certificate for {self.verified_name} verified against {self.trusted}"

    @property
    def answer(self) -> str:
        signed = ", ".join(self.credentials) or "no credentials"
        return f"GET /version: Kubernetes {self.server_version}, then {self.allowed}: allowed, signed in with {signed}"

    def __str__(self) -> str:
        return f"{self.server} via {self.endpoint}: {self.tls}; {self.answer}"


def verify_cluster_secret(cluster: ClusterSecret, endpoint: Endpoint, *, timeout: float = 10.0) -> Verified:
    """Connect to *endpoint* (a port-forward to the cluster's API Service) with exactly the Secret's config.

    TLS trusts what Argo CD trusts and checks the certificate against ``verified_name`` (sent as SNI);
    ``GET /version`` and one list (all namespaces, or in the first of ``namespaces``) carry the credentials.

    Raises:
        ProbeFailed: in Go's words (``x509: certificate is valid for a, b, not vc1.vc1-ns.svc``, ``x509:
            certificate signed by unknown authority``), or 401/403, each with the fix; never a credential.
    """
    where = f"Argo CD cluster {cluster.name} ({cluster.ref}) via {endpoint}"
    commands = [c for c in cluster.credentials if c in {Credential.EXEC, Credential.AWS}]
    if commands:
        raise ProbeFailed(
            f"{where}: it signs in through {commands[0]}, a command only Argo CD's pods run, so the suite cannot "
            "sign in as Argo CD does; read the cluster's connection state from Argo CD's API instead"
        )
    get = functools.partial(_get, endpoint=endpoint, context=_tls_context(cluster, where), where=where, timeout=timeout)
    try:
        version = str(get(cluster, "/version").json()["gitVersion"])
    except (ValueError, KeyError, TypeError) as err:
        raise ProbeFailed(f"{where}: GET /version answered no Kubernetes version: is it the API's port?") from err
    first = quote(cluster.namespaces[0]) if cluster.namespaces else ""
    listed = f"/api/v1/namespaces/{first}/configmaps?limit=1" if first else "/api/v1/namespaces?limit=1"
    get(cluster, listed)
    trusted = "" if cluster.tls.insecure else ("caData" if cluster.tls.ca_pem else "the system roots")
    hidden = _name_not_covered(cluster, endpoint, timeout) if cluster.tls.insecure else ""
    return Verified(
        cluster.server, cluster.verified_name, endpoint, version, cluster.credentials, trusted, f"GET {listed}",
        hidden,
    )  # fmt: skip


def _name_not_covered(cluster: ClusterSecret, endpoint: Endpoint, timeout: float) -> str:
    """Go's x509 name error for the certificate the server presents, or "" when it covers the name."""
    context = go_tls.client_context(None, insecure=True)
    der = go_tls.peer_certificate(endpoint, context, cluster.verified_name, timeout)
    pem = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
    name = cluster.verified_name
    covered = any(san == name or (san.startswith("*.") and name.partition(".")[2] == san[2:])
                  for san in go_tls.certificate_sans(pem))  # fmt: skip
    return "" if covered else go_hostname_error(x509.load_pem_x509_certificate(pem), name)


def _tls_context(cluster: ClusterSecret, where: str) -> ssl.SSLContext:
    context = go_tls.client_context(cluster.tls.ca_pem, insecure=cluster.tls.insecure)  # caData was checked when parsed
    if Credential.CLIENT_CERTIFICATE not in cluster.credentials:
        return context
    # ssl reads a certificate and key from files only: 0600 in a private folder, removed once loaded.
    with tempfile.TemporaryDirectory(prefix="oamconf-argocd-") as directory:
        files = [Path(directory) / "client.crt", Path(directory) / "client.key"]
        for path, pem in zip(files, (cluster.tls.cert_pem, cluster.tls.key_pem), strict=True):
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                out.write(pem or b"")
        try:
            context.load_cert_chain(str(files[0]), str(files[1]))
        except ssl.SSLError as err:
            raise ProbeFailed(
                f"{where}: tlsClientConfig.certData and keyData are not a PEM certificate and its key "
                f"({err.reason or 'unreadable'}): client-go fails the same way and Argo CD cannot connect"
            ) from err
    return context


def _get(
    cluster: ClusterSecret, path: str, *, endpoint: Endpoint, context: ssl.SSLContext, where: str, timeout: float
) -> go_tls.HttpsReply:
    url = urlsplit(cluster.server)
    headers = {"Host": url.netloc.rpartition("@")[2], "Accept": "application/json"}
    if Credential.BEARER_TOKEN in cluster.credentials:
        headers["Authorization"] = f"Bearer {cluster.bearer_token}"
    elif Credential.BASIC in cluster.credentials:
        pair = base64.b64encode(f"{cluster.username}:{cluster.password}".encode()).decode()
        headers["Authorization"] = f"Basic {pair}"
    get = f'Get "{cluster.server}{path}"'  # client-go's words, with the URL Argo CD would use
    name = cluster.verified_name
    try:
        reply = go_tls.https_request(
            endpoint,
            server_name=name,
            context=context,
            method="GET",
            path=url.path.rstrip("/") + path,
            headers=headers,
            timeout=timeout,
        )
    except ssl.SSLCertVerificationError as err:
        failure = go_tls.x509_failure(err, endpoint, name, cluster.tls.ca_pem, timeout)
        fix = _certificate_fix(cluster, failure.problem)
        raise ProbeFailed(f"{where}: {get}: tls: failed to verify certificate: {failure.text}; fix: {fix}") from err
    except (OSError, http.client.HTTPException) as err:
        raise ProbeFailed(
            f"{where}: {get}: {go_tls.connection_failure(err, endpoint, timeout, 'the cluster')}"
        ) from err
    said = f"{reply.status} {reply.reason} ({scrub(reply.message(), cluster.bearer_token, cluster.password)})"
    if reply.status == http.HTTPStatus.UNAUTHORIZED:
        raise ProbeFailed(f"{where}: {get}: {said}: the API server rejected {_rejected(cluster)}")
    if reply.status == http.HTTPStatus.FORBIDDEN:
        raise ProbeFailed(
            f"{where}: {get}: {said}: the Secret's identity may not read it; Argo CD needs get, list and watch "
            "on what it manages (a ClusterRole bound to its ServiceAccount)"
        )
    if reply.status != http.HTTPStatus.OK:
        raise ProbeFailed(f"{where}: {get}: {said}")
    return reply


def _certificate_fix(cluster: ClusterSecret, problem: go_tls.CertificateProblem) -> str:
    tls = cluster.tls
    if problem is go_tls.CertificateProblem.NAME and tls.server_name:
        return f"tlsClientConfig.serverName {tls.server_name} is not among them: use one of those names"
    if problem is go_tls.CertificateProblem.NAME:
        return f"{go_tls.san_hint(cluster.host)}, or set tlsClientConfig.serverName to one of the names it lists"
    if problem is go_tls.CertificateProblem.AUTHORITY and tls.ca_pem:
        return (
            "caData is not the CA that signed the cluster's certificate: copy the certificate-authority of the "
            "vCluster's Secret vc-<name> again (a re-created vCluster has a new CA)"
        )
    if problem is go_tls.CertificateProblem.AUTHORITY:
        return "set caData to the cluster's CA (certificate-authority of Secret vc-<name>): no system root signs it"
    return "check the clocks, or restart the vCluster so it renews its serving certificate"


def _rejected(cluster: ClusterSecret) -> str:
    if Credential.BEARER_TOKEN in cluster.credentials:
        return "the bearer token (expired, revoked, or another cluster's): put a current ServiceAccount token in it"
    if Credential.CLIENT_CERTIFICATE in cluster.credentials:
        return (
            "the client certificate: this cluster's CA did not sign it (a re-created vCluster has a new CA); "
            "copy client-certificate and client-key of Secret vc-<name> again"
        )
    if Credential.BASIC in cluster.credentials:
        return "username and password: Kubernetes has no basic authentication since v1.19"
    return "an anonymous request: set bearerToken to a ServiceAccount token"
