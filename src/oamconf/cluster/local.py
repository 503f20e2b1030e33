"""The local tier (``--local``): the run's cluster is a real control plane started as processes on loopback.

``localcp`` starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (one fake node)
from the pinned Go modules; this module is its life inside one run: the binaries found or built in the
preflight (a missing Go toolchain is one line there), the control plane started when the cluster is first
needed, and at the end its processes stopped by pid, their logs copied (redacted) into the report directory,
and its data directory removed unless ``--keep-cluster``.

What the tier does not run yet is a ``Limits`` entry, so the checks that need it are Not tested with the
reason instead of timing out as failures; a component that dies during the run turns every capability into
a limit whose reason is its last log lines.
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from oamconf.cluster.commands import environment
from oamconf.cluster.components import Component
from oamconf.cluster.local_platform import (
    installable,
    lost,
    served_packages,
    start_crossplane,
    start_kubevela,
    start_runtimes,
)
from oamconf.cluster.local_standins import bill_of_materials, chart_repository, databases, describe, rewrite_for
from oamconf.cluster.localcp.build import prepared
from oamconf.cluster.localcp.charts import ChartRepository
from oamconf.cluster.localcp.components import Binaries, Layout
from oamconf.cluster.localcp.controlplane import CONTEXT, LocalControlPlane, running
from oamconf.cluster.localcp.crossplane import LocalCrossplane
from oamconf.cluster.localcp.kubevela import VelaCore
from oamconf.cluster.localcp.process import OwnedProcess, memory_kib
from oamconf.cluster.localcp.registry import local_packages

__all__ = ["CONTEXT", "LocalTier"]
from oamconf.cluster.tier import CAPABILITIES, Limits
from oamconf.errors import ConformanceError, one_line
from oamconf.platform.versions import Versions
from oamconf.redact import Redactor

TIER: Final = "local tier"
STARTED: Final = f"{TIER}: a Kubernetes control plane started by this run as processes on loopback (no kind, no Docker)"
# Charts no registry here serves, as tiny stand-ins of the same name and version (each says so in its Chart.yaml).
LOGS_DIR: Final = "local-logs"  # under the report directory, as kind's logs go to kind-logs
# What the tier does not run yet, and why, in the words a reviewer reads beside each Not tested check.
NOT_RUN: Final = {
    "crossplane": "Crossplane core is not started as a process in this tier yet",
    "crossplane-packages": "the Crossplane packages' runtimes were not started (the packages were not installed)",
    "provider-configs": "the ProviderConfigs need Crossplane, not run in this tier yet",
    "kubevela": "KubeVela's controller (vela-core) is not started as a process in this tier yet",
    "cluster-gateway": "KubeVela's cluster-gateway is not run in this tier (vela-core serves the local cluster only)",
    # argo-cd v3.4.4's go.mod requires its gitops-engine at a pseudo-version the proxy answers 403 for, and
    # replaces it with a folder that is not in the module's zip: it cannot be built from the proxy here.
    "argocd": (
        "Argo CD v3.4.4 cannot be built from the Go module proxy: it needs github.com/argoproj/argo-cd/"
        "gitops-engine v0.7.1-0.20250908182407-97ad5b59a627, which the proxy does not serve"
    ),
    "platform": "the platform's definitions need Crossplane and KubeVela, not run in this tier yet",
    "vcluster-api": "a vCluster's API server is not started as a process in this tier yet",
    "containers": "kwok simulates pods: no container's command runs",
    # Stand-ins exist (fixtures/local/charts, selftests/localcp/test_real_databases.py), not yet served in a run.
    "database-charts": (
        "the Bitnami PostgreSQL and Redis charts are in no registry reachable here, and the tier's stand-ins are "
        "not served to the ComponentDefinitions yet"
    ),
    "database-servers": "no PostgreSQL or Redis server is started behind the charts' Services in this tier yet",
    "vcluster-chart": "the vcluster chart is not served in this tier yet",
}


@dataclass
class LocalTier:
    """One run's local control plane: prepared in the preflight, started on first use, stopped at the end.

    Parameters:
        cache_dir: the tool cache holding (or receiving) the built binaries.
        data_dir: created private (0700); certificates, kubeconfigs, etcd's data and every log go here.
        keep: keep *data_dir* after the run (``--keep-cluster``); the processes are stopped either way.
        redactor: masks secrets in the logs copied into the report directory.
        versions: the pinned versions (the Crossplane packages the registry serves).
    """

    cache_dir: Path
    data_dir: Path
    keep: bool
    redactor: Redactor
    versions: Versions
    binaries: Binaries | None = None
    crossplane: LocalCrossplane | None = None
    kubevela: VelaCore | None = None
    stage_facts: dict[str, str] = field(default_factory=dict)  # header lines of the started stages
    materials: dict[str, str] = field(default_factory=dict)  # bill of materials rows, from the built modules
    plane: LocalControlPlane | None = None
    runtimes: list[OwnedProcess] = field(default_factory=list)  # the packages' runtimes, once started
    charts: ChartRepository | None = None  # the loopback chart repository (vcluster and the stand-ins)
    last_facts: dict[str, str] = field(default_factory=dict)  # ``facts()`` as read just before the stop
    limits: Limits = field(default_factory=lambda: Limits(TIER, dict(NOT_RUN)))
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def __post_init__(self) -> None:
        self.limits.died = self._died

    def prepare(self) -> str:
        """Find or build the control plane's binaries; the report line saying where each came from.

        Raises:
            UsageError: no Go toolchain and no cached binaries (what to install, or ``--cache-dir``).
            BuildFailed: a build failed (Go's last error line and the log's path).
        """
        self.binaries, items = prepared(self.cache_dir)
        for item in items:
            if not item.tool.name.endswith("stages"):  # kwok's stage documents: part of kwok, not a component
                self.materials[f"{item.tool.name} (local tier)"] = f"{item.tool.upstream} {item.tool.version}"
        sources = {"cache": "from the tool cache", "built": "built now", "prebuilt": "prebuilt (no Go here)"}
        how = ", ".join(
            f"{i.tool.name} {sources.get(i.source, i.source)}" + (f" in {i.seconds:.0f}s" if i.seconds else "")
            for i in items
        )
        return f"{how} ({self.cache_dir})"

    def start(self) -> LocalControlPlane:
        """Start the control plane once; the started one after that.

        Raises:
            ProcessDied: a component exited while it started (its name and last log lines).
            LocalControlPlaneError: a component did not become ready in time.
        """
        if self.plane is not None:
            return self.plane
        if self.binaries is None:
            self.prepare()
        if self.binaries is None:  # prepare sets it or raises
            raise ConformanceError("the local tier's binaries were not prepared")
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)  # the admin kubeconfig and the CA's key are written here
        # kubectl's and helm's discovery cache, one folder per API server address, would otherwise pile up in
        # ~/.kube/cache: this run's API server and its cache go together.
        self._stack.enter_context(environment(KUBECACHEDIR=str(self.data_dir / "kube-cache")))
        # Kept by ``running`` itself: the logs are copied after the processes stop, then the folder goes.
        self.plane = self._stack.enter_context(running(self.binaries, self.data_dir, keep=True))
        self._serve_charts()
        self._start_crossplane(self.plane)
        self._start_kubevela(self.plane)
        return self.plane

    def _start_kubevela(self, plane: LocalControlPlane) -> None:
        """vela-core as a process; when it cannot start, its checks are Not tested with the one-line cause."""
        try:
            self.kubevela, facts = start_kubevela(self._stack, plane, self.cache_dir)
        except ConformanceError as err:
            self.limits.missing["kubevela"] = f"vela-core did not start: {one_line(str(err))}"
            return
        self.stage_facts.update(facts)
        self.limits.missing.pop("kubevela", None)
        if self.crossplane is not None:
            self.limits.missing.pop("platform", None)

    def _start_crossplane(self, plane: LocalControlPlane) -> None:
        """Crossplane as processes; when it cannot start, its checks are Not tested with the one-line cause."""
        try:
            self.crossplane, facts = start_crossplane(
                self._stack, plane, self.cache_dir, self.versions, self.data_dir / "crossplane"
            )
        except ConformanceError as err:
            self.limits.missing["crossplane"] = f"Crossplane did not start: {one_line(str(err))}"
            return
        self.stage_facts.update(facts)
        for capability in ("crossplane", "provider-configs"):
            self.limits.missing.pop(capability, None)

    def _serve_charts(self) -> None:
        """The loopback chart repository, before anything is installed (the Composition names it); when it
        cannot serve, the checks installing a chart are Not tested with the one-line cause."""
        try:
            self.charts = self._stack.enter_context(
                chart_repository(self.versions, self.cache_dir, self.data_dir / "charts")
            )
        except ConformanceError as err:
            why = f"the loopback chart repository did not start: {one_line(str(err))}"
            self.limits.missing.update({"vcluster-chart": why, "database-charts": why})
            return
        self.stage_facts["Local tier: charts"] = describe(self.versions, self.charts)
        self.materials.update(bill_of_materials(self.versions))
        self.limits.missing.pop("vcluster-chart", None)

    def start_package_runtimes(self) -> None:
        """After the install: each package's pod run as a process, reaching the chart repository from its
        network; when they cannot start, the checks needing them are Not tested with the one-line cause."""
        if self.plane is None or self.crossplane is None or self.runtimes:
            return
        forward = [self.charts.port] if self.charts is not None else []
        try:
            self.runtimes, facts = start_runtimes(self._stack, self.plane, self.crossplane, self.cache_dir, forward)
        except ConformanceError as err:
            self.limits.missing["crossplane-packages"] = f"the packages' runtimes did not start: {one_line(str(err))}"
            return
        self.stage_facts.update(facts)
        self.limits.missing.pop("crossplane-packages", None)
        self._start_databases(self.plane)

    def _start_databases(self, plane: LocalControlPlane) -> None:
        """Real servers behind the stand-in database pods; when they cannot run, phase 3 says why."""
        try:
            self._stack.enter_context(databases(plane, self.cache_dir, self.data_dir / "databases"))
        except ConformanceError as err:
            self.limits.missing["database-servers"] = f"the database supervisor did not start: {one_line(str(err))}"
            return
        self.stage_facts["Local tier: storage"] = (
            "no StorageClass: a pending claim that names none (a stand-in database's, the vCluster's) gets a "
            "PersistentVolume made for it (a stand-in for kind's local-path provisioner; no kubelet mounts it)"
        )
        self.stage_facts["Local tier: databases"] = (
            "each stand-in PostgreSQL or Redis pod is served by a real server from Debian's packages (PostgreSQL 15, "
            "Redis 7: their versions, not the images'), started with the credentials the pod's environment names "
            "and reached through kwok's port-forward (kubectl v1.36.1 built from the module)"
        )
        if self.charts is not None:
            self.limits.missing.pop("database-charts", None)
        self.limits.missing.pop("database-servers", None)

    def rewrite(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """What a run applies, pointed at the loopback chart repository once it serves (``local_standins``)."""
        return manifest if self.charts is None else rewrite_for(self.versions, self.charts)(manifest)

    def components(self, platform: tuple[Component, ...]) -> tuple[Component, ...]:
        """The platform's components the started stages let this tier install, as it serves them."""
        running = {name for name, up in (("crossplane", self.crossplane), ("kubevela", self.kubevela)) if up}
        packages = served_packages(local_packages(self.versions))
        return installable(platform, running, lambda manifest: self.rewrite(packages(manifest)))

    @property
    def kubeconfig(self) -> Path | None:
        return self.plane.kubeconfig if self.plane is not None else None

    def facts(self) -> dict[str, str]:
        """Report lines on the started control plane: where, how fast, how much memory."""
        plane = self.plane
        if plane is None or self.last_facts:
            return self.last_facts  # stopped: what was read last, not the memory of processes that are gone
        everything = [*plane.processes, *(self.crossplane.processes if self.crossplane else ()), *self.runtimes]
        now, peak = memory_kib(everything)
        took = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in plane.took.items())
        return {
            "Local control plane": f"{plane.server}: ready in {plane.started_in:.1f}s ({took})",
            **self.stage_facts,
            "Local tier: not run": "; ".join(self.limits.lines()),
            "Local tier memory": f"{now / 1024:.0f} MiB resident, peak {peak / 1024:.0f} MiB (all processes)",
        }

    def stop(self, report_dir: Path) -> tuple[str, list[str]]:
        """Stop every process by pid, copy their logs into *report_dir*, remove the data unless kept.

        Returns:
            The teardown's summary line, and its problems (a process that would not stop, logs not copied).
        """
        problems: list[str] = []
        if not self.data_dir.exists():
            return f"{TIER}: the control plane was never started", problems
        if self.plane is not None:
            self.last_facts = self.facts()  # the peak memory of every process, read before they stop
        try:
            self._stack.close()  # a start cut short (Ctrl-C, a component that died) stopped its processes already
        except ConformanceError as err:
            problems.append(str(err))
        logs = self._copy_logs(report_dir / LOGS_DIR, problems)
        if self.keep:
            fate = f"its data kept in {self.data_dir} (--keep-cluster)"
        else:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            fate = "its data removed"
        where = f"; their logs (redacted) in {logs}" if logs is not None else ""
        began = STARTED if self.plane is not None else f"{STARTED}, cut short while it started"
        return f"{began}; at the end every process stopped by pid, {fate}{where}", problems

    def _copy_logs(self, into: Path, problems: list[str]) -> Path | None:
        found = sorted(
            [*Layout(self.data_dir).logs.glob("*.log"), *(self.data_dir / "crossplane" / "logs").glob("*.log")]
        )
        if not found:
            return None
        try:
            into.mkdir(parents=True, exist_ok=True)
            for log in found:
                text = log.read_text(encoding="utf-8", errors="replace")
                (into / log.name).write_text(self.redactor.redact(text), encoding="utf-8")
        except OSError as err:
            problems.append(f"local tier logs not copied: {err}")
            return None
        return into

    def _died(self) -> dict[str, str]:
        """Every capability, when a control plane component is no longer running: nothing works without it."""
        if self.plane is None:
            return {}
        died = self.plane.died()
        stages: dict[str, str | None] = {}
        if died is not None and died.name == "vela-core":  # the plane holds it, but nothing else needs it
            stages["kubevela"] = str(died)
        elif died is not None:
            return dict.fromkeys(CAPABILITIES, str(died))
        if self.crossplane is not None:
            stages["crossplane"] = next((str(e) for p in self.crossplane.processes if (e := p.died())), None)
        stages["crossplane-packages"] = next((str(e) for p in self.runtimes if (e := p.died())), None)
        return lost(stages)
