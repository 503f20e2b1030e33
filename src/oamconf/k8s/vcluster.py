"""What both backends know about reaching a vCluster's API server from its host.

vCluster writes Secret ``vc-<name>`` into its host namespace once its API server runs (platform facts §3):
``certificate-authority``, ``client-certificate`` and ``client-key`` (base64 PEM), and ``config``, a
kubeconfig whose server is ``https://localhost:8443``, the address inside the vCluster's own pod. The suite
never uses that server: it goes through the host Service ``<name>`` port 443 (→ 8443) instead, so only the
three PEM keys are read here. No Secret means the vCluster is not up, and both backends say so the same way.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from oamconf.errors import ApiError
from oamconf.k8s.api import Cluster, Ref
from oamconf.redact import SecretSink

API_PORT: Final = 443  # the Service port named https; it targets the vCluster's 8443
CA_KEY: Final = "certificate-authority"
CREDENTIAL_KEYS: Final = (CA_KEY, "client-certificate", "client-key")


def where(namespace: str, name: str) -> str:
    """``vCluster vc1 in vc1-ns``: how every error about a vCluster starts."""
    return f"vCluster {name} in {namespace}"


def secret_ref(namespace: str, name: str) -> Ref:
    """The Secret vCluster writes its kubeconfig and certificates to."""
    return Ref("v1", "Secret", f"vc-{name}", namespace)


def not_up(namespace: str, name: str) -> ApiError:
    """The error for a vCluster whose Secret is missing, the same in both backends."""
    return ApiError(404, "NotFound", f"{where(namespace, name)}: Secret vc-{name} not found: is the vCluster up?")


@dataclass(frozen=True)
class Credentials:
    """The PEM material of Secret ``vc-<name>``: the CA that signed the vCluster's serving certificate,
    and the client certificate and key of its admin user."""

    ca_pem: bytes = field(repr=False)
    cert_pem: bytes = field(repr=False)
    key_pem: bytes = field(repr=False)


def read_credentials(host: Cluster, namespace: str, name: str, *, secrets: SecretSink | None) -> Credentials:
    """Read Secret ``vc-<name>`` on *host*, telling *secrets* every value before anything can print one.

    Raises:
        ApiError: the Secret is missing (``not_up``), lacks a key, or holds something that is not base64 PEM.
    """
    secret = host.get(secret_ref(namespace, name))
    if secret is None:
        raise not_up(namespace, name)
    data = secret.field("data") or {}
    if not isinstance(data, Mapping):
        data = {}
    if secrets is not None:  # the backend may have told it already; a second time costs nothing
        secrets.add_secret_data(data)
    missing = [key for key in CREDENTIAL_KEYS if not data.get(key)]
    if missing:
        raise _bad_secret(
            namespace,
            name,
            f"has no {', '.join(missing)} (keys: {', '.join(sorted(data)) or 'none'}): the suite signs in with "
            "the client certificate vCluster writes there by default",
        )
    ca, cert, key = (_pem(namespace, name, key, data[key]) for key in CREDENTIAL_KEYS)
    return Credentials(ca_pem=ca, cert_pem=cert, key_pem=key)


def _pem(namespace: str, name: str, key: str, value: object) -> bytes:
    try:
        decoded = base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError) as err:
        raise _bad_secret(namespace, name, f"key {key} is not base64") from err
    if b"-----BEGIN " not in decoded:
        raise _bad_secret(namespace, name, f"key {key} is not PEM")
    return decoded


def _bad_secret(namespace: str, name: str, problem: str) -> ApiError:
    return ApiError(0, "VClusterSecretInvalid", f"{where(namespace, name)}: Secret vc-{name} {problem}")
