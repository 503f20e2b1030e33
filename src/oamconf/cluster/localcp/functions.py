"""Composition functions' runtimes as pod-like processes serving gRPC over mutual TLS, as Crossplane runs them.

function-patch-and-transform v0.10.9 (``main.go``) listens at ``--address`` and, unless ``--insecure``, loads
``tls.crt``, ``tls.key`` and ``ca.crt`` from ``--tls-certs-dir`` (env ``TLS_SERVER_CERTS_DIR``) and requires a
client certificate signed by that CA (function-sdk-go ``MTLSCertificates``). Crossplane core dials a function at
its FunctionRevision's ``status.endpoint``, ``dns:///<service>.<namespace>:<port>``, with its client certificate,
and verifies the server's certificate against that name; its TLS initializer issues the function's serving
certificate for ``DNSNamesForService`` (``<service>``, ``<service>.<namespace>``, ``<service>.<namespace>.svc``).
Here the certificate comes from the local CA with the same names, the function listens on a loopback port, and a
process that dials it (Crossplane, in its own sandbox) resolves those names to 127.0.0.1 through ``hosts``.

What the sandbox cannot give it: a port of its own. function-sdk-go v0.5.0 also serves metrics on ``:8080``
(``DefaultMetricsAddress``), ignoring a failure to bind, so a second function (or a provider) on this host
means the function runs without metrics, not that it stops.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Final

from oamconf.cluster.localcp.certs import LOOPBACK, Pair
from oamconf.cluster.localcp.sandbox_exec import RUN
from oamconf.errors import one_line
from oamconf.k8s.wait import Observation

TLS_SERVER_DIR: Final = RUN / "tls" / "server"
NAMESPACE: Final = "crossplane-system"


def service_names(service: str, namespace: str = NAMESPACE) -> list[str]:
    """The names Crossplane's TLS initializer puts in a function's serving certificate (``DNSNamesForService``)."""
    return [service, f"{service}.{namespace}", f"{service}.{namespace}.svc"]


def endpoint(service: str, port: int, namespace: str = NAMESPACE) -> str:
    """The target Crossplane dials (``ServiceEndpointFmt``, ``dns:///%s.%s:%d``)."""
    return f"dns:///{service}.{namespace}:{port}"


def hosts(service: str, namespace: str = NAMESPACE) -> dict[str, str]:
    """The function's Service names, each resolving to loopback, for a sandbox that dials it."""
    return dict.fromkeys(service_names(service, namespace), LOOPBACK)


def function_argv(binary: Path, port: int) -> list[str]:
    return [str(binary), f"--address={LOOPBACK}:{port}", f"--tls-certs-dir={TLS_SERVER_DIR}"]


def certificate_files(serving: Pair, ca: Path, folder: Path = TLS_SERVER_DIR) -> dict[Path, str]:
    """``tls.crt``, ``tls.key`` and ``ca.crt`` (the CA that signed the clients it accepts) under *folder*."""
    return {
        folder / "tls.crt": serving.cert.read_text(encoding="utf-8"),
        folder / "tls.key": serving.key.read_text(encoding="utf-8"),
        folder / "ca.crt": ca.read_text(encoding="utf-8"),
    }


def listening(port: int) -> Observation:
    """The function accepts TCP connections on its port (gRPC serves from then on)."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=2):
            return Observation.succeeded(f"{LOOPBACK}:{port} accepts connections")
    except OSError as err:
        return Observation.pending(f"{LOOPBACK}:{port}: {one_line(str(err), 120)}")
