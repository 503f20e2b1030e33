"""function-patch-and-transform v0.10.9 built from its module, run as a pod-like process serving gRPC over mutual
TLS with a serving certificate for its Service names from the local CA, and called the way Crossplane core calls
it: ``fncall`` (crossplane's own mTLS loader and function client) in a sandbox of its own, dialling
``dns:///function-patch-and-transform.crossplane-system:<port>``, a name only that sandbox's hosts file resolves."""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localcp.providers import await_exit
from oamconf.cluster import gobuild
from oamconf.cluster.localcp import functions
from oamconf.cluster.localcp.certs import LOOPBACK, Identity, Pair, client_certificate, serving_certificate
from oamconf.cluster.localcp.controlplane import LocalControlPlane
from oamconf.cluster.localcp.ports import choose
from oamconf.cluster.localcp.process import await_ready, stop_all
from oamconf.cluster.localcp.sandbox import Pod, start_pod
from oamconf.cluster.localcp.sandbox_exec import RUN
from oamconf.cluster.tools import default_cache_dir
from oamconf.k8s.wait import Observation

SERVICE = "function-patch-and-transform"
CLIENT_DIR = RUN / "tls" / "client"
REQUEST = RUN / "request.json"
# One composed resource patched from the composite: what the platform's Composition asks of the function.
RUN_FUNCTION_REQUEST: dict[str, Any] = {
    "meta": {"tag": "selftest"},
    "observed": {
        "composite": {
            "resource": {
                "apiVersion": "platform.example.org/v1alpha1",
                "kind": "VirtualCluster",
                "metadata": {"name": "vc1"},
                "spec": {"namespace": "team-a"},
            }
        }
    },
    "input": {
        "apiVersion": "pt.fn.crossplane.io/v1beta1",
        "kind": "Resources",
        "resources": [
            {
                "name": "marker",
                "base": {"apiVersion": "v1", "kind": "ConfigMap", "data": {}},
                "patches": [
                    {"type": "FromCompositeFieldPath", "fromFieldPath": "spec.namespace", "toFieldPath": "data.ns"}
                ],
            }
        ],
    },
}


def built(name: str) -> Path:
    return gobuild.ensure_all([name], cache_dir=default_cache_dir())[0].path


@pytest.fixture(scope="module")
def function(plane: LocalControlPlane, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Pair]]:
    """The function serving on a free loopback port; yields the port and a client certificate Crossplane would use."""
    assert plane.pki is not None
    folder = tmp_path_factory.mktemp("function-certs")
    serving = serving_certificate(plane.pki.ca, Identity(SERVICE), folder, dns=functions.service_names(SERVICE))
    client = client_certificate(plane.pki.ca, Identity("crossplane"), folder)
    port = choose(("function",), usual={}, avoid=plane.ports.values())["function"]
    pod = Pod(
        SERVICE,
        functions.function_argv(built("function-patch-and-transform"), port),
        None,
        plane.ports["kube-apiserver"],
        files=functions.certificate_files(serving, plane.pki.ca.cert),
    )
    process = start_pod(pod, log=folder / "function.log", ready=lambda: functions.listening(port))
    try:
        await_ready(process, timeout=60)
        yield port, client
    finally:
        stop_all([process])


def test_the_function_answers_run_function_over_mtls_at_its_service_name(
    plane: LocalControlPlane, function: tuple[int, Pair], tmp_path: Path
) -> None:
    assert plane.pki is not None
    port, client = function
    files = functions.certificate_files(client, plane.pki.ca.cert, CLIENT_DIR)
    files[REQUEST] = json.dumps(RUN_FUNCTION_REQUEST)
    argv: list[str | Path] = [built("fncall"), functions.endpoint(SERVICE, port), CLIENT_DIR, REQUEST]
    pod = Pod("fncall", argv, None, plane.ports["kube-apiserver"], files=files, hosts=functions.hosts(SERVICE))
    log = tmp_path / "fncall.log"

    process = start_pod(pod, log=log, ready=lambda: Observation.succeeded("started"))
    try:
        code = await_exit(process, timeout=60)
    finally:
        stop_all([process])

    assert code == 0, process.tail()
    answer = json.loads(log.read_text().strip().splitlines()[-1])
    composed = answer["desired"]["resources"]["marker"]["resource"]
    assert answer["meta"] == {"tag": "selftest", "ttl": "60s"}
    assert composed == {"apiVersion": "v1", "kind": "ConfigMap", "data": {"ns": "team-a"}}


def test_the_function_refuses_a_client_without_a_certificate(
    plane: LocalControlPlane, function: tuple[int, Pair]
) -> None:
    assert plane.pki is not None
    port, _ = function
    context = ssl.create_default_context(cafile=str(plane.pki.ca.cert))
    context.set_alpn_protocols(["h2"])

    name = f"{SERVICE}.{functions.NAMESPACE}"
    with (  # noqa: PT012 - TLS 1.3 sends the server's refusal after the handshake: it comes on the first read
        pytest.raises((ssl.SSLError, ConnectionResetError)) as refused,
        socket.create_connection((LOOPBACK, port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=name) as tls,
    ):
        tls.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        tls.recv(1)

    assert "TLSV13_ALERT_CERTIFICATE_REQUIRED" in str(refused.value)
