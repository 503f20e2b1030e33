"""A pod's story for diagnostics: its phase, each container's state, the log tail of each failing container
(of its previous run when it restarted, where the crash is), and the pod's recent events."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from oamconf.errors import ApiError
from oamconf.k8s.api import Cluster, KubeObject

Section = tuple[str, str]
LOG_LINES: Final = 20
MAX_PODS: Final = 5
EVENTS_SHOWN: Final = 5


def pod_sections(
    cluster: Cluster,
    namespace: str,
    labels: Mapping[str, str] | None,
    *,
    pods: Iterable[KubeObject] | None = None,
    events: bool = False,
) -> list[Section]:
    """Each pod's phase and container states, then the log tail of each container that is not well, and
    (with *events*) the pod's last events: a scheduling or pull failure says more there than in its status."""
    found = list(pods) if pods is not None else cluster.list("v1", "Pod", namespace=namespace, labels=labels)
    if not found:
        selector = ",".join(f"{k}={v}" for k, v in (labels or {}).items())
        return [(f"pods in {namespace} ({selector})", "none: nothing runs for it yet")]
    sections: list[Section] = []
    for pod in found[:MAX_PODS]:
        lines, failing = _pod_lines(pod)
        sections.append((f"Pod {namespace}/{pod.ref.name}", "\n".join(lines)))
        for container, restarted in failing:
            sections.append(_log_section(cluster, namespace, pod.ref.name, container, previous=restarted))
        if events:
            sections += _event_section(cluster, pod)
    return sections


def _event_section(cluster: Cluster, pod: KubeObject) -> list[Section]:
    try:
        found = cluster.events(pod.ref)[-EVENTS_SHOWN:]
    except ApiError as err:
        return [(f"Pod {pod.ref.namespace}/{pod.ref.name} events", f"could not read them: {err}")]
    text = "\n".join(str(event) for event in found)
    return [(f"Pod {pod.ref.namespace}/{pod.ref.name} events", text)] if text else []


def _pod_lines(pod: KubeObject) -> tuple[list[str], list[tuple[str, bool]]]:
    phase = pod.field("status.phase", "Unknown")
    lines = [f"phase {phase}"]
    lines += [f"{c}" for c in pod.conditions if c.status != "True" and c.type in {"PodScheduled", "Ready"}]
    failing: list[tuple[str, bool]] = []
    statuses = [*(pod.field("status.initContainerStatuses") or []), *(pod.field("status.containerStatuses") or [])]
    for status in statuses:
        name, restarts = str(status.get("name", "?")), int(status.get("restartCount") or 0)
        state, last = _state(status.get("state")), _state(status.get("lastState"))
        lines.append(f"container {name}: {state}, ready={bool(status.get('ready'))}, restarts={restarts}")
        if last != "none":
            lines.append(f"  last run: {last}")
        # A container that never ran (waiting for its image) has no log to show; one that ran and is
        # not ready, or restarted, has: of its previous run when it restarted (the crash is there).
        if restarts or (not status.get("ready") and state.startswith(("running", "terminated"))):
            failing.append((name, restarts > 0))
    return lines, failing


def _state(state: Any) -> str:
    """``waiting CrashLoopBackOff: back-off 5m0s ...`` / ``terminated Error (exit 1)`` / ``running``."""
    if not isinstance(state, Mapping) or not state:
        return "none"
    kind, detail = next(iter(state.items()))
    if not isinstance(detail, Mapping):
        return str(kind)
    text = str(kind)
    if detail.get("reason"):
        text += f" {detail['reason']}"
    if "exitCode" in detail:
        text += f" (exit {detail['exitCode']})"
    if detail.get("message"):
        text += f": {str(detail['message']).strip()}"
    return text


def _log_section(cluster: Cluster, namespace: str, pod: str, container: str, *, previous: bool) -> Section:
    which = "previous run's " if previous else ""
    title = f"Pod {namespace}/{pod} container {container}: {which}last {LOG_LINES} log lines"
    try:
        text = cluster.pod_logs(namespace, pod, container=container, tail_lines=LOG_LINES, previous=previous)
    except ApiError as err:
        return title, f"no log: {err}"
    return title, text or "(empty)"
