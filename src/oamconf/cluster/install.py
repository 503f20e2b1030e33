"""Installing the platform's components concurrently, each followed by its readiness wait.

A component starts as soon as every component it ``needs`` is ready (``schedule``), so the bootstrap
takes as long as its slowest chain (Crossplane → packages → ProviderConfigs → platform), not the sum
of all installs. Every step can run again on a warm cluster: ``helm upgrade --install`` and server-side
apply converge instead of failing on what already exists.

The first failure stops new components from starting; those already running finish (a half-run
``helm`` killed mid-way would leave its release locked), then ``ClusterBootstrapError`` reports
the failure in one line.
"""

from __future__ import annotations

import builtins
import contextlib
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from oamconf.cluster.components import Component, Ready, WaitKind
from oamconf.cluster.helm import Helm
from oamconf.cluster.ownership import labelled
from oamconf.cluster.schedule import ComponentResult, check_graph, schedule
from oamconf.errors import ApiError, ConformanceError, describe, one_line
from oamconf.k8s.api import FIELD_MANAGER, Change, Cluster, Endpoint, Event, KubeObject, Ref, Watchable
from oamconf.k8s.expect import Expect
from oamconf.k8s.wait import Clock, WaitPolicy
from oamconf.platform.profile import Profile

# Stamped on everything the bootstrap applies, so teardown and humans can tell it apart.
DEFAULT_LABELS: Final = {"app.kubernetes.io/managed-by": "oam-vcluster-conformance"}


@dataclass(frozen=True)
class InstallReport:
    """Per-component results in the order the components were given, for the report header."""

    components: tuple[ComponentResult, ...]
    elapsed: float

    def result(self, name: str) -> ComponentResult:
        return next(r for r in self.components if r.name == name)

    def rows(self) -> list[tuple[str, str]]:
        """``("crossplane", "ready 0s-73s (73s)")`` rows."""
        return [(r.name, _timing(r)) for r in self.components]


def _timing(result: ComponentResult) -> str:
    if result.start is None or result.end is None or result.duration is None:
        return result.status
    return f"{result.status} {result.start:.0f}s-{result.end:.0f}s ({result.duration:.0f}s)"


class ClusterBootstrapError(ConformanceError):
    """A component failed to install or become ready; the message is one line naming it.

    Parameters:
        component: the component that failed first.
        cause: the failure's one-line message (what was wanted, what was last seen).
        report: what every component did, including those that finished or never started.
    """

    def __init__(self, component: str, cause: str, report: InstallReport) -> None:
        super().__init__(f"component {component}: {cause}")
        self.component = component
        self.cause = cause
        self.report = report


def install_platform(
    components: Sequence[Component],
    *,
    cluster: Cluster,
    helm: Helm,
    profile: Profile,
    policy: WaitPolicy,
    clock: Clock,
    apply_labels: Mapping[str, str] = DEFAULT_LABELS,
) -> InstallReport:
    """Install *components*, each as soon as what it needs is ready; wait for each to be ready.

    Parameters:
        components: the platform (``components.reference_platform``); order only orders the report.
        cluster: where manifests are applied and readiness is read.
        helm: installs the charts.
        profile: the timeout of each kind of wait.
        policy: poll intervals.
        clock: time for waits and for the report.
        apply_labels: added to every applied manifest (they win over a label the manifest sets itself).

    Raises:
        UsageError: a component needs an unknown component, or the needs form a cycle.
        ClusterBootstrapError: the first component that failed, in one line.
    """
    check_graph(components)
    steps = _Steps(Expect(_Serialized(cluster), policy, clock), helm, profile, dict(apply_labels))
    started = clock.monotonic()
    results, failure = schedule(components, steps.install, lambda: clock.monotonic() - started)
    report = InstallReport(
        tuple(results.get(c.name, ComponentResult(c.name, "not started")) for c in components),
        clock.monotonic() - started,
    )
    if failure is not None:
        name, err = failure
        raise ClusterBootstrapError(name, one_line(describe(err)), report) from err
    return report


@dataclass(frozen=True)
class _Steps:
    expect: Expect
    helm: Helm
    profile: Profile
    labels: dict[str, str]

    def install(self, component: Component) -> None:
        """Chart, then the CRDs the manifests need, then the manifests, then readiness."""
        chart = component.install.helm
        if chart is not None:
            self.helm.upgrade_install(
                chart.release,
                chart.chart,
                namespace=chart.namespace,
                values_files=chart.values_files,
                timeout=self.timeout("deployment_available"),
            )
        for ready in component.install.before_apply:
            self.wait(ready)
        if component.install.manifests is not None:
            for manifest in component.install.manifests.documents():
                self.apply(manifest)
        for ready in component.ready:
            self.wait(ready)

    def timeout(self, kind: WaitKind) -> float:
        return float(getattr(self.profile.timeouts, kind))

    def wait(self, ready: Ready) -> None:
        self.expect(ready.ref, ready.verdict, timeout=self.timeout(ready.wait))

    def apply(self, manifest: Mapping[str, Any]) -> None:
        self.expect.applied(labelled(manifest, self.labels), timeout=self.timeout("deployment_available"))


class _Serialized:
    """One API call at a time: ``MemoryCluster`` is not thread-safe and the dynamic client's
    discovery cache is shared state. Calls take milliseconds next to helm runs and poll
    intervals (which happen outside the lock), so serializing costs no measurable time."""

    def __init__(self, inner: Cluster) -> None:
        self._inner = inner
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._inner.name

    def apply(self, manifest: Mapping[str, Any], *, field_manager: str = FIELD_MANAGER) -> KubeObject:
        with self._lock:
            return self._inner.apply(manifest, field_manager=field_manager)

    def get(self, ref: Ref) -> KubeObject | None:
        with self._lock:
            return self._inner.get(ref)

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> builtins.list[KubeObject]:
        with self._lock:
            return self._inner.list(api_version, kind, namespace=namespace, labels=labels)

    def delete(self, ref: Ref) -> bool:
        with self._lock:
            return self._inner.delete(ref)

    def events(self, ref: Ref) -> builtins.list[Event]:
        with self._lock:
            return self._inner.events(ref)

    def pod_logs(
        self, namespace: str, pod: str, *, container: str | None = None, tail_lines: int = 200, previous: bool = False
    ) -> str:
        with self._lock:
            return self._inner.pod_logs(namespace, pod, container=container, tail_lines=tail_lines, previous=previous)

    @contextlib.contextmanager
    def port_forward(self, namespace: str, service: str, port: int) -> Iterator[Endpoint]:
        with self._inner.port_forward(namespace, service, port) as endpoint:
            yield endpoint

    def watch(self, ref: Ref, *, resource_version: str | None, timeout: int) -> Iterator[Change]:
        """The inner cluster's watch, opened under the lock (discovery, the in-memory objects); the stream
        then runs unlocked, so one component's long watch never holds up the others' calls."""
        if not isinstance(self._inner, Watchable):
            raise ApiError(405, "MethodNotAllowed", f"{ref}: this cluster cannot watch")  # waits poll instead
        with self._lock:
            return self._inner.watch(ref, resource_version=resource_version, timeout=timeout)

    @contextlib.contextmanager
    def open_vcluster(self, namespace: str, name: str) -> Iterator[Cluster]:
        # Opening reads the host's Secret (and starts a port-forward), so it holds the lock; the vCluster
        # is a cluster of its own, with its own lock, and the block that uses it runs outside this one.
        with contextlib.ExitStack() as stack:
            with self._lock:
                inner = stack.enter_context(self._inner.open_vcluster(namespace, name))
            yield _Serialized(inner)
