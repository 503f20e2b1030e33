"""An Argo CD cluster Secret, read and used the way Argo CD v3.4.4 reads and uses it.

Reading follows ``SecretToCluster`` (util/db/cluster.go): label ``argocd.argoproj.io/secret-type: cluster``,
data keys ``name``, ``server`` (trailing slashes cut) and ``config``, the JSON of ``ClusterConfig`` (types.go),
read as Go's encoding/json reads it: keys match in any case, ``null`` is absent, ``[]byte`` fields are base64,
a wrong type makes the whole Secret unreadable, and an unknown key is dropped without a word (so a misspelt
one silently changes how Argo CD connects: a finding here).

Using it follows ``Cluster.RawRestConfig`` and client-go: TLS trusting caData only (the system roots without
it, nothing with ``insecure``), checked against ``serverName`` or the server's host; a client certificate only
with both certData and keyData; a bearer token or username/password, never both. ``execProviderConfig`` and
``awsAuthConfig`` run a command only Argo CD's pods have, so the suite cannot sign in that way.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import enum
import functools
import http
import http.client
import json
import os
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from oamconf.errors import ProbeFailed
from oamconf.k8s.api import Endpoint, KubeObject, Ref
from oamconf.probes import tls as go_tls
from oamconf.redact import SecretSink, remember_secret, scrub

SECRET_TYPE_LABEL: Final = "argocd.argoproj.io/secret-type"  # noqa: S105 - a label key, not a secret
_REQUIRED: Final = ("name", "server", "config")
# ClusterConfig and TLSClientConfig: each JSON key and the JSON type Go's field takes ([]byte is a base64 string).
_CONFIG: Final = {
    "username": str,
    "password": str,
    "bearerToken": str,
    "tlsClientConfig": dict,
    "awsAuthConfig": dict,
    "execProviderConfig": dict,
    "disableCompression": bool,
    "proxyUrl": str,
}
_TLS: Final = {"insecure": bool, "serverName": str, "certData": str, "keyData": str, "caData": str}
_CREDENTIAL_KEYS: Final = frozenset({"password", "bearertoken", "keydata", "env"})  # env of execProviderConfig
_JSON_TYPES: Final = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
}
_UNREADABLE: Final = 'Argo CD cannot unmarshal it ("could not unmarshal cluster secret") and skips the cluster'


class Credential(enum.StrEnum):
    """What Argo CD signs in with, as client-go sends it."""

    CLIENT_CERTIFICATE = "client certificate"
    BEARER_TOKEN = "bearer token"  # noqa: S105 - the name of a kind of credential
    BASIC = "username and password"
    EXEC = "execProviderConfig"
    AWS = "awsAuthConfig"


class FindingKind(enum.StrEnum):
    INSECURE = "insecure"
    SYSTEM_ROOTS = "system-roots"
    CLIENT_CERTIFICATE = "client-certificate"
    NO_CREDENTIALS = "no-credentials"
    IGNORED_KEY = "ignored-key"


@dataclass(frozen=True)
class Finding:
    """What Argo CD accepts but a report should warn about: what is set, and why it matters."""

    kind: FindingKind
    what: str
    why: str

    def __str__(self) -> str:
        return f"{self.what}: {self.why}"


@dataclass(frozen=True)
class TlsSettings:
    """``tlsClientConfig``, PEM decoded."""

    insecure: bool = False
    server_name: str = ""
    ca_pem: bytes | None = field(default=None, repr=False)
    cert_pem: bytes | None = field(default=None, repr=False)
    key_pem: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ClusterSecret:
    """A cluster as Argo CD reads it from its Secret."""

    ref: Ref
    name: str
    server: str
    tls: TlsSettings
    credentials: tuple[Credential, ...]
    namespaces: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    bearer_token: str = field(default="", repr=False)
    username: str = ""
    password: str = field(default="", repr=False)

    @property
    def host(self) -> str:
        """The host of ``server``: a cluster-internal name such as ``vc1.vc1-ns.svc``."""
        return urlsplit(self.server).hostname or ""

    @property
    def verified_name(self) -> str:
        """The name the server's certificate must cover: ``serverName`` if set, else the host of ``server``."""
        return self.tls.server_name or self.host

    @property
    def summary(self) -> str:
        """How Argo CD connects: ``TLS verified against caData for vc1.vc1-ns.svc, signs in with bearer token``."""
        trust = "caData" if self.tls.ca_pem else "the system roots"
        tls = "TLS NOT verified (insecure: true)" if self.tls.insecure else f"TLS verified against {trust}"
        return f"{tls} for {self.verified_name}, signs in with {', '.join(self.credentials) or 'nothing'}"


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


def parse_cluster_secret(secret: KubeObject, *, secrets: SecretSink | None) -> ClusterSecret:
    """Read *secret* as Argo CD does; *secrets* is told every credential in it before anything can print one.

    Raises:
        ProbeFailed: the label or a key is missing, or a value is not what Argo CD can use; one line that
            names the key, never its value.
    """
    where = str(secret.ref)
    data = secret.field("data")
    data = data if isinstance(data, Mapping) else {}
    remember_secret(secrets, secret.raw)  # its credentials; the cluster's name and server are what it names
    label = secret.labels.get(SECRET_TYPE_LABEL)
    if label != "cluster":
        seen = f"it is {label!r}" if label is not None else "it has none"
        raise ProbeFailed(f"{where}: want label {SECRET_TYPE_LABEL}: cluster, {seen}: Argo CD does not read it")
    missing = [key for key in _REQUIRED if not data.get(key)]
    if missing:
        raise ProbeFailed(
            f"{where}: no data key {', '.join(missing)} (it has: {', '.join(sorted(data)) or 'none'}): "
            "an Argo CD cluster Secret needs name, server and config"
        )
    name, server, config = (_decoded(where, key, data[key]) for key in _REQUIRED)
    server, url = server.rstrip("/"), urlsplit(server)
    if url.scheme != "https" or not url.hostname:
        seen = f"scheme {url.scheme or 'none'}, host {url.hostname or 'none'}"
        raise ProbeFailed(f"{where}: data.server is not an https:// URL with a host ({seen})")
    namespaces = (n.strip() for n in _decoded(where, "namespaces", data.get("namespaces", "")).split(","))
    doc = _json_object(where, config)
    if secrets is not None:  # before any check of the config can fail
        _register(doc, secrets)
    cluster = _read_config(where, doc, (secret.ref, name, server, tuple(n for n in namespaces if n)))
    return dataclasses.replace(cluster, findings=(*_findings(cluster), *cluster.findings))


def _read_config(where: str, doc: Mapping[str, Any], identity: tuple[Ref, str, str, tuple[str, ...]]) -> ClusterSecret:
    top, ignored = _pick(where, doc, _CONFIG, "")
    tls, tls_ignored = _pick(where, top.get("tlsClientConfig", {}), _TLS, "tlsClientConfig.")
    token, user, password = (top.get(key, "") for key in ("bearerToken", "username", "password"))
    settings = TlsSettings(
        insecure=tls.get("insecure", False),
        server_name=tls.get("serverName", ""),
        ca_pem=_ca(where, _bytes(where, tls, "caData")),
        cert_pem=_bytes(where, tls, "certData"),
        key_pem=_bytes(where, tls, "keyData"),
    )
    refused = ""
    if settings.insecure and settings.ca_pem:
        refused = (
            "insecure: true and caData (specifying a root certificates file with the insecure flag is not allowed)"
        )
    elif (user or password) and token:
        refused = "username/password and bearerToken (username/password or bearer token may be set, but not both)"
    if refused:
        raise ProbeFailed(f"{where}: data.config sets {refused}: client-go refuses that and Argo CD cannot connect")
    # RawRestConfig: awsAuthConfig, else execProviderConfig, else the config's bearer token or username/password.
    signs_in = [
        (Credential.AWS, "awsAuthConfig" in top),
        (Credential.EXEC, "execProviderConfig" in top),
        (Credential.BEARER_TOKEN, bool(token)),
        (Credential.BASIC, bool(user or password)),
    ]
    first = next(((kind,) for kind, used in signs_in if used), ())
    # client-go presents a client certificate only with both halves (transport.Config.HasCertAuth).
    with_cert = (Credential.CLIENT_CERTIFICATE,) if settings.cert_pem and settings.key_pem else ()
    ref, name, server, namespaces = identity
    ignored_keys = tuple(_ignored_key(path) for path in ignored + tls_ignored)
    return ClusterSecret(
        ref=ref,
        name=name,
        server=server,
        tls=settings,
        credentials=(*with_cert, *first),
        namespaces=namespaces,
        findings=ignored_keys,
        bearer_token=token,
        username=user,
        password=password,
    )


def _findings(cluster: ClusterSecret) -> list[Finding]:
    tls, host, credentials = cluster.tls, cluster.host, cluster.credentials
    found: list[Finding] = []
    if tls.insecure:
        why = (
            f"Argo CD accepts any certificate for {host}, so whatever answers for that name gets its "
            "credentials and its manifests; set caData to the cluster's CA and insecure to false"
        )
        found.append(Finding(FindingKind.INSECURE, "tlsClientConfig.insecure is true", why))
    elif tls.ca_pem is None:
        why = (
            f"any CA in the system roots of Argo CD's image can vouch for {host}, while a vCluster's "
            "own CA is not among them; set caData to the cluster's CA"
        )
        found.append(Finding(FindingKind.SYSTEM_ROOTS, "no tlsClientConfig.caData", why))
    if Credential.CLIENT_CERTIFICATE in credentials:
        what = "it signs in with a client certificate (certData/keyData), not a ServiceAccount token"
        why = (
            "a vCluster's admin certificate (system:masters) grants everything and only a new CA "
            "revokes it; prefer a ServiceAccount token bound to the role Argo CD needs (bearerToken)"
        )
        found.append(Finding(FindingKind.CLIENT_CERTIFICATE, what, why))
    if not credentials:
        why = (
            "Argo CD connects anonymously (a client certificate needs both certData and keyData); "
            "set bearerToken to a ServiceAccount token"
        )
        found.append(Finding(FindingKind.NO_CREDENTIALS, "data.config holds no usable credentials", why))
    return found


def _ignored_key(path: str) -> Finding:
    belongs = "; it belongs under tlsClientConfig" if path.lower() in {k.lower() for k in _TLS} else ""
    what = f"data.config key {path} is not one Argo CD reads"
    return Finding(FindingKind.IGNORED_KEY, what, f"Argo CD drops it without a word{belongs}")


def _pick(
    where: str, doc: Mapping[str, Any], schema: Mapping[str, type], prefix: str
) -> tuple[dict[str, Any], list[str]]:
    """The known keys of *doc* under their Go names (encoding/json matches any case), type-checked as Go does, and
    the unknown keys."""
    by_lower = {key.lower(): key for key in schema}
    picked: dict[str, Any] = {}
    ignored: list[str] = []
    for key, value in doc.items():
        name = by_lower.get(key.lower())
        if name is None:
            ignored.append(prefix + key)
        elif value is not None and not isinstance(value, schema[name]):  # str, bool, dict: no bool/int overlap
            seen, wanted = _JSON_TYPES.get(type(value), "a value"), _JSON_TYPES[schema[name]]
            raise ProbeFailed(f"{where}: data.config {prefix}{name} is {seen}, not {wanted}: {_UNREADABLE}")
        elif value is not None:
            picked[name] = value
    return picked, ignored


def _register(node: Any, secrets: SecretSink, *, credential: bool = False) -> None:
    """Tell *secrets* each credential of the config, whatever its shape: password, bearerToken, keyData, exec env."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            _register(value, secrets, credential=credential or str(key).lower() in _CREDENTIAL_KEYS)
    elif isinstance(node, str) and credential:
        secrets.add_secret_data({"value": node})


def _bytes(where: str, tls: Mapping[str, Any], key: str) -> bytes | None:
    """A Go ``[]byte``: base64, line breaks allowed (Go's decoder skips them)."""
    value = tls.get(key)
    if not value:
        return None
    try:
        return base64.b64decode(value.replace("\n", "").replace("\r", ""), validate=True)
    except (binascii.Error, ValueError) as err:
        raise ProbeFailed(f"{where}: data.config tlsClientConfig.{key} is not base64: {_UNREADABLE}") from err


def _ca(where: str, pem: bytes | None) -> bytes | None:
    if pem is not None:
        try:
            x509.load_pem_x509_certificates(pem)
        except ValueError as err:
            raise ProbeFailed(
                f"{where}: data.config tlsClientConfig.caData holds no PEM certificate (base64 twice?): Argo CD "
                "would trust no CA (x509: certificate signed by unknown authority)"
            ) from err
    return pem


def _decoded(where: str, key: str, value: object) -> str:
    try:
        return base64.b64decode(str(value), validate=True).decode("utf-8")
    except (binascii.Error, ValueError) as err:  # UnicodeDecodeError is a ValueError
        raise ProbeFailed(f"{where}: data.{key} is not base64 of UTF-8 text") from err


def _json_object(where: str, text: str) -> Mapping[str, Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        at = f"line {err.lineno} column {err.colno}"
        raise ProbeFailed(f"{where}: data.config is not JSON ({err.msg} at {at}): {_UNREADABLE}") from err
    if not isinstance(doc, dict):
        raise ProbeFailed(f"{where}: data.config is {_JSON_TYPES.get(type(doc), 'null')}, not an object")
    return doc


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
    return "" if covered else go_tls.go_hostname_error(x509.load_pem_x509_certificate(pem), name)


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
