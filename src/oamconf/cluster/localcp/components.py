"""What each component of the local control plane runs with: its argument list and its readiness check.

The flags are the ones kubeadm's static pods and kwokctl's binary runtime give these components, narrowed
to loopback: every server binds 127.0.0.1, serves a certificate from the run's CA and is checked through
it. etcd alone speaks plain HTTP, on loopback, to the API server only (as in kwokctl's binary runtime).
Leader election is off: there is one of each.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from oamconf.cluster.localcp.certs import ADMIN, LOOPBACK, SERVICE_CIDR, Pki
from oamconf.cluster.localcp.health import endpoint_ok, tls_context
from oamconf.k8s.simulated import KWOK_NODE_ANNOTATION  # kwok selects its nodes by it
from oamconf.k8s.wait import Observation

SERVICE_ACCOUNT_ISSUER: Final = "https://kubernetes.default.svc.cluster.local"
NODE_LEASE_SECONDS: Final = 40  # kwokctl's default: the node's lease, renewed by kwok, is its heartbeat
# The kwok kinds read from the API server rather than from kwok.yaml: a pod's port-forward target (a server the
# suite starts for it) is known only once the pod exists, so it is a PortForward object, not start-up config.
KWOK_CRDS: Final = ("PortForward",)


@dataclass(frozen=True)
class Binaries:
    """The built (or prebuilt) executables, by component."""

    etcd: Path
    kube_apiserver: Path
    kube_controller_manager: Path
    kube_scheduler: Path
    kwok: Path
    kwokstages: Path
    kwokcrds: Path


@dataclass(frozen=True)
class Layout:
    """Where a control plane keeps its files, under one data directory."""

    root: Path

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def etcd_data(self) -> Path:
        return self.root / "etcd"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def kwok_config(self) -> Path:
        return self.root / "kwok.yaml"

    def kubeconfig(self, user: str) -> Path:
        return self.root / "kubeconfig" / f"{user}.yaml"

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"


def etcd(binaries: Binaries, layout: Layout, client: int, peer: int) -> list[str]:
    client_url, peer_url = f"http://{LOOPBACK}:{client}", f"http://{LOOPBACK}:{peer}"
    return [
        str(binaries.etcd),
        "--name=oamconf",
        f"--data-dir={layout.etcd_data}",
        f"--listen-client-urls={client_url}",
        f"--advertise-client-urls={client_url}",
        f"--listen-peer-urls={peer_url}",
        f"--initial-advertise-peer-urls={peer_url}",
        f"--initial-cluster=oamconf={peer_url}",
        # A throw-away store: fsync buys durability the run does not need, at the cost of every write.
        "--unsafe-no-fsync=true",
    ]


def etcd_ready(client: int) -> Observation:
    return endpoint_ok(f"http://{LOOPBACK}:{client}/health", want='"health":"true"')()


def kube_apiserver(binaries: Binaries, pki: Pki, etcd_client: int, port: int) -> list[str]:
    return [
        str(binaries.kube_apiserver),
        f"--etcd-servers=http://{LOOPBACK}:{etcd_client}",
        f"--bind-address={LOOPBACK}",
        f"--secure-port={port}",
        f"--tls-cert-file={pki.api_server.cert}",
        f"--tls-private-key-file={pki.api_server.key}",
        f"--client-ca-file={pki.ca.cert}",
        f"--service-account-key-file={pki.service_account.cert}",
        f"--service-account-signing-key-file={pki.service_account.key}",
        f"--service-account-issuer={SERVICE_ACCOUNT_ISSUER}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        "--authorization-mode=Node,RBAC",
        "--allow-privileged=true",
        # kwok serves the kubelet API (port-forward, logs) with the loopback certificate: verify it as a kubelet's.
        f"--kubelet-certificate-authority={pki.ca.cert}",
    ]


def api_ready(pki: Pki, port: int) -> Observation:
    # /readyz, not /healthz: it holds back until the bootstrap RBAC and priority-level objects exist.
    return endpoint_ok(f"https://{LOOPBACK}:{port}/readyz", context=tls_context(pki.ca.cert, pki.client(ADMIN)))()


def kube_controller_manager(binaries: Binaries, pki: Pki, layout: Layout, port: int) -> list[str]:
    return [
        str(binaries.kube_controller_manager),
        *_served_with(layout.kubeconfig("kube-controller-manager"), pki, port),
        f"--root-ca-file={pki.ca.cert}",
        f"--service-account-private-key-file={pki.service_account.key}",
        f"--cluster-signing-cert-file={pki.ca.cert}",
        f"--cluster-signing-key-file={pki.ca.key}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        "--use-service-account-credentials=true",  # each controller with its own RBAC, as kubeadm runs it
        "--leader-elect=false",
    ]


def kube_scheduler(binaries: Binaries, pki: Pki, layout: Layout, port: int) -> list[str]:
    return [
        str(binaries.kube_scheduler),
        *_served_with(layout.kubeconfig("kube-scheduler"), pki, port),
        "--leader-elect=false",
    ]


def _served_with(kubeconfig: Path, pki: Pki, port: int) -> list[str]:
    """What kube-controller-manager and kube-scheduler share: one identity for the API server and for
    checking callers of their own secure port, served on loopback with the loopback certificate."""
    return [
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        f"--bind-address={LOOPBACK}",
        f"--secure-port={port}",
        f"--tls-cert-file={pki.loopback_server.cert}",
        f"--tls-private-key-file={pki.loopback_server.key}",
    ]


def secure_healthz(pki: Pki, port: int) -> Observation:
    """/healthz of kube-controller-manager, kube-scheduler and kwok, served with the loopback certificate
    (allowed without credentials by default)."""
    return endpoint_ok(f"https://{LOOPBACK}:{port}/healthz", context=tls_context(pki.ca.cert))()


def kwok(binaries: Binaries, pki: Pki, layout: Layout, port: int) -> list[str]:
    return [
        str(binaries.kwok),
        f"--kubeconfig={layout.kubeconfig('kwok')}",
        f"--config={layout.kwok_config}",
        "--manage-all-nodes=false",
        f"--manage-nodes-with-annotation-selector={KWOK_NODE_ANNOTATION}=fake",
        f"--node-ip={LOOPBACK}",
        f"--node-port={port}",
        f"--server-address={LOOPBACK}:{port}",
        f"--tls-cert-file={pki.loopback_server.cert}",
        f"--tls-private-key-file={pki.loopback_server.key}",
        f"--node-lease-duration-seconds={NODE_LEASE_SECONDS}",
        f"--enable-crds={','.join(KWOK_CRDS)}",
    ]


# What the fake node advertises. kwok's node stage keeps a capacity the Node already has and otherwise
# sets cpu, memory and pods only; a pod that requests ephemeral-storage (the vcluster chart's) would then
# never schedule ("Insufficient ephemeral-storage"). Ample figures: kwok runs no container, nothing is used.
NODE_CAPACITY: Final = {"cpu": "1k", "memory": "1Ti", "pods": "1M", "ephemeral-storage": "1Ti"}


def fake_node(name: str) -> dict[str, object]:
    """A Node for kwok to run: kwok's stages fill in its status and keep its lease (the labels a kubelet sets),
    with the capacity a kubelet would report (``NODE_CAPACITY``), as a kubelet registers its Node."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {KWOK_NODE_ANNOTATION: "fake"},
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "kwok",
            },
        },
        "status": {"capacity": dict(NODE_CAPACITY), "allocatable": dict(NODE_CAPACITY)},
    }
