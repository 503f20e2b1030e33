"""KubeVela's controller, vela-core, as a process against a running local control plane (issue 14).

``vela_core(plane, binaries)`` is its whole life. It applies what the vela-core chart of the pinned
version installs before the controller starts, read from the chart in KubeVela's Go module (never copied
into this repository): the CRDs of ``charts/vela-core/crds``, and the objects of
``templates/kubevela-controller.yaml`` as ``helm template`` renders them with the chart's defaults and the
release name the kind tier installs it under (``kubevela``): the ServiceAccount ``kubevela-vela-core``,
its ClusterRoleBinding to ``cluster-admin`` and its Roles. It then runs vela-core with the arguments of
the chart's Deployment, changed only where a process on loopback needs it:

- **Credentials:** a TokenRequest token of that ServiceAccount (kubeconfig ``kubeconfig/vela-core.yaml``),
  so the controller acts as ``system:serviceaccount:vela-system:kubevela-vela-core`` with the chart's RBAC,
  as in the cluster; not the admin certificate. vela-core has no ``--kubeconfig`` flag (controller-runtime
  registers it on Go's flag set, which vela-core's cobra command never parses, and unknown flags are
  ignored), so the kubeconfig is handed over in ``KUBECONFIG``.
- **No admission webhooks** (the chart's ``admissionWebhooks.enabled=false``): nothing checks an Application
  or a definition when it is applied; a CUE error shows on the object's status only.
- **No cluster-gateway** (``multicluster.enabled=false``): vela-core manages the local cluster alone. What
  that costs is KubeVela's multicluster features: topology policies naming other clusters, ``deploy``
  steps to them, cluster registration (``vela cluster join``) and cluster metrics. The platform's
  Applications deploy to the local cluster only.
- **No leader election** (there is one of it), metrics and health on loopback ports of their own.

None of the chart's built-in definitions is applied (``templates/defwithtemplate``: ``webservice``, the
``deploy`` step...): the platform brings its own ComponentDefinitions, and the default workflow's
``apply-component`` step is embedded in vela-core (``pkg/workflow/template/static``), so vela-core starts
and runs the platform's Applications without them.
At the end vela-core is stopped by its pid; what it applied stays in the control plane, which goes with it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from oamconf.cluster import gobuild
from oamconf.cluster.components import KUBEVELA_RELEASE
from oamconf.cluster.localcp.certs import LOOPBACK
from oamconf.cluster.localcp.controlplane import CONTEXT, LocalControlPlane
from oamconf.cluster.localcp.health import endpoint_ok
from oamconf.cluster.localcp.ports import free
from oamconf.cluster.localcp.process import OwnedProcess, await_ready, start, stop_all
from oamconf.cluster.localcp.tokens import service_account_kubeconfig
from oamconf.errors import ConformanceError, one_line
from oamconf.k8s.api import Ref
from oamconf.k8s.expect import Expect
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.verdicts.workloads import established
from oamconf.yamlio import load_all_kubernetes

MODULE: Final = "github.com/oam-dev/kubevela"
RELEASE: Final = KUBEVELA_RELEASE  # as the kind tier installs the chart: objects named kubevela-vela-core...
NAMESPACE: Final = "vela-system"
CONTROLLER_TEMPLATE: Final = "templates/kubevela-controller.yaml"
# The chart's values that keep the webhooks and the cluster-gateway out of what it renders.
CHART_VALUES: Final = ("admissionWebhooks.enabled=false", "multicluster.enabled=false")
# Arguments of the chart's Deployment a process on loopback replaces (with a value) or drops (None).
_REPLACED: Final = ("--metrics-addr", "--health-addr", "--enable-leader-election")
READY_TIMEOUT: Final = 120.0  # vela-core reads its CRDs and sets up a dozen controllers before serving /readyz
APPLY_TIMEOUT: Final = 60.0


class VelaCoreError(ConformanceError):
    """vela-core could not be set up or started; the message says which part and why."""


@dataclass(frozen=True)
class VelaBinaries:
    vela_core: gobuild.Built
    helm: gobuild.Built  # renders the chart's templates


@dataclass(frozen=True)
class VelaCore:
    """A running vela-core: its process, the kubeconfig it runs with and who that makes it."""

    process: OwnedProcess
    kubeconfig: Path
    identity: str
    version: str
    chart: Path  # charts/vela-core in the Go module cache
    crds: tuple[str, ...]
    health: str  # the /readyz URL


def binaries(cache_dir: Path) -> VelaBinaries:
    """vela-core and helm at their pinned versions, from the tool cache or built now (``gobuild``)."""
    built = {item.tool.name: item for item in gobuild.ensure_all(("vela-core", "helm"), cache_dir=cache_dir)}
    return VelaBinaries(vela_core=built["vela-core"], helm=built["helm"])


@contextmanager
def vela_core(plane: LocalControlPlane, tools: VelaBinaries) -> Iterator[VelaCore]:
    """Apply vela-core's CRDs and start-up objects to *plane*, run vela-core until the block ends.

    Parameters:
        plane: a running control plane (``controlplane.running``).
        tools: ``binaries(cache_dir)``.

    Raises:
        ModuleUnavailable: the module proxy does not serve KubeVela's module at that version.
        VelaCoreError: helm could not render the chart.
        ConformanceError: the TokenRequest was refused.
        ProcessDied: vela-core exited before it served /readyz (its last log lines in the message).
    """
    version = tools.vela_core.tool.version
    chart = gobuild.module_dir(MODULE, version) / "charts" / "vela-core"
    crds, deployment = _install(plane, tools.helm.path, chart)
    account = deployment["spec"]["template"]["spec"]["serviceAccountName"]
    kubeconfig = service_account_kubeconfig(plane, NAMESPACE, account, plane.layout.kubeconfig("vela-core"))
    metrics = free(None)
    ports = {"metrics": metrics, "health": free(None, [metrics])}
    argv = [str(tools.vela_core.path), *_arguments(deployment, ports)]
    health = f"http://{LOOPBACK}:{ports['health']}/readyz"
    process = start(
        "vela-core",
        argv,
        log=plane.layout.log("vela-core"),
        ready=endpoint_ok(health),
        env={"KUBECONFIG": str(kubeconfig)},
    )
    plane.processes.append(process)  # the plane's teardown (a Ctrl-C) stops it too; counted in its memory
    try:
        await_ready(process, timeout=READY_TIMEOUT)
        identity = f"system:serviceaccount:{NAMESPACE}:{account}"
        yield VelaCore(process, kubeconfig, identity, version, chart, crds, health)
    finally:
        left = stop_all([process])
        plane.processes.remove(process)
        if left:
            raise VelaCoreError(f"teardown: {'; '.join(left)}")


def _install(plane: LocalControlPlane, helm: Path, chart: Path) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Apply what the chart installs before its controller runs; the CRD names and the chart's Deployment."""
    cluster = KubeCluster.from_kubeconfig(plane.kubeconfig, CONTEXT)
    try:
        crds = _apply_crds(cluster, chart)
        rendered = _render(helm, chart, (CONTROLLER_TEMPLATE,))
        deployment = next(doc for doc in rendered if doc["kind"] == "Deployment")
        expect = Expect(cluster)
        expect.applied({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
        for doc in rendered:
            if doc is not deployment:
                expect.applied(_namespaced(doc), timeout=APPLY_TIMEOUT)
    finally:
        cluster.close()
    return crds, deployment


def _apply_crds(cluster: KubeCluster, chart: Path) -> tuple[str, ...]:
    """Every CRD of the chart's ``crds`` folder, applied and Established (helm installs them first)."""
    expect = Expect(cluster)
    names = []
    for path in sorted((chart / "crds").glob("*.yaml")):
        for doc in load_all_kubernetes(path.read_text(encoding="utf-8")):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                expect.applied(doc, timeout=APPLY_TIMEOUT)
                names.append(doc["metadata"]["name"])
    for name in names:
        expect(Ref("apiextensions.k8s.io/v1", "CustomResourceDefinition", name), established, timeout=APPLY_TIMEOUT)
    return tuple(names)


def _render(helm: Path, chart: Path, templates: Sequence[str]) -> list[dict[str, Any]]:
    """The chart's *templates* as ``helm template`` renders them (chart defaults, ``CHART_VALUES``)."""
    argv = [str(helm), "template", RELEASE, str(chart), "--namespace", NAMESPACE]
    for value in CHART_VALUES:
        argv += ["--set", value]
    for template in templates:
        argv += ["--show-only", template]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603 - our argv
    except (OSError, subprocess.SubprocessError) as err:
        raise VelaCoreError(f"helm template of {chart}: {one_line(str(err))}") from err
    if proc.returncode != 0:
        raise VelaCoreError(f"helm template of {chart} failed: {one_line(proc.stderr or proc.stdout, 400)}")
    return [doc for doc in load_all_kubernetes(proc.stdout) if isinstance(doc, dict) and doc.get("kind")]


def _namespaced(doc: dict[str, Any]) -> dict[str, Any]:
    """*doc* with the release namespace where helm leaves it out (the chart's RoleBindings), as helm installs it."""
    if doc["kind"] in {"ClusterRole", "ClusterRoleBinding"} or doc["metadata"].get("namespace"):
        return doc
    return {**doc, "metadata": {**doc["metadata"], "namespace": NAMESPACE}}


def _arguments(deployment: dict[str, Any], ports: dict[str, int]) -> list[str]:
    """The chart's container arguments, with metrics and health on loopback and leader election off."""
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    kept = [arg for arg in container["args"] if arg.partition("=")[0] not in _REPLACED]
    return [*kept, f"--metrics-addr={LOOPBACK}:{ports['metrics']}", f"--health-addr={LOOPBACK}:{ports['health']}"]
