"""The Argo CD API (v3.4.4) through a port-forward to Service argocd-server, TLS verified.

On its first start argocd-server generates its certificate unless Secret ``argocd-server-tls`` holds one
(util/settings/settings.go): self-signed, not a CA, valid a year, for ``localhost``, ``argocd-server``,
``argocd-server.<ns>``, ``argocd-server.<ns>.svc`` and ``argocd-server.<ns>.svc.cluster.local``, kept in Secret
``argocd-secret`` key ``tls.crt``. Given that PEM, the API trusts it alone (as Go trusts any certificate in its
roots, leaf or not) and checks it covers *server_name*, ``argocd-server`` by default, a name the generated
certificate has in every namespace. Without a PEM it refuses, unless told ``allow_unverified``.

Errors are grpc-gateway's ``{"error", "code", "message"}`` with the HTTP status of the gRPC code. A cluster's
connection state lives only here (platform-facts §4.3, §8 item 8): the application controller writes it every
10 s, ``Unknown`` until an Application uses the cluster ("Cluster has no applications and is not being
monitored."), then ``Successful`` or ``Failed`` with the error (controller/clusterinfoupdater.go).
"""

from __future__ import annotations

import http
import http.client
import json
import ssl
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from oamconf.errors import ProbeFailed
from oamconf.k8s.api import Endpoint
from oamconf.k8s.wait import Observation
from oamconf.probes import tls as go_tls
from oamconf.redact import SecretSink, scrub

DEFAULT_SERVER_NAME: Final = "argocd-server"
NOT_MONITORED_HINT: Final = "no Application targets it yet: Argo CD connects only to a cluster an Application uses"
# Connection errors that need a person (a certificate, the credentials, RBAC); others, such as a
# vCluster restarting, clear by themselves on the controller's next attempt.
_LASTING: Final = ("x509:", "Unauthorized", "provide credentials", "forbidden")
_SESSION: Final = "/api/v1/session"


@dataclass(frozen=True)
class ClusterInfo:
    """One item of ``GET /api/v1/clusters``: the cluster and its connection state."""

    server: str
    name: str
    status: str  # Successful, Failed or Unknown; "" while the application controller has not reported on it
    message: str
    attempted_at: str
    applications_count: int
    server_version: str

    @classmethod
    def from_api(cls, item: Mapping[str, Any]) -> ClusterInfo:
        """Read an item as Argo CD writes it; the top-level ``connectionState`` is the legacy copy of ``info``'s."""
        info = _mapping(item.get("info"))
        state = _mapping(info.get("connectionState")) or _mapping(item.get("connectionState"))
        count = info.get("applicationsCount")
        return cls(
            server=str(item.get("server") or ""),
            name=str(item.get("name") or ""),
            status=str(state.get("status") or ""),
            message=str(state.get("message") or ""),
            attempted_at=str(state.get("attemptedAt") or ""),
            applications_count=count if isinstance(count, int) else 0,
            server_version=str(info.get("serverVersion") or item.get("serverVersion") or ""),
        )


class ArgoCdApi:
    """Argo CD's REST API at *endpoint*, a port-forward to Service argocd-server port 443.

    Parameters:
        ca_pem: argocd-server's certificate (``tls.crt`` of Secret ``argocd-server-tls`` if it exists, else of
            ``argocd-secret``) or the CA that signed it. ``None`` fails at once unless *allow_unverified*.
        server_name: the name the certificate must cover, sent as SNI.
        secrets: told the password and the session token before anything can print them.

    Raises:
        ProbeFailed: no certificate given (and not *allow_unverified*), or it is not PEM.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        ca_pem: bytes | str | None,
        secrets: SecretSink | None,
        server_name: str = DEFAULT_SERVER_NAME,
        allow_unverified: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self._where = f"Argo CD API at {server_name} via {endpoint}"
        ca_pem = ca_pem.encode() if isinstance(ca_pem, str) else ca_pem
        if ca_pem is None and not allow_unverified:
            raise ProbeFailed(
                f"{self._where}: no certificate to verify argocd-server with: pass tls.crt of Secret "
                "argocd-server-tls if it exists, else of argocd-secret"
            )
        try:
            self._context = go_tls.client_context(ca_pem, insecure=ca_pem is None)
        except (ssl.SSLError, ValueError) as err:
            raise ProbeFailed(
                f"{self._where}: the certificate given is not PEM ({err}): pass tls.crt of Secret argocd-server-tls "
                "if it exists, else of argocd-secret, base64-decoded"
            ) from err
        self.endpoint, self.server_name, self.timeout = endpoint, server_name, timeout
        self.verified = ca_pem is not None  # False: the report must say the API's certificate was not checked
        self._ca_pem, self._secrets, self._token = ca_pem, secrets, ""

    def version(self) -> str:
        """Argo CD's version, ``v3.4.4+…`` (``GET /api/version`` answers without a session)."""
        return str(self._call("GET", "/api/version", session=False).get("Version") or "unknown")

    def login(self, username: str, password: str) -> str:
        """``POST /api/v1/session``; the session token is returned, kept for later calls, and told to *secrets*."""
        if self._secrets is not None:
            self._secrets.add_secret(password)
        body = {"username": username, "password": password}
        token = self._call("POST", _SESSION, body=body, session=False, scrubbed=password).get("token")
        if not isinstance(token, str) or not token:
            raise ProbeFailed(f"{self._where}: POST {_SESSION} answered no token")
        if self._secrets is not None:
            self._secrets.add_secret(token)
        self._token = token
        return token

    def clusters(self) -> list[ClusterInfo]:
        """``GET /api/v1/clusters``: the clusters the session may see (RBAC filters the list, it does not 403)."""
        items = self._call("GET", "/api/v1/clusters").get("items")
        return [ClusterInfo.from_api(item) for item in items or () if isinstance(item, Mapping)]

    def connection(self, server: str) -> Observation:
        """`connection_verdict` of *server* from a fresh cluster list: a check for a wait."""
        return connection_verdict(self.clusters(), server)

    def _call(
        self, method: str, path: str, *, body: Any = None, session: bool = True, scrubbed: str = ""
    ) -> Mapping[str, Any]:
        where = f"{self._where}: {method} {path}"
        headers = {"Accept": "application/json"}
        if session and not self._token:
            raise ProbeFailed(f"{where}: no session: log in first")
        if session:
            headers["Authorization"] = f"Bearer {self._token}"
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            reply = go_tls.https_request(
                self.endpoint,
                server_name=self.server_name,
                context=self._context,
                method=method,
                path=path,
                headers=headers,
                body=None if body is None else json.dumps(body).encode(),
                timeout=self.timeout,
            )
        except ssl.SSLCertVerificationError as err:
            raise ProbeFailed(f"{where}: {self._untrusted(err)}") from err
        except (OSError, http.client.HTTPException) as err:
            raise ProbeFailed(f"{where}: {self._unreachable(err)}") from err
        if reply.status != http.HTTPStatus.OK:
            said = f"{reply.status} {reply.reason} ({scrub(reply.message(), self._token, scrubbed)})"
            raise ProbeFailed(f"{where}: {said}{_refusal_hint(reply.status, path)}")
        try:
            doc = reply.json()
        except ValueError:
            doc = None
        if not isinstance(doc, Mapping):
            raise ProbeFailed(f"{where}: answered {reply.status} without a JSON object: is it argocd-server's API?")
        return doc

    def _untrusted(self, err: ssl.SSLCertVerificationError) -> str:
        failure = go_tls.x509_failure(err, self.endpoint, self.server_name, self._ca_pem, self.timeout)
        fixes = {
            go_tls.CertificateProblem.NAME: "pass server_name as one of the names it lists",
            go_tls.CertificateProblem.AUTHORITY: (
                "the certificate given is not the one argocd-server serves: take tls.crt of Secret "
                "argocd-server-tls if it exists (it wins), else of argocd-secret"
            ),
            go_tls.CertificateProblem.VALIDITY: (
                "renew it (argocd-server generates a new one, valid a year, when tls.crt and tls.key are "
                "removed from argocd-secret)"
            ),
        }
        fix = fixes.get(failure.problem)
        return f"tls: failed to verify certificate: {failure.text}" + (f"; fix: {fix}" if fix else "")

    def _unreachable(self, err: OSError | http.client.HTTPException) -> str:
        text = go_tls.connection_failure(err, self.endpoint, self.timeout, "argocd-server")
        if isinstance(err, ssl.SSLError) and "WRONG_VERSION_NUMBER" in str(err):
            text += "; argocd-server may serve plain HTTP (server.insecure: true, --insecure)"
        return text


def connection_state(clusters: Iterable[ClusterInfo], server: str) -> ClusterInfo | None:
    """The cluster whose URL is *server*, or ``None``.

    Trailing slashes do not count (Argo CD cuts them), nor does ``:443`` when no cluster has the URL as
    written. Argo CD itself compares the strings: an Application's destination must match exactly.
    """
    listed = list(clusters)
    for same in (_without_slash, _without_port_443):
        found = next((cluster for cluster in listed if same(cluster.server) == same(server)), None)
        if found is not None:
            return found
    return None


def connection_verdict(clusters: Sequence[ClusterInfo], server: str) -> Observation:
    """Argo CD's connection state of *server* as a wait's observation.

    *succeeded* when ``Successful``; *failed* when ``Failed`` with a certificate or credential error, which
    needs a person; *pending* otherwise, with the hint that ``Unknown`` with no Application means Argo CD
    has not tried yet.
    """
    found = connection_state(clusters, server)
    if found is None:
        listed = ", ".join(cluster.server for cluster in clusters) or "none"
        return Observation.pending(
            f"want cluster {server} in Argo CD, it lists {listed}: is its Secret in Argo CD's namespace, "
            "labelled argocd.argoproj.io/secret-type: cluster?"
        )
    if found.status == "Successful":
        version = found.server_version or "version unknown"
        return Observation.succeeded(
            f"Argo CD connects to {server}: Successful (Kubernetes {version}, {found.applications_count} Applications)"
        )
    if found.status == "Failed":
        seen = f"want Successful for {server}, is Failed: {found.message}"
        lasting = any(mark in found.message for mark in _LASTING)
        return Observation.failed(seen) if lasting else Observation.pending(seen)
    hint = NOT_MONITORED_HINT if found.applications_count == 0 else "the application controller has not synced it yet"
    detail = f" ({found.message})" if found.message else ""
    return Observation.pending(f"want Successful for {server}, is {found.status or 'not reported'}{detail}: {hint}")


def _refusal_hint(status: int, path: str) -> str:
    if status == http.HTTPStatus.UNAUTHORIZED and path == _SESSION:
        return (
            ": check the username and password; admin's initial password is key password of Secret "
            "argocd-initial-admin-secret, valid until someone changes it"
        )
    if status == http.HTTPStatus.UNAUTHORIZED:
        return ": the session token was refused (expired?): log in again"
    if status == http.HTTPStatus.FORBIDDEN:
        return ": the account may not do this: see policy.csv in ConfigMap argocd-rbac-cm"
    if status == http.HTTPStatus.NOT_FOUND:
        return ": is it argocd-server's API (Service port 443), without a server.rootpath?"
    return ""


def _without_slash(url: str) -> str:
    return url.rstrip("/")


def _without_port_443(url: str) -> str:
    return url.rstrip("/").removesuffix(":443")


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
