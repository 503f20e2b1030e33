"""The real backend opens the API server inside a vCluster: a real port-forward, a real TLS handshake.

The host is the fake API server over HTTP; it holds Secret ``vc-vc1`` as vCluster writes it. The
vCluster's API is another fake API server, over HTTPS with a certificate signed by a generated CA (SANs
localhost and 127.0.0.1, as vCluster's defaults) that requires a client certificate from that CA. The
stand-in ``kubectl`` relays its local port to it, as ``kubectl port-forward svc/vc1 :443`` would.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest

# selftests/ is on sys.path (pyproject pythonpath), so this folder imports as the namespace package k8s.
from k8s import fakeapi, fakekubectl
from oamconf.errors import AccessDenied, ApiError, ClusterUnreachable
from oamconf.k8s.api import Ref
from oamconf.k8s.kube import KubeCluster
from oamconf.redact import MASK, Redactor
from oamconf.testkit.certs import CertPair, make_ca, make_client_cert, make_server_cert

# The backend fixtures, shared through fakeapi.py; pytest finds a fixture by its name in this module.
api, redactor, kubeconfig, cluster = fakeapi.api, fakeapi.redactor, fakeapi.kubeconfig, fakeapi.cluster

SECRET_PATH: Final = "/api/v1/namespaces/vc1-ns/secrets/vc-vc1"
NAMESPACES: Final = "/api/v1/namespaces"
CLIENT_NAME: Final = "vcluster-admin"


def vc_secret(ca: CertPair, client: CertPair, *, only: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Secret ``vc-vc1`` as vCluster writes it; its ``config`` points at the pod's own localhost:8443."""
    config = {"clusters": [{"name": "my-vcluster", "cluster": {"server": "https://localhost:8443"}}]}
    values = {
        "certificate-authority": ca.cert_pem,
        "client-certificate": client.cert_pem,
        "client-key": client.key_pem,
        "config": json.dumps(config).encode(),
        "token": b"",
    }
    data = {key: base64.b64encode(value).decode() for key, value in values.items() if only is None or key in only}
    meta = {"name": "vc-vc1", "namespace": "vc1-ns", "labels": {"app": "vcluster", "vcluster-name": "vc1"}}
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": meta, "data": data}


@pytest.fixture
def vcluster_ca() -> CertPair:
    return make_ca("vcluster-ca")


@pytest.fixture
def admin(vcluster_ca: CertPair) -> CertPair:
    return make_client_cert(vcluster_ca, CLIENT_NAME)


@pytest.fixture
def serving_sans() -> tuple[list[str], list[str]]:
    """The DNS and IP SANs of the vCluster's serving certificate: some of vCluster's defaults."""
    return ["localhost", "vc1", "vc1.vc1-ns"], ["127.0.0.1"]


@pytest.fixture
def inside_api(
    vcluster_ca: CertPair, serving_sans: tuple[list[str], list[str]], tmp_path: Path
) -> Iterator[fakeapi.FakeApiServer]:
    """The vCluster's API server: TLS with *serving_sans*, client certificates of its CA required."""
    dns_names, ip_addresses = serving_sans
    serving = make_server_cert(vcluster_ca, dns_names=dns_names, ip_addresses=ip_addresses)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*serving.write(tmp_path, "serving"))
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=vcluster_ca.cert_pem.decode())
    server = fakeapi.FakeApiServer()
    server.start(context)
    yield server
    server.stop()


@pytest.fixture
def kubectl_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inside_api: fakeapi.FakeApiServer) -> Path:
    """A stand-in ``kubectl`` first on PATH that relays to the vCluster's API; it records its last argv."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "kubectl-argv.json"
    fakekubectl.write_fake_kubectl(bin_dir / "kubectl", record, forward_to=("127.0.0.1", inside_api.port))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return record


@dataclass(frozen=True)
class VCluster:
    """vc1 in vc1-ns: the host's and its own API server, the stand-in kubectl's record, its CA and client."""

    host: fakeapi.FakeApiServer
    inside: fakeapi.FakeApiServer
    kubectl_record: Path
    ca: CertPair
    admin: CertPair

    def argv(self) -> list[str]:
        """The arguments of kubectl's last run."""
        return list(json.loads(self.kubectl_record.read_text(encoding="utf-8"))["argv"])


@pytest.fixture
def vc1(
    api: fakeapi.FakeApiServer,
    inside_api: fakeapi.FakeApiServer,
    kubectl_record: Path,
    vcluster_ca: CertPair,
    admin: CertPair,
) -> VCluster:
    return VCluster(api, inside_api, kubectl_record, vcluster_ca, admin)


def server_of(inside: object) -> str:
    """The URL the vCluster's client was pointed at (``Cluster`` does not name it; the real backend does)."""
    assert isinstance(inside, KubeCluster)
    return inside.server


# -- a vCluster that is up ------------------------------------------------------------------------


def test_the_api_inside_answers_through_the_port_forward_signed_in_with_the_secrets_client_certificate(
    cluster: KubeCluster, vc1: VCluster, kubeconfig: Path
) -> None:
    vc1.host.answer("GET", SECRET_PATH, vc_secret(vc1.ca, vc1.admin))
    names = [{"metadata": {"name": name}} for name in ("default", "demo")]
    vc1.inside.answer("GET", NAMESPACES, {"kind": "NamespaceList", "apiVersion": "v1", "items": names})

    with cluster.open_vcluster("vc1-ns", "vc1") as inside:
        namespaces = inside.list("v1", "Namespace")
        name = inside.name

    assert [n.ref.name for n in namespaces] == ["default", "demo"]
    (listed,) = vc1.inside.calls(NAMESPACES)
    assert listed.client_cert == CLIENT_NAME
    assert name == "vcluster vc1 (vc1-ns) via fake"
    assert vc1.argv() == [
        "port-forward", "svc/vc1", ":443", "-n", "vc1-ns", "--kubeconfig", str(kubeconfig), "--context", "fake"
    ]  # fmt: skip


def test_the_key_lives_in_a_private_folder_while_open_and_is_gone_after(cluster: KubeCluster, vc1: VCluster) -> None:
    vc1.host.answer("GET", SECRET_PATH, vc_secret(vc1.ca, vc1.admin))

    with cluster.open_vcluster("vc1-ns", "vc1") as inside, inside.port_forward("demo", "web", 80):
        # A port-forward inside the vCluster runs kubectl with the vCluster's kubeconfig, in that folder.
        flags = vc1.argv()
        private = Path(flags[flags.index("--kubeconfig") + 1]).parent
        modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in [private, *private.iterdir()]}
        config = json.loads((private / "kubeconfig").read_text(encoding="utf-8"))
        key_file = Path(config["users"][0]["user"]["client-key"])
        key_on_disk = key_file.read_bytes()
        discovery_cache = Path(inside._discovery.cache_dir) if isinstance(inside, KubeCluster) else None

    assert flags[:5] == ["port-forward", "svc/web", ":80", "-n", "demo"]
    assert modes == {
        private.name: 0o700,
        "ca.crt": 0o600,
        "client.crt": 0o600,
        "client.key": 0o600,
        "kubeconfig": 0o600,
    }
    assert key_file.parent == private
    assert key_on_disk == vc1.admin.key_pem
    assert config["clusters"][0]["cluster"]["server"].startswith("https://127.0.0.1:")
    assert not private.exists()
    assert discovery_cache is not None
    assert not discovery_cache.exists()  # closed with the block, not whenever the object is collected


def test_secrets_of_the_host_and_of_the_vcluster_are_masked_by_the_hosts_redactor(
    cluster: KubeCluster, vc1: VCluster, redactor: Redactor
) -> None:
    vc1.host.answer("GET", SECRET_PATH, vc_secret(vc1.ca, vc1.admin))
    inner_secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "demo"}}
    inner_secret["data"] = {"password": base64.b64encode(b"inside-s3cret-pw").decode()}
    vc1.inside.answer("GET", "/api/v1/namespaces/demo/secrets/db", inner_secret)

    with cluster.open_vcluster("vc1-ns", "vc1") as inside:
        inside.get(Ref("v1", "Secret", "db", "demo"))

    key_line = vc1.admin.key_pem.decode().splitlines()[1]
    echoed = f"a controller echoed {key_line} and inside-s3cret-pw"
    assert redactor.redact(echoed) == f"a controller echoed {MASK} and {MASK}"


def test_a_proxy_the_environment_names_is_not_used_for_the_local_port_forward(
    cluster: KubeCluster, vc1: VCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # the discard port: nothing answers a proxy there
    vc1.host.answer("GET", SECRET_PATH, vc_secret(vc1.ca, vc1.admin))
    vc1.inside.answer("GET", NAMESPACES, {"kind": "NamespaceList", "apiVersion": "v1", "items": []})

    with cluster.open_vcluster("vc1-ns", "vc1") as inside:
        assert inside.list("v1", "Namespace") == []


# -- what goes wrong, in one line -------------------------------------------------------------------


def test_a_secret_whose_ca_did_not_sign_the_serving_certificate_is_not_trusted(
    cluster: KubeCluster, vc1: VCluster
) -> None:
    vc1.host.answer("GET", SECRET_PATH, vc_secret(make_ca("another-vcluster-ca"), vc1.admin))

    with cluster.open_vcluster("vc1-ns", "vc1") as inside:
        with pytest.raises(ClusterUnreachable) as caught:
            inside.list("v1", "Namespace")
        server = server_of(inside)

    message = str(caught.value)
    said_by_openssl = message.split("vc1-ns/vc-vc1): ", 1)[-1].split(";", maxsplit=1)[0]
    assert message == (
        f"Unreachable: vCluster vc1 in vc1-ns: the certificate of its API server at {server} is not trusted by "
        f"the vCluster's CA (key certificate-authority of Secret vc1-ns/vc-vc1): {said_by_openssl}; "
        "a re-created vCluster has a new CA: open it again"
    )
    assert "certificate" in said_by_openssl  # e.g. "self-signed certificate in certificate chain"
    assert "\n" not in message
    assert vc1.inside.received == []  # no request got past the handshake


@pytest.mark.parametrize("serving_sans", [(["vc1.vc1-ns.svc"], [])])
def test_a_serving_certificate_without_127_0_0_1_fails_the_hostname_check(cluster: KubeCluster, vc1: VCluster) -> None:
    vc1.host.answer("GET", SECRET_PATH, vc_secret(vc1.ca, vc1.admin))

    with cluster.open_vcluster("vc1-ns", "vc1") as inside, pytest.raises(ClusterUnreachable) as caught:
        inside.list("v1", "Namespace")

    assert str(caught.value).startswith(
        f"Unreachable: vCluster vc1 in vc1-ns: the certificate of its API server at {server_of(inside)} "
        "does not cover the address: "
    )
    assert "127.0.0.1" in str(caught.value).partition("does not cover the address: ")[2]
    assert vc1.inside.received == []


def test_a_vcluster_without_its_secret_is_not_up(cluster: KubeCluster, vc1: VCluster) -> None:
    with pytest.raises(ApiError) as caught, cluster.open_vcluster("vc1-ns", "vc1"):
        pytest.fail("no Secret, the vCluster must not open")

    assert str(caught.value) == "404 NotFound: vCluster vc1 in vc1-ns: Secret vc-vc1 not found: is the vCluster up?"
    assert [c.path for c in vc1.host.calls()] == [SECRET_PATH]
    assert not vc1.kubectl_record.exists()  # nothing forwarded


def test_a_secret_without_the_client_certificate_says_which_keys_it_lacks(cluster: KubeCluster, vc1: VCluster) -> None:
    vc1.host.answer("GET", SECRET_PATH, vc_secret(vc1.ca, vc1.admin, only=("certificate-authority", "config", "token")))

    with pytest.raises(ApiError) as caught, cluster.open_vcluster("vc1-ns", "vc1"):
        pytest.fail("no client certificate, the vCluster must not open")

    assert str(caught.value) == (
        "VClusterSecretInvalid: vCluster vc1 in vc1-ns: Secret vc-vc1 has no client-certificate, client-key "
        "(keys: certificate-authority, config, token): the suite signs in with the client certificate vCluster "
        "writes there by default"
    )
    assert not vc1.kubectl_record.exists()


def test_a_failed_port_forward_names_the_vcluster_and_its_service(cluster: KubeCluster, vc1: VCluster) -> None:
    vc1.host.answer("GET", "/api/v1/namespaces/vc1-ns/secrets/vc-missing", vc_secret(vc1.ca, vc1.admin))

    with pytest.raises(ApiError) as caught, cluster.open_vcluster("vc1-ns", "missing"):
        pytest.fail("the forward failed, the vCluster must not open")

    assert str(caught.value) == (
        "PortForwardFailed: vCluster missing in vc1-ns: no port-forward to its Service vc1-ns/missing port 443: "
        'kubectl port-forward svc/missing :443 -n vc1-ns exited with status 1: error: services "missing" not found'
    )
    assert vc1.kubectl_record.exists()


def test_a_refused_client_certificate_is_access_denied_naming_the_secret(cluster: KubeCluster, vc1: VCluster) -> None:
    vc1.host.answer("GET", SECRET_PATH, vc_secret(vc1.ca, vc1.admin))
    vc1.inside.fail("GET", NAMESPACES, 401, "Unauthorized", "Unauthorized")

    with cluster.open_vcluster("vc1-ns", "vc1") as inside, pytest.raises(AccessDenied) as caught:
        inside.list("v1", "Namespace")

    assert str(caught.value) == (
        f"401 Unauthorized: vCluster vc1 in vc1-ns: its API server at {server_of(inside)} refused "
        "the client certificate of Secret vc1-ns/vc-vc1 (Unauthorized): "
        "was the vCluster re-created since it was opened?"
    )


def test_other_errors_inside_the_vcluster_reach_the_caller_as_the_api_server_said_them(
    cluster: KubeCluster, vc1: VCluster
) -> None:
    vc1.host.answer("GET", SECRET_PATH, vc_secret(vc1.ca, vc1.admin))
    vc1.inside.fail("GET", NAMESPACES, 500, "InternalError", "etcdserver: request timed out")

    with pytest.raises(ApiError) as caught, cluster.open_vcluster("vc1-ns", "vc1") as inside:
        inside.list("v1", "Namespace")

    assert str(caught.value) == "500 InternalError: etcdserver: request timed out"
