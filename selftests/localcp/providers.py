"""Running the real providers on the session's control plane for the self-tests: their ServiceAccounts and
ClusterRoleBindings as the platform's fixtures make them, their CRDs straight from the modules' ``package/crds``
(Crossplane's package manager is not started here), and their runtimes in the pod-like sandbox."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from oamconf.cluster import gobuild
from oamconf.cluster.localcp.controlplane import LocalControlPlane
from oamconf.cluster.localcp.process import OwnedProcess, await_ready, stop_all
from oamconf.cluster.localcp.providers import (
    CROSSPLANE_NAMESPACE,
    TLS_SERVER_DIR,
    ProviderRuntime,
    package_crds,
    provider_argv,
    serving_files,
)
from oamconf.cluster.localcp.sandbox import Pod, PodIdentity, start_pod
from oamconf.cluster.tools import default_cache_dir
from oamconf.k8s.api import Ref
from oamconf.k8s.conditions import condition_true
from oamconf.k8s.expect import Expect
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.wait import Observation, wait_until
from oamconf.platform.paths import project_root
from oamconf.yamlio import load_all_kubernetes

PLATFORM = project_root() / "fixtures" / "platform" / "crossplane"


def platform_documents(name: str, kind: str) -> list[dict[str, Any]]:
    """The documents of one kind in ``fixtures/platform/crossplane/<name>``."""
    docs = load_all_kubernetes((PLATFORM / name).read_text(encoding="utf-8"))
    return [doc for doc in docs if doc and doc.get("kind") == kind]


def binary(provider: ProviderRuntime) -> Path:
    return gobuild.ensure_all([provider.name], cache_dir=default_cache_dir())[0].path


def install(cluster: KubeCluster, plane: LocalControlPlane, provider: ProviderRuntime) -> None:
    """What Crossplane and the platform would have made before the provider's pod starts: the namespace, the
    ServiceAccount its DeploymentRuntimeConfig names, the platform's ClusterRoleBinding, the CRDs (Established)
    and the platform's ProviderConfig for it."""
    assert plane.pki is not None
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": CROSSPLANE_NAMESPACE}})
    account = {"name": provider.service_account, "namespace": CROSSPLANE_NAMESPACE}
    cluster.apply({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": account})
    for binding in platform_documents(f"{provider.name}.yaml", "ClusterRoleBinding"):
        cluster.apply(binding)
    crds = package_crds(provider, ca=plane.pki.ca.cert)
    for crd in crds:
        cluster.apply(crd)
    for crd in crds:
        Expect(cluster)(Ref.of(crd), condition_true("Established"), timeout=60)
    group = crds[0]["spec"]["group"]
    for config in platform_documents("provider-configs.yaml", "ProviderConfig"):
        if config["apiVersion"].startswith(f"{group}/"):
            cluster.apply(config)


@contextlib.contextmanager
def running(
    cluster: KubeCluster,
    plane: LocalControlPlane,
    provider: ProviderRuntime,
    log: Path,
    *,
    forward: Sequence[int] = (),
) -> Iterator[OwnedProcess]:
    """The provider's runtime in the sandbox as its ServiceAccount, with a network of its own (the API server's
    port and *forward* reach the host's loopback), until the block ends (stopped by pid). Its health probe is
    inside its network, out of reach: it counts as ready once started, and the tests wait on what it does."""
    assert plane.pki is not None
    program = binary(provider)
    identity = PodIdentity.request(cluster, plane.pki.ca.cert, CROSSPLANE_NAMESPACE, provider.service_account)
    pod = Pod(
        provider.name,
        provider_argv(program, health_port=None),
        identity,
        plane.ports["kube-apiserver"],
        env={"TLS_SERVER_CERTS_DIR": str(TLS_SERVER_DIR)} if provider.webhook else {},
        files=serving_files(plane.pki.loopback_server) if provider.webhook else {},
        own_network=True,
        forward=forward,
        private_tmp=True,  # as the tier runs it: provider-helm's chart cache (/tmp/charts) is the pod's own
    )
    process = start_pod(pod, log=log, ready=lambda: Observation.succeeded("started"))
    try:
        await_ready(process, timeout=30)
        yield process
    finally:
        stop_all([process])


def await_exit(process: OwnedProcess, *, timeout: float) -> int:
    """A one-shot process's exit code, once it has exited."""
    done = functools.partial(_exited, process)
    wait_until(done, subject=f"{process.name} exited", timeout=timeout)
    return process.exit_code() or 0


def delete_all(cluster: KubeCluster, refs: list[Ref], *, timeout: float) -> None:
    """Delete *refs* and wait until they are gone (their provider removes its finalizer)."""
    for ref in refs:
        cluster.delete(ref)
    for ref in refs:
        wait_until(functools.partial(_gone, cluster, ref), subject=f"{ref} deleted", timeout=timeout)


def _exited(process: OwnedProcess) -> Observation:
    return Observation.simple(process.exit_code() is not None, f"want it exited, runs as pid {process.pid}")


def _gone(cluster: KubeCluster, ref: Ref) -> Observation:
    return Observation.simple(cluster.get(ref) is None, "want it deleted")
