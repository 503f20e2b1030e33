"""Crossplane core v2.3.4 and its package manager as processes against the local control plane.

``crossplane_running(plane, ...)`` does what Crossplane's chart and pods do, with the same binary and the
chart's own settings (``cluster/charts/crossplane/templates/deployment.yaml``), and undoes it by pid:

1. the package registry (``registry.py``) and an ImageConfig whose ``rewriteImage`` sends
   ``xpkg.crossplane.io/`` to it, so the platform's Provider and Function manifests install unchanged
   (provider-helm at v1.3.0: see ``registry.NOT_SERVED``);
2. the chart, for its ServiceAccounts and RBAC (``crossplane_chart.py``): every process runs as the chart's
   ServiceAccount through a TokenRequest token, not as the admin;
3. ``crossplane core init`` (as the chart's init container: core CRDs from the module, the CA and client
   TLS Secrets, the default DeploymentRuntimeConfig, the ``*`` activation policy), webhooks off;
4. ``crossplane core start`` with the client certificate read from the Secret init wrote (the pod mounts
   it at ``/tls/client``; here a folder of the run), ``--ca-bundle-path`` the control plane's CA (the
   registry's certificate is signed by it), the package cache in the run's folder, and the **Deployment**
   package runtime;
5. ``crossplane rbac init`` then ``crossplane rbac start``, the RBAC manager.

With the Deployment runtime, Crossplane's real runtime controller creates each provider's and function's
Deployment, Service, ServiceAccount and TLS Secrets; kube-controller-manager makes their pods and kwok
simulates them (no container runs), so a revision's RuntimeHealthy is earned from the Deployment's
``Available`` condition alone: it says Crossplane installed the package, not that the provider's code runs
(its processes are another module's job: ``runtimes``). Both processes run in the pod-like sandbox
(``sandbox``): core with a hosts file that resolves each Function's Service names to loopback, where the
function's runtime listens (core dials a function at ``dns:///<service>.<namespace>:9443``); the RBAC
manager with a network of its own, because its metrics server is controller-runtime's default ``:8080``,
which it has no flag for and which other programs on a host want too. Its readiness is read there, as a
kubelet probes a pod's port (``netprobe``). Crossplane's metrics and health ports bind every interface
(the binary takes a port, not an address).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from oamconf.cluster import gobuild
from oamconf.cluster.commands import CommandFailed, run
from oamconf.cluster.localcp import crossplane_chart as chart
from oamconf.cluster.localcp.controlplane import CONTEXT, LocalControlPlane
from oamconf.cluster.localcp.functions import hosts
from oamconf.cluster.localcp.health import endpoint_ok
from oamconf.cluster.localcp.netprobe import probe
from oamconf.cluster.localcp.ports import free
from oamconf.cluster.localcp.process import OwnedProcess, await_ready, stop_all
from oamconf.cluster.localcp.registry import UPSTREAM_REGISTRY, LocalPackage, PackageRegistry, serving
from oamconf.cluster.localcp.sandbox import Pod, start_pod
from oamconf.cluster.localcp.tokens import service_account_kubeconfig
from oamconf.errors import ConformanceError
from oamconf.k8s.api import Ref
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.wait import Observation, WaitPolicy, wait_until

MODULE: Final = "github.com/crossplane/crossplane/v2"
VERSION: Final = "2.3.4"
NAMESPACE: Final = chart.NAMESPACE
IMAGE_CONFIG: Final = "oamconf-local-registry"
READY_TIMEOUT: Final = 120.0
INIT_TIMEOUT: Final = 180.0
INIT_POLICY: Final = WaitPolicy(first_interval=1.0, max_interval=5.0)
RBAC_METRICS_PORT: Final = 8080  # controller-runtime's default; `crossplane rbac start` has no flag for it
TLS_SECRETS: Final = {  # the chart's names (deployment.yaml)
    "TLS_CA_SECRET_NAME": "crossplane-root-ca",
    "TLS_SERVER_SECRET_NAME": "crossplane-tls-server",
    "TLS_CLIENT_SECRET_NAME": "crossplane-tls-client",
}


class CrossplaneError(ConformanceError):
    """Crossplane could not be started on the local control plane, or did not stop."""


@dataclass(frozen=True)
class CrossplaneBinaries:
    crossplane: Path
    helm: Path
    xpkgregistry: Path


def crossplane_binaries(cache_dir: Path) -> CrossplaneBinaries:
    """The binaries from the tool cache, built when missing (``gobuild``)."""
    names = ["crossplane", "helm", "xpkgregistry"]
    built = {item.tool.name: item.path for item in gobuild.ensure_all(names, cache_dir=cache_dir)}
    return CrossplaneBinaries(built["crossplane"], built["helm"], built["xpkgregistry"])


@dataclass
class LocalCrossplane:
    """Crossplane running on a local control plane: its registry, its processes, and where its files are."""

    registry: PackageRegistry
    folder: Path
    processes: list[OwnedProcess] = field(default_factory=list)
    kubeconfigs: dict[str, Path] = field(default_factory=dict)  # by process: the ServiceAccount token it runs with
    function_hosts: dict[str, str] = field(default_factory=dict)  # the names core resolves (its hosts file)

    def package(self, name: str) -> LocalPackage:
        return next(p for p in self.registry.packages if p.repository.endswith(f"/{name}"))


@contextmanager
def crossplane_running(
    plane: LocalControlPlane, binaries: CrossplaneBinaries, packages: Sequence[LocalPackage], folder: Path
) -> Iterator[LocalCrossplane]:
    """Start the registry serving *packages* and Crossplane on *plane*; stop them by pid at the end. The chart,
    the core CRDs and what Crossplane installed stay: they go with the control plane.

    Raises:
        ProcessDied: a process exited while it was started (its last log lines).
        CommandFailed: helm or ``crossplane core init`` failed.
        SandboxUnavailable: no mount namespace can be made here.
        CrossplaneError: a process did not stop.
    """
    if plane.pki is None:
        raise CrossplaneError("the control plane has no certificates yet")
    with ExitStack() as stack:
        registry = stack.enter_context(serving(binaries.xpkgregistry, plane.pki, packages, folder / "logs"))
        local = LocalCrossplane(registry, folder)
        try:
            _start(local, plane, binaries)
            yield local
        finally:
            left = stop_all(local.processes)
            if left:
                raise CrossplaneError(f"teardown: {'; '.join(left)}")


def _start(local: LocalCrossplane, plane: LocalControlPlane, binaries: CrossplaneBinaries) -> None:
    source = gobuild.module_dir(MODULE, f"v{VERSION}")
    folder = local.folder
    chart.install_chart(binaries.helm, source / "cluster" / "charts" / "crossplane", VERSION, plane, folder / "chart")
    core = service_account_kubeconfig(plane, NAMESPACE, "crossplane", folder / "kubeconfig" / "crossplane.yaml")
    rbac = service_account_kubeconfig(plane, NAMESPACE, "rbac-manager", folder / "kubeconfig" / "rbac-manager.yaml")
    local.kubeconfigs.update({"crossplane": core, "crossplane-rbac-manager": rbac})
    env = {"KUBECONFIG": str(core), "POD_NAMESPACE": NAMESPACE, "POD_SERVICE_ACCOUNT": "crossplane",
           "ENABLE_WEBHOOKS": "false", **TLS_SECRETS}  # fmt: skip
    init_env = {**env, "CRDS_PATH": str(source / "cluster" / "crds")}
    _init(folder, "crossplane-init", [binaries.crossplane, "core", "init", "--activation", "*"], init_env)
    cluster = KubeCluster.from_kubeconfig(plane.kubeconfig, CONTEXT)
    try:
        client_dir = _client_certificates(cluster, folder / "tls" / "client")
        cluster.apply(image_config(local.registry.host))
    finally:
        cluster.close()
    health, metrics = free(None), free(None)
    names = {name: address for p in local.registry.packages if p.kind == "function" for name, address in
             hosts(function_service(p.repository)).items()}  # fmt: skip
    core_env = {**env, "PACKAGE_RUNTIME": "Deployment", "LEADER_ELECTION": "false",
                "CA_BUNDLE_PATH": str(plane.pki.ca.cert) if plane.pki else "",
                "XPKG_CACHE_DIR": str(folder / "cache" / "xpkg"), "XFN_CACHE_DIR": str(folder / "cache" / "xfn"),
                "TLS_CLIENT_CERTS_DIR": str(client_dir), "TLS_SERVER_CERTS_DIR": str(folder / "tls" / "server"),
                "HEALTH_PROBE_PORT": str(health), "METRICS_PORT": str(metrics)}  # fmt: skip
    for cache in ("xpkg", "xfn"):
        (folder / "cache" / cache).mkdir(parents=True, exist_ok=True)
    api = plane.ports["kube-apiserver"]
    core_pod = Pod("crossplane", [binaries.crossplane, "core", "start"], None, api, env=core_env, hosts=names)
    _launch(local, core_pod, lambda _: endpoint_ok(f"http://127.0.0.1:{health}/readyz")())
    local.function_hosts.update(names)
    rbac_env = {"KUBECONFIG": str(rbac), "LEADER_ELECTION": "false"}
    _init(folder, "crossplane-rbac-manager-init", [binaries.crossplane, "rbac", "init"], rbac_env)
    provider_roles = f"--provider-clusterrole={chart.RELEASE}:allowed-provider-permissions"
    argv: list[str | Path] = [binaries.crossplane, "rbac", "start", provider_roles]
    rbac_pod = Pod("crossplane-rbac-manager", argv, None, api, env=rbac_env, own_network=True)
    metrics_url = f"http://127.0.0.1:{RBAC_METRICS_PORT}/metrics"
    _launch(local, rbac_pod, lambda pid: probe(pid, metrics_url, want="controller_runtime"))


def function_service(repository: str) -> str:
    """The Service Crossplane makes for a Function: named after the Function, which the platform names after its
    package's repository (``function-patch-and-transform``)."""
    return repository.rsplit("/", 1)[-1]


def _init(folder: Path, name: str, argv: list[str | Path], env: Mapping[str, str]) -> None:
    """Run an init command until it succeeds, as the kubelet restarts a failed init container: ``core init``
    applies the core CRDs, then fails on the first kind its client had not discovered yet (the Lock)."""
    log = folder / "logs" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)

    def attempt() -> Observation:
        try:
            done = run(argv, timeout=INIT_TIMEOUT, env=env)
        except CommandFailed as err:
            with log.open("a", encoding="utf-8") as out:
                out.write(err.stderr)
            return Observation.pending(str(err))
        with log.open("a", encoding="utf-8") as out:
            out.write(done.stdout + done.stderr)
        return Observation.succeeded(f"{name} completed")

    wait_until(attempt, subject=name, timeout=INIT_TIMEOUT, policy=INIT_POLICY)


def _launch(local: LocalCrossplane, pod: Pod, ready: Callable[[int], Observation]) -> None:
    """Start *pod* in the sandbox; *ready* is called with its pid (a probe in its own network needs it)."""
    holder: list[OwnedProcess] = []
    process = start_pod(pod, log=local.folder / "logs" / f"{pod.name}.log", ready=lambda: ready(holder[0].pid))
    holder.append(process)
    local.processes.append(process)
    await_ready(process, timeout=READY_TIMEOUT)


def _client_certificates(cluster: KubeCluster, folder: Path) -> Path:
    """The files of the client TLS Secret ``core init`` wrote (``ca.crt``, ``tls.crt``, ``tls.key``), as the pod
    mounts them: Crossplane dials functions over mTLS with them."""
    secret = cluster.get(Ref("v1", "Secret", TLS_SECRETS["TLS_CLIENT_SECRET_NAME"], NAMESPACE))
    data = (secret.raw.get("data") or {}) if secret else {}
    if not {"ca.crt", "tls.crt", "tls.key"} <= set(data):
        raise CrossplaneError(f"Secret {NAMESPACE}/crossplane-tls-client has keys {sorted(data)} after core init")
    folder.mkdir(parents=True, exist_ok=True)
    for key in ("ca.crt", "tls.crt", "tls.key"):
        path = folder / key
        path.touch(mode=0o600)
        path.write_bytes(base64.b64decode(data[key]))
    return folder


def image_config(host: str) -> dict[str, object]:
    """The ImageConfig that sends the upstream registry's packages to the loopback one."""
    return {
        "apiVersion": "pkg.crossplane.io/v1beta1",
        "kind": "ImageConfig",
        "metadata": {"name": IMAGE_CONFIG},
        "spec": {
            "matchImages": [{"type": "Prefix", "prefix": f"{UPSTREAM_REGISTRY}/"}],
            "rewriteImage": {"prefix": f"{host}/"},
        },
    }
