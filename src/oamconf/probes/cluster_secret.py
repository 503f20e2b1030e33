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
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from cryptography import x509

from oamconf.errors import ProbeFailed
from oamconf.k8s.api import KubeObject, Ref
from oamconf.redact import SecretSink, remember_secret

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
