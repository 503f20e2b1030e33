"""Installing the platform's components concurrently, each followed by its readiness wait.

A component starts as soon as every component it ``needs`` is ready, so the bootstrap takes as
long as its slowest chain (Crossplane → packages → ProviderConfigs → platform), not the sum of all
installs. Every step can run again on a warm cluster: ``helm upgrade --install`` and server-side
apply converge instead of failing on what already exists.

The first failure stops new components from starting; those already running finish (a half-run
``helm`` killed mid-way would leave its release locked), then ``ClusterBootstrapError`` reports
the failure in one line.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Final, Literal

from oamconf.cluster.components import Component, Ready, WaitKind
from oamconf.cluster.helm import Helm
from oamconf.errors import ApiError, ConformanceError, UsageError
from oamconf.k8s.api import FIELD_MANAGER, Cluster, Endpoint, Event, KubeObject, Ref
from oamconf.k8s.conditions import on_object
from oamconf.k8s.wait import Clock, Observation, WaitPolicy, wait_until
from oamconf.platform.profile import Profile

log = logging.getLogger(__name__)

# Stamped on everything the bootstrap applies, so teardown and humans can tell it apart.
DEFAULT_LABELS: Final = {"app.kubernetes.io/managed-by": "oam-vcluster-conformance"}
# The API server rejected the manifest itself: applying it again cannot succeed.
_REJECTED: Final = frozenset({400, 422})

Status = Literal["ready", "failed", "not started"]


@dataclass(frozen=True)
class ComponentResult:
    """How one component went; times are seconds since the install began (``None``: never started)."""

    name: str
    status: Status
    start: float | None = None
    end: float | None = None
    message: str = ""

    @property
    def duration(self) -> float | None:
        return None if self.start is None or self.end is None else self.end - self.start


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
        apply_labels: added to every applied manifest (a label the manifest sets itself wins).

    Raises:
        UsageError: a component needs an unknown component, or the needs form a cycle.
        ClusterBootstrapError: the first component that failed, in one line.
    """
    check_graph(components)
    steps = _Steps(_Serialized(cluster), helm, profile, policy, clock, dict(apply_labels))
    started = clock.monotonic()
    results, failure = _schedule(components, steps, lambda: clock.monotonic() - started)
    report = InstallReport(
        tuple(results.get(c.name, ComponentResult(c.name, "not started")) for c in components),
        clock.monotonic() - started,
    )
    if failure is not None:
        name, err = failure
        raise ClusterBootstrapError(name, _one_line(err), report) from err
    return report


def check_graph(components: Sequence[Component]) -> None:
    """Raise ``UsageError`` for a duplicate name, an unknown ``needs`` or a dependency cycle."""
    by_name = _by_name(components)
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            cycle = " -> ".join((*path[path.index(name) :], name))
            raise UsageError(f"components need each other in a cycle: {cycle}")
        if name not in done:
            for need in by_name[name].needs:
                visit(need, (*path, name))
            done.add(name)

    for component in components:
        visit(component.name, ())


def _by_name(components: Sequence[Component]) -> dict[str, Component]:
    by_name: dict[str, Component] = {}
    for component in components:
        if component.name in by_name:
            raise UsageError(f"component {component.name} is defined twice")
        by_name[component.name] = component
    for component in components:
        unknown = [need for need in component.needs if need not in by_name]
        if unknown:
            known = ", ".join(sorted(by_name))
            raise UsageError(f"component {component.name} needs {unknown[0]}, which is not a component ({known})")
    return by_name


def _schedule(
    components: Sequence[Component], steps: _Steps, now: Callable[[], float]
) -> tuple[dict[str, ComponentResult], tuple[str, BaseException] | None]:
    """Run each component once its needs are ready; after a failure, only drain what runs."""
    results: dict[str, ComponentResult] = {}
    waiting = list(components)
    running: dict[Future[None], tuple[str, float]] = {}
    failure: tuple[str, BaseException] | None = None
    with ThreadPoolExecutor(max_workers=max(1, len(components)), thread_name_prefix="install") as pool:
        while True:
            startable = [c for c in waiting if all(_ready(results, n) for n in c.needs)] if failure is None else []
            for component in startable:
                waiting.remove(component)
                log.info("installing %s", component.name)
                running[pool.submit(steps.install, component)] = (component.name, now())
            if not running:
                return results, failure
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                name, start = running.pop(future)
                err = future.exception()
                status: Status = "ready" if err is None else "failed"
                results[name] = ComponentResult(name, status, start, now(), "" if err is None else _one_line(err))
                log.info("%s %s", name, status)
                if err is not None and failure is None:
                    failure = (name, err)


def _ready(results: Mapping[str, ComponentResult], name: str) -> bool:
    found = results.get(name)
    return found is not None and found.status == "ready"


def _one_line(err: BaseException) -> str:
    if isinstance(err, ConformanceError):
        return str(err)
    # A bug, not a platform failure: say what it was; the chained traceback has the rest.
    return f"{type(err).__name__}: {err}"


@dataclass(frozen=True)
class _Steps:
    cluster: Cluster
    helm: Helm
    profile: Profile
    policy: WaitPolicy
    clock: Clock
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
        check = on_object(self.cluster, ready.ref, ready.verdict)
        wait_until(check, subject=ready.subject, timeout=self.timeout(ready.wait), policy=self.policy, clock=self.clock)

    def apply(self, manifest: Mapping[str, Any]) -> None:
        """Apply, retrying while the API cannot take it yet: a CRD just created is not served at
        once, and a webhook's Service has no endpoints until its pod is ready."""
        labelled = _with_labels(manifest, self.labels)

        def attempt() -> Observation:
            try:
                self.cluster.apply(labelled)
            except ApiError as err:
                if err.status in _REJECTED:
                    return Observation.failed(f"rejected: {err}")
                raise  # wait_until keeps trying, or stops at once on 401/403
            return Observation.succeeded("applied")

        subject = f"apply {Ref.of(manifest)}"
        wait_until(
            attempt, subject=subject, timeout=self.timeout("deployment_available"), policy=self.policy, clock=self.clock
        )


def _with_labels(manifest: Mapping[str, Any], labels: Mapping[str, str]) -> dict[str, Any]:
    labelled = copy.deepcopy(dict(manifest))
    meta = labelled.setdefault("metadata", {})
    meta["labels"] = {**labels, **(meta.get("labels") or {})}
    return labelled


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

    def pod_logs(self, namespace: str, pod: str, *, container: str | None = None, tail_lines: int = 200) -> str:
        with self._lock:
            return self._inner.pod_logs(namespace, pod, container=container, tail_lines=tail_lines)

    @contextlib.contextmanager
    def port_forward(self, namespace: str, service: str, port: int) -> Iterator[Endpoint]:
        with self._inner.port_forward(namespace, service, port) as endpoint:
            yield endpoint
