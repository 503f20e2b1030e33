"""Which cluster a run uses, whether it installs the platform there, and whether it deletes it.

Three modes, decided once from the options by ``plan()``:

* CREATE (default): create a kind cluster, delete it at the end;
* REUSE (``--reuse-cluster``): use the kind cluster of that name, creating it if it is missing;
  a cluster the run did not create is never deleted (e2e-framework's ``clusterExists`` rule);
* EXISTING (``--kubeconfig``/``--context``): create and delete nothing; install the platform
  only with ``--install-platform``;
* LOCAL (``--local``): no kind, no Docker: a control plane built from the pinned Go modules runs as
  processes on loopback for this run only (``local.LocalTier``), stopped by pid at the end.

A cluster this run created is kept with ``--keep-cluster``, and also, for debugging, when a step
failed, unless ``--delete-on-failure``. Teardown exports kind's logs into the report directory
before it deletes anything (e2e-framework's ``ExportClusterLogs`` then ``DestroyCluster``).
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from pathlib import Path

from oamconf.cluster.commands import CommandFailed
from oamconf.cluster.guard import FLAG, ensure_ours
from oamconf.cluster.kind import KindCluster, context_name
from oamconf.cluster.localcp.controlplane import CONTEXT as LOCAL_CONTEXT
from oamconf.errors import UsageError
from oamconf.k8s.kubeconfig import choose_context, context_server

DEFAULT_CLUSTER_NAME = "oamconf-e2e"
LOGS_DIR = "kind-logs"


class Mode(enum.Enum):
    CREATE = "create"
    REUSE = "reuse"
    EXISTING = "existing"
    LOCAL = "local"


@dataclass(frozen=True)
class ClusterOptions:
    """The cluster options of the command line, as given."""

    cluster_name: str = DEFAULT_CLUSTER_NAME
    reuse: bool = False
    keep: bool = False
    delete_on_failure: bool = False
    kubeconfig: Path | None = None
    context: str | None = None
    install_platform: bool = False
    allow_foreign: bool = False
    local: bool = False


@dataclass(frozen=True)
class ClusterPlan:
    """The decided mode, and once ``bring_up`` ran, the kubeconfig and whether this run created the cluster."""

    mode: Mode
    options: ClusterOptions
    kubeconfig: Path | None = None
    context: str | None = None
    created: bool = False

    @property
    def name(self) -> str:
        return self.options.cluster_name

    @property
    def should_install(self) -> bool:
        """Kind clusters always get the platform; an existing cluster only with ``--install-platform``."""
        return self.mode is not Mode.EXISTING or self.options.install_platform

    def should_delete(self, any_step_failed: bool) -> bool:  # noqa: FBT001 - the one fact this answer depends on
        """Delete only a cluster this run created, unless kept on purpose or kept to debug a failure."""
        if not self.created or self.options.keep:
            return False
        return not any_step_failed or self.options.delete_on_failure

    def description(self, *, any_step_failed: bool | None = None) -> str:
        """One line for the report header; *any_step_failed* is ``None`` while the outcome is unknown.

        E.g. ``kind cluster oamconf-e2e (created by this run; deleted at the end)``.
        """
        if self.mode is Mode.LOCAL:
            kept = "its data kept (--keep-cluster)" if self.options.keep else "its data removed"
            return (
                "local tier: a Kubernetes control plane started by this run as processes on loopback "
                f"(no kind, no Docker); stopped at the end by pid, {kept}"
            )
        if self.mode is Mode.EXISTING:
            where = f"context {self.context or '(current)'} of kubeconfig {self.kubeconfig or '(default)'}"
            install = "platform installed by this run" if self.should_install else "platform expected installed"
            return f"existing cluster, {where} (nothing created or deleted; {install})"
        if not self.created:
            return f"kind cluster {self.name} (reused: it existed before this run; never deleted by it)"
        origin = "not found, so created by this run" if self.mode is Mode.REUSE else "created by this run"
        return f"kind cluster {self.name} ({origin}; {self._fate(any_step_failed=any_step_failed)})"

    def _fate(self, *, any_step_failed: bool | None) -> str:
        if self.options.keep:
            return "kept at the end (--keep-cluster)"
        if self.options.delete_on_failure or any_step_failed is False:
            return "deleted at the end"
        if any_step_failed:
            return f"kept for debugging because a step failed; delete it with `kind delete cluster --name {self.name}`"
        return "deleted at the end, or kept for debugging if a step fails"


def plan(options: ClusterOptions) -> ClusterPlan:
    """Decide the mode from *options*.

    Raises:
        UsageError: options that contradict each other, or an empty cluster name.
    """
    if not options.cluster_name:
        raise UsageError("--cluster-name is empty: give a kind cluster name, e.g. oamconf-e2e")
    if options.keep and options.delete_on_failure:
        raise UsageError("--keep-cluster and --delete-on-failure contradict each other: pass one of them")
    if options.local:
        _check_local(options)
    if options.local:
        return ClusterPlan(Mode.LOCAL, options, context=LOCAL_CONTEXT, created=True)
    if options.kubeconfig is None and options.context is None:
        mode = Mode.REUSE if options.reuse else Mode.CREATE
        return ClusterPlan(mode, options, context=context_name(options.cluster_name))
    for flag, given in (("--reuse-cluster", options.reuse), ("--delete-on-failure", options.delete_on_failure)):
        if given:
            raise UsageError(
                f"{flag} is for kind clusters the suite manages, but --kubeconfig/--context select an existing "
                f"cluster that is never created or deleted: drop {flag} or --kubeconfig/--context"
            )
    return ClusterPlan(Mode.EXISTING, options, kubeconfig=options.kubeconfig, context=options.context)


def _check_local(options: ClusterOptions) -> None:
    """``--local`` starts its own control plane: options choosing another cluster contradict it."""
    given = [
        flag
        for flag, value in (
            ("--kubeconfig", options.kubeconfig is not None),
            ("--context", options.context is not None),
            ("--reuse-cluster", options.reuse),
            ("--install-platform", options.install_platform),
            ("--allow-foreign-cluster", options.allow_foreign),
            ("--delete-on-failure", options.delete_on_failure),
            ("--cluster-name", options.cluster_name != DEFAULT_CLUSTER_NAME),
        )
        if value
    ]
    if given:
        raise UsageError(
            f"--local starts a control plane of its own for this run, but {', '.join(given)} "
            f"choose(s) another cluster or how a kind cluster is handled: drop {', '.join(given)} or --local"
        )


def bring_up(plan: ClusterPlan, kind: KindCluster, *, config: Path, node_image: str, kubeconfig: Path) -> ClusterPlan:
    """Create or reuse the kind cluster as planned, and check that the suite may install there.

    Parameters:
        plan: from ``plan()``.
        kind: the kind cluster of ``plan.name``, with the resolved kind binary.
        config: the kind config file, for a cluster this run creates.
        node_image: the node image, pinned by digest, for a cluster this run creates.
        kubeconfig: where the kind cluster's kubeconfig is written (kind modes only).

    Returns:
        The plan with ``kubeconfig``, ``context`` and ``created`` filled in.

    Raises:
        UsageError: CREATE finds the cluster already there; the guard refuses the target.
        CommandFailed: kind failed; the message ends with kind's error line.
    """
    if plan.mode is Mode.EXISTING:
        files, context = choose_context(plan.kubeconfig, plan.context)
        if plan.should_install and not plan.options.allow_foreign:
            # The name alone proves nothing: the context must also point at that kind cluster's server.
            server = context_server(files, context)
            ensure_ours(
                context,
                _local_clusters(kind),
                allow_foreign=False,
                server=server,
                kind_server=lambda name: _kind_server(kind, name),
            )
        return dataclasses.replace(plan, context=context)
    present = kind.clusters()
    if plan.name not in present:
        kind.create(config, node_image, kubeconfig)
        return dataclasses.replace(plan, kubeconfig=kubeconfig, created=True)
    if plan.mode is Mode.CREATE:
        raise UsageError(
            f"kind cluster {plan.name} already exists: pass --reuse-cluster to use it, "
            f"or delete it with `kind delete cluster --name {plan.name}`"
        )
    # Not created by this run, so it may be anyone's: the guard decides before anything is installed.
    # The kubeconfig is kind's own for this cluster, so only the name needs checking.
    ensure_ours(kind.context, present, allow_foreign=plan.options.allow_foreign)
    kind.write_kubeconfig(kubeconfig)
    return dataclasses.replace(plan, kubeconfig=kubeconfig, created=False)


@dataclass(frozen=True)
class Teardown:
    """What teardown did: where the logs went, whether the cluster was deleted, and what went wrong."""

    logs: Path | None
    deleted: bool
    summary: str
    problems: tuple[str, ...] = ()


def tear_down(plan: ClusterPlan, kind: KindCluster, *, any_step_failed: bool, report_dir: Path) -> Teardown:
    """Export kind's logs into *report_dir*, then delete the cluster if the plan says so.

    A failed log export is recorded, not raised: the cluster must still be deleted.

    Raises:
        CommandFailed: ``kind delete cluster`` failed.
    """
    if plan.mode is Mode.EXISTING:
        return Teardown(None, deleted=False, summary=plan.description(any_step_failed=any_step_failed))
    logs: Path | None = None
    problems: list[str] = []
    try:
        logs = kind.export_logs(report_dir / LOGS_DIR)
    except CommandFailed as err:
        problems.append(f"kind logs not exported: {err}")
    deleted = plan.should_delete(any_step_failed)
    if deleted:
        kind.delete(plan.kubeconfig)
    return Teardown(logs, deleted, plan.description(any_step_failed=any_step_failed), tuple(problems))


def _local_clusters(kind: KindCluster) -> list[str]:
    """The kind clusters on this machine; none when kind is not installed (then none can be ours)."""
    try:
        return kind.clusters()
    except UsageError:
        return []
    except CommandFailed as err:
        raise UsageError(f"cannot list kind clusters to check the target ({err}): fix kind, or pass {FLAG}") from err


def _kind_server(kind: KindCluster, name: str) -> str:
    """The API server of local kind cluster *name* (not necessarily ``kind.name``), for the guard."""
    try:
        return dataclasses.replace(kind, name=name).server()
    except CommandFailed as err:
        raise UsageError(
            f"cannot read the server of kind cluster {name} to check the target ({err}): fix kind, or pass {FLAG}"
        ) from err
