"""The bootstrap, as a recipe: preflight, cluster up, platform installed; teardown mirrored.

Like e2e-framework's ``testenv.Setup(CreateCluster..., ...)`` / ``Finish(ExportClusterLogs...,
DestroyCluster...)``, every stage is a named call of another module:

1. ``preflight``: the cluster plan (mode, contradictory options), the tools (from PATH or a
   verified download) and, for a kind cluster, the Docker daemon. Nothing is created yet, so a
   failure here leaves nothing behind and is reported in one line.
2. ``up``: create or reuse the kind cluster (or take the existing one), connect, then install the
   reference platform, components concurrently, when the plan says so.
3. ``down``: export kind's logs into the report directory, then delete the cluster if the plan
   says so (kept when a step failed, for debugging).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from oamconf.cluster import gobuild
from oamconf.cluster.components import Component, reference_platform
from oamconf.cluster.helm import Helm
from oamconf.cluster.install import InstallReport, install_platform
from oamconf.cluster.kind import KindCluster
from oamconf.cluster.lifecycle import ClusterOptions, ClusterPlan, Mode, Teardown, bring_up, plan, tear_down
from oamconf.cluster.local import CONTEXT as LOCAL_CONTEXT
from oamconf.cluster.local import LocalTier
from oamconf.cluster.ownership import new_run_id, run_labels
from oamconf.cluster.stuck_definitions import nudged_line, unstick_definitions
from oamconf.cluster.tier import NO_LIMITS, Limits
from oamconf.cluster.tools import ResolvedTools, check_docker, resolve_tools
from oamconf.errors import AccessDenied, ApiError, ConformanceError
from oamconf.k8s.api import Cluster
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.wait import Clock, WaitPolicy
from oamconf.platform.consistency import ensure_installable
from oamconf.platform.paths import fixtures_dir
from oamconf.platform.profile import Profile
from oamconf.platform.versions import Versions
from oamconf.redact import Redactor

KIND_CONFIG = Path("kind") / "kind-config.yaml"  # under the fixtures folder

# How the bootstrap opens the cluster it brought up, returning it and the server's version;
# the self-tests open an in-memory one instead.
Connector = Callable[[Path | None, str | None, Redactor], tuple[Cluster, str]]


def kube_connector(kubeconfig: Path | None, context: str | None, redactor: Redactor) -> tuple[Cluster, str]:
    """The real connection: the official client, checked by asking the server's version."""
    cluster = KubeCluster.from_kubeconfig(kubeconfig, context, secrets=redactor)
    return cluster, _answering(cluster)


@dataclass(frozen=True)
class BootstrapSettings:
    """Everything the bootstrap needs to know, from the command line and the config files."""

    options: ClusterOptions
    versions: Versions
    profile: Profile
    report_dir: Path
    work_dir: Path  # private (0700): the kind cluster's admin kubeconfig is written here
    cache_dir: Path
    fixtures: Path = field(default_factory=fixtures_dir)  # the project's (pytest's rootdir), not the package's


@dataclass
class Bootstrap:
    """One run's cluster: planned, brought up, torn down. Each stage records what it did."""

    settings: BootstrapSettings
    redactor: Redactor
    policy: WaitPolicy
    clock: Clock
    connect_to: Connector = kube_connector
    run_id: str = field(default_factory=new_run_id)
    plan: ClusterPlan | None = None
    tools: ResolvedTools | None = None
    docker: str | None = None
    cluster: Cluster | None = None
    components: tuple[Component, ...] = ()
    install: InstallReport | None = None
    local: LocalTier | None = None  # --local: the control plane this run starts
    facts: dict[str, str] = field(default_factory=dict)

    @property
    def limits(self) -> Limits:
        """What this run's cluster cannot make real (the local tier's), for the checks that need it."""
        return self.local.limits if self.local is not None else NO_LIMITS

    def preflight(self) -> None:
        """Plan and guard the target, find the tools, check Docker; raise one-line errors, create nothing.

        An existing cluster's context is chosen, guarded and connected to first: nothing is downloaded for
        a target the guard refuses or that does not answer. Testing an existing platform without installing
        needs neither kind nor helm nor Docker, so nothing is resolved or downloaded for it.
        """
        self.plan = plan(self.settings.options)
        self.facts["Cluster mode"] = self.plan.description()
        self.facts["Run id"] = self.run_id
        if self.plan.mode is Mode.LOCAL:
            self._check_platform()
            self._prepare_local()
            return
        if self.plan.mode is Mode.EXISTING:
            # Reads the kubeconfig (asking kind on PATH what is local, for the guard) and asks the API
            # server its version: a refused or silent target ends the run before any tool is fetched.
            self.plan = self._bring_up()
            self.connect()
            if not self.plan.should_install:
                return
        self._check_platform()
        # Docker before the tools: without it nothing else matters, and checking costs no download.
        if self.plan.mode is not Mode.EXISTING:
            self.docker = check_docker()
            self.facts["Docker"] = self.docker
        self._resolve_tools()

    def _check_platform(self) -> None:
        """Parse every manifest and refuse overrides the fixtures do not honour, before a cluster exists."""
        fixtures = self.settings.fixtures
        self.components = reference_platform(self.settings.versions, self.settings.profile, fixtures=fixtures)
        for component in self.components:
            if component.install.manifests is not None:
                component.install.manifests.documents()
        # An override the fixtures ignore would install something other than what the report says.
        ensure_installable(self.settings.versions, self.settings.profile, fixtures=fixtures)

    def _prepare_local(self) -> None:
        """The local tier's binaries, found in the tool cache or built now (one line when Go is missing)."""
        settings = self.settings
        self.local = LocalTier(
            cache_dir=settings.cache_dir,
            # Beside the kind clusters' folders, one of its own a run: removed at the end unless kept.
            data_dir=settings.work_dir.parent / f"local-{self.run_id}",
            keep=settings.options.keep,
            redactor=self.redactor,
            versions=settings.versions,
        )
        self.facts["Local tier binaries"] = self.local.prepare()
        # Said up front: each check that needs one of these is Not tested with the same reason.
        self.facts["Local tier: not run"] = "; ".join(self.local.limits.lines())

    def _resolve_tools(self) -> None:
        self.tools = resolve_tools(self.settings.versions.tools, cache_dir=self.settings.cache_dir)
        resolved = (self.tools.kind, self.tools.helm, self.tools.kubectl)
        # kubectl port-forward and anything else run by name must find the resolved tools first.
        tool_dirs = dict.fromkeys(str(t.path.parent) for t in resolved)
        os.environ["PATH"] = os.pathsep.join([*tool_dirs, os.environ.get("PATH", "")])
        for tool in resolved:
            self.facts[f"{tool.name} CLI"] = f"{tool.version} ({tool.source})"

    def connect(self) -> Cluster:
        """Create or reuse the kind cluster as planned (an existing one is only guarded), and connect.

        Raises:
            ConformanceError: kind failed, the guard refused the target, or the API server did not answer.
        """
        if self.cluster is not None:
            return self.cluster
        if self.plan is None:
            self.preflight()
        if self.plan is None:  # preflight sets it or raises
            raise ConformanceError("the bootstrap preflight did not run")
        if self.plan.mode is Mode.LOCAL:
            self.plan = self._start_local()
        elif self.plan.mode is not Mode.EXISTING:
            self.plan = self._bring_up()
        self.cluster, self.facts["Kubernetes server"] = self.connect_to(
            self.plan.kubeconfig, self.plan.context, self.redactor
        )
        return self.cluster

    def _start_local(self) -> ClusterPlan:
        if self.plan is None or self.local is None:
            raise ConformanceError("the bootstrap preflight did not run")
        plane = self.local.start()
        self.facts.update(self.local.facts())
        self.facts["Local tier: not run"] = "; ".join(self.local.limits.lines())  # now that its stages started
        return dataclasses.replace(self.plan, kubeconfig=plane.kubeconfig)

    def up(self) -> Cluster:
        """Connect (``connect``), then install the platform when the plan says so.

        Raises:
            ConformanceError: as ``connect``, or a component did not become ready (``ClusterBootstrapError``).
        """
        cluster = self.connect()
        if self.local is not None:
            self._install_local(cluster)
            return cluster
        if self.plan is not None and self.plan.should_install and self.tools is not None and self.install is None:
            self.install = install_platform(
                self.components,
                cluster=cluster,
                helm=Helm(
                    self.tools.helm.path,
                    kubeconfig=self.plan.kubeconfig,
                    context=self.plan.context,
                    redactor=self.redactor,
                ),
                profile=self.settings.profile,
                policy=self.policy,
                clock=self.clock,
                apply_labels=run_labels(self.run_id),
            )
            for name, timing in self.install.rows():
                self.facts[f"Install {name}"] = timing
            self._nudge_definitions(cluster)
        return cluster

    def _nudge_definitions(self, cluster: Cluster) -> None:
        """Only after the suite installed the platform: a cluster under review is never changed."""
        nudged = unstick_definitions(cluster, self.settings.profile.definitions.namespace, clock=self.clock)
        if nudged:
            self.facts["Definitions nudged"] = nudged_line(nudged)

    def _install_local(self, cluster: Cluster) -> None:
        """What the local tier's started stages can serve, installed as a kind run installs it; the rest of the
        platform is in ``limits``, and the checks that need it are Not tested."""
        if self.local is None or self.install is not None:
            return
        components = self.local.components(self.components)
        if not components:
            return
        (helm,) = gobuild.ensure_all(["helm"], cache_dir=self.settings.cache_dir)
        self.install = install_platform(
            components,
            cluster=cluster,
            helm=Helm(helm.path, kubeconfig=self.local.kubeconfig, context=LOCAL_CONTEXT, redactor=self.redactor),
            profile=self.settings.profile,
            policy=self.policy,
            clock=self.clock,
            apply_labels=run_labels(self.run_id),
        )
        self._nudge_definitions(cluster)
        self.local.start_package_runtimes()  # the packages' pods as processes, once Crossplane made them
        for name, timing in self.install.rows():
            self.facts[f"Install {name}"] = timing

    def _bring_up(self) -> ClusterPlan:
        if self.plan is None:
            raise ConformanceError("the bootstrap preflight did not run")
        # The admin kubeconfig lands here: never under the report directory, never readable by others.
        if self.plan.mode is not Mode.EXISTING:
            self.settings.work_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.settings.work_dir.chmod(0o700)
        return bring_up(
            self.plan,
            self._kind(),
            config=self.settings.fixtures / KIND_CONFIG,
            node_image=self.settings.versions.cluster.node_image,
            kubeconfig=self.settings.work_dir / "kubeconfig",
        )

    def down(self, *, any_step_failed: bool) -> Teardown | None:
        """Export logs, then delete the cluster if the plan says so; ``None`` before ``up``."""
        if self.plan is None:
            return None
        close = getattr(self.cluster, "close", None)
        if close is not None:
            close()  # the real backend's discovery cache
        report_dir = self.settings.report_dir
        if self.local is not None:
            summary, problems = self.local.stop(report_dir)
            self.facts["Cluster mode"] = summary
            self.facts.update(self.local.facts())  # the memory figures read just before the stop
            if problems:
                self.facts["Teardown"] = "; ".join(problems)
            return Teardown(None, deleted=True, summary=summary, problems=tuple(problems))
        result = tear_down(self.plan, self._kind(), any_step_failed=any_step_failed, report_dir=report_dir)
        self.facts["Cluster mode"] = result.summary
        return result

    def _kind(self) -> KindCluster:
        # An existing cluster tested without installing has no resolved kind: it never runs kind.
        binary = self.tools.kind.path if self.tools is not None else "kind"
        return KindCluster(self.settings.options.cluster_name, binary, redactor=self.redactor)


def _answering(cluster: KubeCluster) -> str:
    try:
        return cluster.server_version()
    except AccessDenied as err:
        raise ConformanceError(
            f"context {cluster.name} refuses the kubeconfig's credentials ({err}): refresh them"
        ) from None
    except ApiError as err:
        raise ConformanceError(
            f"no Kubernetes API answers for context {cluster.name} ({err}): "
            "start the cluster or pass --kubeconfig/--context"
        ) from None
