"""A vCluster API stand-in for the cluster Secret probe, and Argo CD cluster Secrets to point at it.

The server is selftests/k8s/fakeapi.py's over real HTTPS, with a serving certificate of a vCluster-like CA.
Like kube-apiserver it asks for a client certificate but does not require one, and answers only a known
bearer token or a client certificate its CA signed (a 401 Status otherwise). It records the SNI of every
handshake, so a test sees the name the client verified.
"""

from __future__ import annotations

import base64
import contextlib
import json
import ssl
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

# selftests/ is on sys.path (pyproject pythonpath), so that folder imports as the namespace package k8s.
from k8s import fakeapi
from oamconf.k8s.api import Endpoint, KubeObject
from oamconf.testkit.certs import CertPair, make_client_cert, make_server_cert

VC1: Final = "https://vc1.vc1-ns.svc:443"
ADMIN: Final = "vcluster-admin"
# vCluster's default serving-certificate DNS names for vc1 in vc1-ns (platform-facts §3), a few left out.
DEFAULT_SANS: Final = ("kubernetes.default.svc", "kubernetes", "localhost", "vc1", "vc1.vc1-ns")
WITH_SERVICE_NAME: Final = (*DEFAULT_SANS, "vc1.vc1-ns.svc", "vc1.vc1-ns.svc.cluster.local")
NAMESPACES: Final = {"kind": "NamespaceList", "apiVersion": "v1", "items": [{"metadata": {"name": "default"}}]}


@dataclass
class VClusterApi(fakeapi.FakeApiServer):
    """fakeapi's server, answering only *tokens* and client certificates named in *client_names*."""

    tokens: set[str] = field(default_factory=set)
    client_names: set[str] = field(default_factory=set)
    server_names: list[str] = field(default_factory=list)

    def respond(self, request: fakeapi.Request) -> fakeapi.Reply:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if bearer in self.tokens or request.client_cert in self.client_names:
            return super().respond(request)
        with self._lock:
            self.received.append(request)
        unauthorized = fakeapi.status_body(401, "Unauthorized", "Unauthorized")
        return fakeapi.Reply(401, json.dumps(unauthorized).encode())

    def record_server_name(self, _sock: ssl.SSLSocket | ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        self.server_names.append(name or "")


@contextlib.contextmanager
def serve_vcluster_api(
    ca: CertPair,
    directory: Path,
    *,
    dns_names: Iterable[str] = WITH_SERVICE_NAME,
    tokens: Iterable[str] = (),
    client_names: Iterable[str] = (),
    handshake_with: Iterable[CertPair] = (),
) -> Iterator[tuple[VClusterApi, Endpoint]]:
    """The vCluster's API on a free loopback port, its serving certificate for *dns_names* signed by *ca*.

    Parameters:
        handshake_with: more CAs whose client certificates complete the handshake (and are then refused
            unless named in *client_names*). kube-apiserver finishes any handshake and refuses a certificate
            its CA did not sign with a 401; ssl would end the handshake instead.
    """
    serving = make_server_cert(ca, dns_names=dns_names, ip_addresses=["127.0.0.1"], common_name="kube-apiserver")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*serving.write(directory, "serving"))
    context.verify_mode = ssl.CERT_OPTIONAL
    for trusted in (ca, *handshake_with):
        context.load_verify_locations(cadata=trusted.cert_pem.decode())
    server = VClusterApi(tokens=set(tokens), client_names=set(client_names))
    context.sni_callback = server.record_server_name
    server.answer("GET", "/api/v1/namespaces", NAMESPACES)
    server.start(context)
    try:
        yield server, Endpoint("127.0.0.1", server.port)
    finally:
        server.stop()


def client_cert(ca: CertPair, common_name: str = ADMIN) -> CertPair:
    """A client certificate signed by *ca*, shaped like the admin one vCluster writes into ``vc-<name>``."""
    return make_client_cert(ca, common_name)


def b64(value: bytes | str) -> str:
    return base64.b64encode(value.encode() if isinstance(value, str) else value).decode()


def cluster_secret(
    config: Mapping[str, Any] | str,
    *,
    server: str = VC1,
    labels: Mapping[str, str] | None = None,
    data: Mapping[str, str] | None = None,
) -> KubeObject:
    """Secret ``argocd/vcluster-vc1`` as the API server returns it: every value base64 under ``data``."""
    text = config if isinstance(config, str) else json.dumps(config)
    meta = {
        "name": "vcluster-vc1",
        "namespace": "argocd",
        "labels": {"argocd.argoproj.io/secret-type": "cluster"} if labels is None else dict(labels),
    }
    values = {"name": b64("vc1"), "server": b64(server), "config": b64(text), **(data or {})}
    return KubeObject({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": meta, "data": values})
