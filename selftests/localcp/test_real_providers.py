"""provider-kubernetes v1.2.1 built from its module, run as a pod-like process (``sandbox``) with the platform's
``InjectedIdentity`` ProviderConfig, on the real control plane: what it does is the real provider's, and who it
is to the API server is the ServiceAccount the platform binds. Its CRDs come straight from the module's
``package/crds`` (Crossplane's package manager is not started here)."""

from __future__ import annotations

import base64
import secrets
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localcp.providers import await_exit, delete_all, install, running
from oamconf.cluster.localcp.controlplane import LocalControlPlane
from oamconf.cluster.localcp.process import OwnedProcess, stop_all
from oamconf.cluster.localcp.providers import CROSSPLANE_NAMESPACE, PROVIDER_KUBERNETES
from oamconf.cluster.localcp.sandbox import PROBE, Pod, PodIdentity, refusal, start_pod
from oamconf.k8s.api import Ref
from oamconf.k8s.conditions import all_of, condition_is
from oamconf.k8s.expect import Expect
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.wait import Observation


@pytest.fixture(scope="module")
def plane(own_plane: LocalControlPlane) -> LocalControlPlane:
    """A control plane of this module's own: these tests apply the providers' CRDs themselves, which on the
    session's plane Crossplane's package manager (test_real_crossplane) may own already, conversion webhook and all."""
    return own_plane


OBJECT = "kubernetes.crossplane.io/v1alpha2"
SYNCED_AND_READY = all_of(condition_is("Synced"), condition_is("Ready"))
# Who the sandboxed process is, asked the way a pod would (the kubernetes client's in-cluster config), after it
# binds the port given as its argument on every address, as a controller-runtime manager binds :8080.
WHOAMI = (
    "import socket, sys; socket.socket().bind(('', int(sys.argv[1]))); "
    "from kubernetes import client, config; config.load_incluster_config(); "
    "body = {'apiVersion': 'authentication.k8s.io/v1', 'kind': 'SelfSubjectReview'}; "
    "print(client.AuthenticationV1Api().create_self_subject_review(body).status.user_info.username)"
)


@pytest.fixture(scope="module")
def provider_kubernetes(
    admin: KubeCluster, plane: LocalControlPlane, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OwnedProcess]:
    install(admin, plane, PROVIDER_KUBERNETES)
    log = tmp_path_factory.mktemp("provider-kubernetes") / "provider-kubernetes.log"
    with running(admin, plane, PROVIDER_KUBERNETES, log) as process:
        yield process


def object_of(manifest: dict[str, Any], **spec: Any) -> dict[str, Any]:
    name = f"lcp-{manifest['kind'].lower()}-{secrets.token_hex(3)}"
    body = {"forProvider": {"manifest": manifest}, "providerConfigRef": {"name": "kubernetes-provider"}, **spec}
    return {"apiVersion": OBJECT, "kind": "Object", "metadata": {"name": name}, "spec": body}


@pytest.fixture
def objects(admin: KubeCluster, provider_kubernetes: OwnedProcess) -> Iterator[list[Ref]]:
    """Objects a test made, deleted while the provider still runs (it removes their finalizer)."""
    made: list[Ref] = []
    yield made
    assert provider_kubernetes.exit_code() is None, provider_kubernetes.tail()  # else nothing removes the finalizers
    delete_all(admin, made, timeout=60)


def test_a_sandboxed_process_is_its_service_account_to_the_api_server(
    admin: KubeCluster, plane: LocalControlPlane, tmp_path: Path
) -> None:
    assert plane.pki is not None
    admin.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": CROSSPLANE_NAMESPACE}})
    account = {"name": "lcp-whoami", "namespace": CROSSPLANE_NAMESPACE}
    admin.apply({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": account})
    identity = PodIdentity.request(admin, plane.pki.ca.cert, CROSSPLANE_NAMESPACE, "lcp-whoami")
    hosts_before = Path("/etc/hosts").read_text()

    with socket.socket() as taken:  # a port the host holds: only a network of its own can bind it again
        taken.bind(("", 0))
        argv = [sys.executable, "-c", WHOAMI, str(taken.getsockname()[1])]
        pod = Pod(
            "whoami", argv, identity, plane.ports["kube-apiserver"], hosts={"a.b.svc": "127.0.0.1"}, own_network=True
        )
        process = start_pod(pod, log=tmp_path / "whoami.log", ready=lambda: Observation.succeeded("started"))
        try:
            code = await_exit(process, timeout=60)
        finally:
            stop_all([process])

    assert code == 0, process.tail()
    assert process.log.read_text().strip().splitlines()[-1] == "system:serviceaccount:crossplane-system:lcp-whoami"
    assert not Path("/run/secrets/kubernetes.io").exists()  # the files were in the namespace's tmpfs
    assert Path("/etc/hosts").read_text() == hosts_before  # bound over in the namespace only


def test_a_user_who_may_not_make_a_mount_namespace_is_told_so_in_one_line() -> None:
    nobody = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")

    said = refusal([*nobody, *PROBE])

    assert said == (
        "the pod-like sandbox needs a mount namespace and `unshare --mount` was refused (unshare: unshare failed: "
        "Operation not permitted): run as root or with CAP_SYS_ADMIN (a container: --cap-add SYS_ADMIN), or "
        "without the providers' InjectedIdentity"
    )


def test_an_object_creates_a_configmap_through_the_injected_identity(
    admin: KubeCluster, namespace: str, objects: list[Ref]
) -> None:
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "made", "namespace": namespace}}
    ref = admin.apply(object_of({**config_map, "data": {"greeting": "hello"}})).ref
    objects.append(ref)

    live = Expect(admin)(ref, SYNCED_AND_READY, timeout=90)

    made = admin.get(Ref("v1", "ConfigMap", "made", namespace))
    assert made is not None
    assert made.field("data") == {"greeting": "hello"}
    assert str(live.condition("Synced")) == "Synced=True reason=ReconcileSuccess"
    assert str(live.condition("Ready")) == "Ready=True reason=Available"


def test_an_observe_object_reads_a_secret_into_its_status(
    admin: KubeCluster, namespace: str, objects: list[Ref]
) -> None:
    token = base64.b64encode(b"not-a-real-token").decode()
    meta = {"name": "observed", "namespace": namespace}
    admin.apply({"apiVersion": "v1", "kind": "Secret", "metadata": meta, "data": {"token": token}})
    manifest = {"apiVersion": "v1", "kind": "Secret", "metadata": meta}
    ref = admin.apply(object_of(manifest, managementPolicies=["Observe"])).ref
    objects.append(ref)

    live = Expect(admin)(ref, SYNCED_AND_READY, timeout=90)

    assert str(live.condition("Synced")) == "Synced=True reason=ReconcileSuccess"
    assert str(live.condition("Ready")) == "Ready=True reason=Available"
    seen = live.field("status.atProvider.manifest")
    assert sorted(seen) == ["apiVersion", "data", "kind", "metadata", "type"]  # the whole Secret (issue 16 item 10)
    assert seen["data"] == {"token": token}  # its value as the Secret holds it: readable by whoever reads Objects
