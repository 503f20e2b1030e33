"""The platform's real controllers on the local tier's control plane, one stage at a time.

A stage starts real upstream programs as processes (``localcp.crossplane``: Crossplane core, its RBAC
manager and a loopback package registry); what it provides stops being a limit of the tier. A stage that
cannot start does not end the run: its capabilities stay limits whose reason is its one-line failure, so
the checks that need it are Not tested with that cause, and everything else still runs.

The platform's own manifests are then installed the way a kind run installs them (``install_platform``),
restricted to the components the started stages can serve, with one rewrite the tier needs: a package
version the Go module proxy does not serve is replaced by the one the registry serves (said in the header).
Once Crossplane has made the packages' Deployments, ``start_runtimes`` runs each pod's container as a process
(``localcp.runtimes``); a runtime that dies takes the capabilities in ``CARRIES`` with it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Final

from oamconf.cluster.components import Component
from oamconf.cluster.localcp import functions, kubevela
from oamconf.cluster.localcp.controlplane import CONTEXT, LocalControlPlane
from oamconf.cluster.localcp.crossplane import LocalCrossplane, crossplane_binaries, crossplane_running
from oamconf.cluster.localcp.kubevela import VelaCore, vela_core
from oamconf.cluster.localcp.netprobe import probe
from oamconf.cluster.localcp.ports import held
from oamconf.cluster.localcp.process import OwnedProcess, await_ready, stop_all
from oamconf.cluster.localcp.registry import UPSTREAM_REGISTRY, LocalPackage, local_packages
from oamconf.cluster.localcp.runtimes import PackageRuntime, active_revisions, facts_line, runtime_of
from oamconf.cluster.localcp.sandbox import start_pod
from oamconf.errors import ConformanceError
from oamconf.k8s.kube import KubeCluster
from oamconf.platform.versions import Versions

PACKAGE_KINDS: Final = frozenset({"Provider", "Function"})
# The capabilities a stage's processes carry: when one of them dies, each of these is lost with it.
CARRIES: Final = {
    "crossplane": ("crossplane", "crossplane-packages", "provider-configs", "platform", "vcluster-api"),
    "crossplane-packages": ("crossplane-packages", "platform", "vcluster-api"),
    "kubevela": ("kubevela", "platform"),
}
RUNTIME_READY_TIMEOUT: Final = 60.0
METRICS: Final = "http://127.0.0.1:8080/metrics"  # a provider's controller-runtime metrics, in its own network
# The bootstrap's components each capability lets the tier install (``components.reference_platform``); the
# platform's definitions (XRD, Composition, ComponentDefinitions) need both controllers.
INSTALLS: Final = {"crossplane": ("crossplane-packages", "provider-configs"), "crossplane+kubevela": ("platform",)}


def start_crossplane(
    stack: ExitStack, plane: LocalControlPlane, cache_dir: Path, versions: Versions, folder: Path
) -> tuple[LocalCrossplane, dict[str, str]]:
    """Crossplane and its package registry on *plane*, stopped when *stack* closes; and the header lines.

    Raises:
        ConformanceError: a build, helm, ``core init`` or a process failed (one line naming it).
    """
    packages = local_packages(versions)
    started = stack.enter_context(crossplane_running(plane, crossplane_binaries(cache_dir), packages, folder))
    pids = ", ".join(f"{p.name} pid {p.pid}" for p in started.processes)
    substituted = [
        f"{p.repository.rsplit('/', 1)[-1]} {p.tag} instead of {p.instead_of} (the Go module proxy does not serve "
        f"{p.instead_of})"
        for p in packages
        if p.instead_of
    ]
    facts = {
        "Local tier: Crossplane": (
            f"core v2.3.4 and its RBAC manager as pod-like processes ({pids}) with the chart's ServiceAccount "
            "tokens (core resolving the Functions' Service names to loopback, the RBAC manager in a network of its "
            "own); packages installed by its package manager from a loopback registry of images built from the "
            "modules' package/ folders; their pods are scheduled on kwok's node and their containers run as "
            "processes (package runtimes)"
        ),
    }
    if substituted:
        facts["Local tier: package substituted"] = "; ".join(substituted)
    return started, facts


def served_packages(packages: tuple[LocalPackage, ...]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A manifest rewrite: a Provider's or Function's ``spec.package`` at the tag the registry serves."""
    served = {f"{UPSTREAM_REGISTRY}/{p.repository}:{p.instead_of}": p.upstream for p in packages if p.instead_of}

    def rewrite(manifest: dict[str, Any]) -> dict[str, Any]:
        package = (manifest.get("spec") or {}).get("package")
        if manifest.get("kind") not in PACKAGE_KINDS or package not in served:
            return manifest
        return {**manifest, "spec": {**manifest["spec"], "package": served[package]}}

    return rewrite


def installable(
    components: tuple[Component, ...], running: set[str], rewrite: Callable[[dict[str, Any]], dict[str, Any]]
) -> tuple[Component, ...]:
    """The components the started stages (*running*, by capability) let the tier install, their needs narrowed
    to each other and their manifests rewritten."""
    keys = {*running, "+".join(sorted(running))}
    names = {name for key in keys for name in INSTALLS.get(key, ())}
    chosen = []
    for component in components:
        if component.name not in names:
            continue
        manifests = component.install.manifests
        install = component.install
        if manifests is not None:
            install = dataclasses.replace(install, manifests=dataclasses.replace(manifests, rewrite=rewrite))
        needs = tuple(n for n in component.needs if n in names)
        chosen.append(dataclasses.replace(component, install=install, needs=needs))
    return tuple(chosen)


def lost(running: Mapping[str, str | None]) -> dict[str, str]:
    """Capability -> cause, for each stage whose process died (*running*: stage -> its death, or ``None``)."""
    found: dict[str, str] = {}
    for stage, death in running.items():
        if death is not None:
            found.update(dict.fromkeys(CARRIES.get(stage, (stage,)), death))
    return found


def start_kubevela(stack: ExitStack, plane: LocalControlPlane, cache_dir: Path) -> tuple[VelaCore, dict[str, str]]:
    """vela-core on *plane*, stopped when *stack* closes; and the header line.

    Raises:
        ConformanceError: a build, the chart's rendering, the TokenRequest or the process failed (one line).
    """
    started = stack.enter_context(vela_core(plane, kubevela.binaries(cache_dir)))
    return started, {
        "Local tier: KubeVela": (
            f"vela-core {started.version} as a process (pid {started.process.pid}) as {started.identity}, with the "
            "chart's CRDs and RBAC; no admission webhooks, no cluster-gateway (the local cluster only)"
        )
    }


def start_runtimes(
    stack: ExitStack,
    plane: LocalControlPlane,
    crossplane: LocalCrossplane,
    cache_dir: Path,
    forward: Sequence[int],
) -> tuple[list[OwnedProcess], dict[str, str]]:
    """Each active package revision's pod run as a process (``runtimes``), stopped by pid when *stack* closes; and
    the header line. A provider is ready once its metrics server answers in its network, a function once it
    accepts connections where Crossplane core dials it.

    Raises:
        ConformanceError: a pod cannot be run here, a port is taken, or a runtime exited or did not get ready.
    """
    if plane.pki is None:
        raise ConformanceError("the control plane has no certificates yet")
    started: list[OwnedProcess] = []
    stack.callback(_stop, started)
    shown: list[tuple[PackageRuntime, int]] = []
    cluster = KubeCluster.from_kubeconfig(plane.kubeconfig, CONTEXT)
    try:
        runtimes = [runtime_of(cluster, r, plane.pki.ca.cert, plane.ports["kube-apiserver"], cache_dir) for r in
                    active_revisions(cluster)]  # fmt: skip
    finally:
        cluster.close()
    for runtime in runtimes:
        process = _start_runtime(runtime, crossplane, forward)
        started.append(process)
        await_ready(process, timeout=RUNTIME_READY_TIMEOUT)
        shown.append((runtime, process.pid))
    return started, {"Local tier: package runtimes": facts_line(shown)}


def _start_runtime(runtime: PackageRuntime, crossplane: LocalCrossplane, forward: Sequence[int]) -> OwnedProcess:
    log = crossplane.folder / "logs" / f"{runtime.tool}.log"
    port = runtime.grpc_port
    if port is None:
        pod = dataclasses.replace(runtime.pod, name=runtime.tool, forward=tuple(forward))
        holder: list[OwnedProcess] = []
        process = start_pod(pod, log=log, ready=lambda: probe(holder[0].pid, METRICS, want="controller_runtime"))
        holder.append(process)
        return process
    service = f"{runtime.package}.{functions.NAMESPACE}"
    if service not in crossplane.function_hosts:
        raise ConformanceError(
            f"Function {runtime.package}: Crossplane core resolves only {sorted(crossplane.function_hosts)} to "
            "loopback (its hosts file is written when it starts), not its Service"
        )
    if held(port):  # not ``free``: that passes over a port an earlier run's connections left in TIME_WAIT
        raise ConformanceError(f"port {port} is taken: {runtime.tool} listens there, where Crossplane core dials it")
    pod = dataclasses.replace(runtime.pod, name=runtime.tool)
    return start_pod(pod, log=log, ready=lambda: functions.listening(port))


def _stop(processes: list[OwnedProcess]) -> None:
    left = stop_all(processes)
    if left:
        raise ConformanceError(f"teardown: {'; '.join(left)}")
