"""A real Kubernetes control plane as processes on loopback: etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and kwok with one fake node, built from the pinned Go modules (``gobuild``).

``running(...)`` is the whole life of one: certificates and kubeconfigs are written under a data directory,
the components start one after the other, each awaited through its readiness check before the next (the
API server needs etcd, the others need the API server), and at the end they are stopped by pid in reverse
start order and the data directory is removed unless it is kept. A component whose port is taken between
the check and its own bind is started once more on fresh ports; one that dies is a ``ProcessDied`` naming
it with its last log lines, and whatever had started is stopped before that error leaves.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import yaml

from oamconf.cluster.localcp import components as parts
from oamconf.cluster.localcp.certs import ADMIN, CONTROLLER_MANAGER, KWOK, LOOPBACK, SCHEDULER, Pair, Pki, make_pki
from oamconf.cluster.localcp.ports import address_in_use, choose
from oamconf.cluster.localcp.process import OwnedProcess, ProcessDied, await_ready, memory_kib, start, stop_all
from oamconf.errors import ConformanceError, one_line
from oamconf.k8s.api import Ref
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.wait import Observation, WaitPolicy, wait_until

CONTEXT: Final = "oamconf-local"
NODE: Final = "kwok-node-0"
READY_TIMEOUT: Final = 90.0  # per component; the API server's first start creates its bootstrap objects
PORT_ATTEMPTS: Final = 3


class LocalControlPlaneError(ConformanceError):
    """The local control plane could not be started; the message says which component and why."""


@dataclass
class LocalControlPlane:
    """A started control plane: its kubeconfig (the ``oamconf-local`` context, admin credentials), its
    processes in start order, and the ports they listen on."""

    layout: parts.Layout
    server: str
    ports: dict[str, int]
    pki: Pki | None = None
    processes: list[OwnedProcess] = field(default_factory=list)
    flags: dict[str, Sequence[str]] = field(default_factory=dict)  # more arguments, by component
    took: dict[str, float] = field(default_factory=dict)  # seconds from each start to ready, "cluster" the node
    started_in: float = 0.0  # seconds from the first process to the fake node Ready

    @property
    def kubeconfig(self) -> Path:
        return self.layout.kubeconfig("admin")

    def process(self, name: str) -> OwnedProcess:
        return next(p for p in self.processes if p.name == name)

    def died(self) -> ProcessDied | None:
        """The first component that is no longer running, as an error, else ``None``."""
        return next((err for p in self.processes if (err := p.died()) is not None), None)

    def memory_kib(self) -> tuple[int, int]:
        """(now, peak) resident memory of all its processes in KiB: the sums of VmRSS and VmHWM."""
        return memory_kib(self.processes)


@contextmanager
def running(
    binaries: parts.Binaries,
    root: Path,
    *,
    keep: bool = False,
    usual_ports: dict[str, int] | None = None,
    flags: Mapping[str, Sequence[str]] | None = None,
) -> Iterator[LocalControlPlane]:
    """Start a control plane under the data directory *root*; stop it and remove *root* (unless *keep*) after.

    Parameters:
        binaries: the executables (``build.binaries``).
        root: created if missing; it holds the certificates, kubeconfigs, etcd's data and every log.
        keep: leave *root* in place (its logs and kubeconfig) after the processes stop.
        usual_ports: each component's preferred port by name (``ports.USUAL`` when ``None``).
        flags: more arguments for a component, by its name (``{"kube-apiserver": ["--v=4"]}``).

    Raises:
        ProcessDied: a component exited while it was started or awaited.
        LocalControlPlaneError: a component did not become ready, or did not stop at the end.
    """
    plane = LocalControlPlane(parts.Layout(root), "", {}, flags=dict(flags or {}))
    try:
        _start_all(plane, binaries, usual_ports)
        yield plane
    finally:
        try:
            left = stop_all(plane.processes)
        finally:  # also after a Ctrl-C held back during the teardown
            if not keep:
                shutil.rmtree(root, ignore_errors=True)
        if left:
            raise LocalControlPlaneError(f"teardown: {'; '.join(left)}")


@dataclass(frozen=True)
class Spec:
    """How to run one component: its ports by name, its arguments and its readiness check on those ports."""

    name: str
    port_names: tuple[str, ...]
    argv: Callable[[list[int]], list[str]]
    ready: Callable[[list[int]], Observation]


def _start_all(plane: LocalControlPlane, binaries: parts.Binaries, usual: dict[str, int] | None) -> None:
    layout = plane.layout
    began = time.monotonic()
    pki = plane.pki = make_pki(layout.pki)
    _write_kwok_config(binaries, layout)
    ports = plane.ports
    etcd = Spec("etcd", ("etcd-client", "etcd-peer"), lambda p: parts.etcd(binaries, layout, *p),
                lambda p: parts.etcd_ready(p[0]))  # fmt: skip
    api = Spec("kube-apiserver", ("kube-apiserver",),
               lambda p: parts.kube_apiserver(binaries, pki, ports["etcd-client"], p[0]),
               lambda p: parts.api_ready(pki, p[0]))  # fmt: skip
    _launch(plane, etcd, usual)
    _launch(plane, api, usual)
    plane.server = f"https://{LOOPBACK}:{ports['kube-apiserver']}"
    for user, who in (("admin", ADMIN), ("kube-controller-manager", CONTROLLER_MANAGER),
                      ("kube-scheduler", SCHEDULER), ("kwok", KWOK)):  # fmt: skip
        write_kubeconfig(layout.kubeconfig(user), plane.server, pki.ca.cert, pki.client(who), who.user)
    controllers = Spec("kube-controller-manager", ("kube-controller-manager",),
                       lambda p: parts.kube_controller_manager(binaries, pki, layout, p[0]),
                       lambda p: parts.secure_healthz(pki, p[0]))  # fmt: skip
    scheduler = Spec("kube-scheduler", ("kube-scheduler",), lambda p: parts.kube_scheduler(binaries, pki, layout, p[0]),
                     lambda p: parts.secure_healthz(pki, p[0]))  # fmt: skip
    kwok = Spec("kwok", ("kwok",), lambda p: parts.kwok(binaries, pki, layout, p[0]),
                lambda p: parts.secure_healthz(pki, p[0]))  # fmt: skip
    _launch(plane, controllers, usual)
    _launch(plane, scheduler, usual)
    _install_kwok_crds(plane, binaries)  # kwok lists them as it starts
    _launch(plane, kwok, usual)
    cluster_began = time.monotonic()
    _await_cluster(plane)
    plane.took["cluster"] = time.monotonic() - cluster_began
    plane.started_in = time.monotonic() - began


def _launch(plane: LocalControlPlane, spec: Spec, usual: dict[str, int] | None) -> None:
    """Start *spec* on free ports and await it; once more on fresh ports when its port was taken meanwhile."""
    for attempt in range(PORT_ATTEMPTS):
        taken = [port for name, port in plane.ports.items() if name not in spec.port_names]
        chosen = choose(spec.port_names, usual=usual if attempt == 0 else {}, avoid=taken)
        ports = [chosen[n] for n in spec.port_names]
        log = plane.layout.log(spec.name if attempt == 0 else f"{spec.name}.retry{attempt}")  # each its own
        argv = [*spec.argv(ports), *plane.flags.get(spec.name, ())]
        process = start(spec.name, argv, log=log, ready=functools.partial(spec.ready, ports))
        plane.processes.append(process)
        began = time.monotonic()
        try:
            await_ready(process, timeout=READY_TIMEOUT)
        except ProcessDied as err:
            if attempt + 1 < PORT_ATTEMPTS and address_in_use(err.tail):
                continue  # a port was taken between the check and the bind: try fresh ones
            raise
        plane.ports.update(chosen)
        plane.took[spec.name] = time.monotonic() - began
        return


def _await_cluster(plane: LocalControlPlane) -> None:
    """The fake node registered and Ready, and the ``default`` ServiceAccount made (pods need it)."""
    cluster = KubeCluster.from_kubeconfig(plane.kubeconfig, CONTEXT)
    try:
        cluster.apply(parts.fake_node(NODE))
        checks = (
            (f"node {NODE} Ready", lambda: _node_ready(cluster)),
            (
                "ServiceAccount default/default",
                lambda: _exists(cluster, Ref("v1", "ServiceAccount", "default", "default")),
            ),
        )
        for subject, check in checks:
            guarded = _unless_died(plane, check)
            wait_until(
                guarded, subject=subject, timeout=READY_TIMEOUT, policy=WaitPolicy(first_interval=0.1, max_interval=0.5)
            )
    finally:
        cluster.close()


def _unless_died(plane: LocalControlPlane, check: Callable[[], Observation]) -> Callable[[], Observation]:
    def guarded() -> Observation:
        died = plane.died()
        if died is not None:
            raise died
        return check()

    return guarded


def _node_ready(cluster: KubeCluster) -> Observation:
    node = cluster.get(Ref("v1", "Node", NODE))
    ready = node.condition("Ready") if node else None
    return Observation.simple(
        ready is not None and ready.status == "True", f"want Ready=True, is {ready or 'no condition'}"
    )


def _exists(cluster: KubeCluster, ref: Ref) -> Observation:
    return Observation.simple(cluster.get(ref) is not None, f"want {ref} to exist")


def write_kubeconfig(path: Path, server: str, ca: Path, client: Pair, user: str, *, context: str = CONTEXT) -> Path:
    """A kubeconfig for *user* (its client certificate and key by path) at *server*, verified against *ca*."""
    path.parent.mkdir(parents=True, exist_ok=True)
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {"server": server, "certificate-authority": str(ca)}}],
        "users": [{"name": user, "user": {"client-certificate": str(client.cert), "client-key": str(client.key)}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": user}}],
        "current-context": context,
    }
    path.touch(mode=0o600)
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path


def _write_kwok_config(binaries: parts.Binaries, layout: parts.Layout) -> None:
    """kwok's stages, as its own packages hold them (``kwokstages`` prints them)."""
    stages = _printed(binaries.kwokstages)
    layout.root.mkdir(parents=True, exist_ok=True)
    layout.kwok_config.write_text(stages, encoding="utf-8")


def _install_kwok_crds(plane: LocalControlPlane, binaries: parts.Binaries) -> None:
    """The CRDs of the kinds kwok is told to watch (``--enable-crds``), Established before kwok starts, as kwokctl
    installs them, from kwok's own package (``kwokcrds KIND...`` prints them)."""
    cluster = KubeCluster.from_kubeconfig(plane.kubeconfig, CONTEXT)
    try:
        for definition in filter(None, yaml.safe_load_all(_printed(binaries.kwokcrds, *parts.KWOK_CRDS))):
            cluster.apply(definition)
            ref = Ref("apiextensions.k8s.io/v1", "CustomResourceDefinition", definition["metadata"]["name"])
            wait_until(
                _unless_died(plane, functools.partial(_established, cluster, ref)),
                subject=f"{ref} Established",
                timeout=READY_TIMEOUT,
                policy=WaitPolicy(first_interval=0.1, max_interval=0.5),
            )
    finally:
        cluster.close()


def _established(cluster: KubeCluster, ref: Ref) -> Observation:
    crd = cluster.get(ref)
    established = crd.condition("Established") if crd else None
    return Observation.simple(
        established is not None and established.status == "True", f"want Established=True, is {established or 'none'}"
    )


def _printed(binary: Path, *args: str) -> str:
    """What one of our adapters prints (``kwokstages``, ``kwokcrds``)."""
    try:
        proc = subprocess.run(  # noqa: S603 - our own binary, no shell
            [str(binary), *args], capture_output=True, text=True, timeout=30, check=True
        )
    except subprocess.CalledProcessError as err:
        said = one_line(err.stderr or "") or f"exit status {err.returncode}"
        raise LocalControlPlaneError(f"{binary.name} {' '.join(args)} ({binary}) failed: {said}") from err
    except (OSError, subprocess.SubprocessError) as err:
        raise LocalControlPlaneError(f"{binary.name} ({binary}) failed: {one_line(str(err))}") from err
    return proc.stdout
