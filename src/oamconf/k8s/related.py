"""What an object owns or runs, for the diagnostics of a failed wait.

A Deployment that is not Available says little; its pod in CrashLoopBackOff, the restart count and
the last lines of the log say why. Like Crossplane's e2e dumps, a failed wait follows the object down:

- Deployment, StatefulSet, DaemonSet, ReplicaSet, Job: its pods (by the selector);
- provider-helm Release: the pods of its Helm release (``app.kubernetes.io/instance``);
- Crossplane composite: its composed resources (``resourceRefs``) and their conditions;
- KubeVela Application: its workflow steps, services and applied resources;
- Argo CD Application: its resources that are not Synced or not Healthy, then its workloads inside the
  destination vCluster and their pods as synced to the host (``related_argocd``);

and, for each pod, the state of its containers and the last log lines of each failing one (of the
previous run when it restarted). Each section is ``(title, text)``; nothing here raises.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from oamconf.errors import ApiError
from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster, KubeObject, Ref
from oamconf.k8s.related_argocd import inside_destination
from oamconf.k8s.related_pods import Section, pod_sections

MAX_REFS: Final = 20
_WORKLOADS: Final = (kinds.DEPLOYMENT, kinds.STATEFUL_SET, kinds.DAEMON_SET, kinds.REPLICA_SET, kinds.JOB)
_INSTANCE_LABEL: Final = "app.kubernetes.io/instance"
_EXTERNAL_NAME: Final = "crossplane.io/external-name"


def related(cluster: Cluster, obj: KubeObject) -> list[Section]:
    """Sections about what *obj* owns or runs; an API error becomes a section saying so."""
    try:
        return _related(cluster, obj)
    except ApiError as err:
        return [(f"{obj.ref} related objects", f"could not read them: {err}")]


def _related(cluster: Cluster, obj: KubeObject) -> list[Section]:
    follow = next((follow for kind, follow in _FOLLOW if kind.is_kind_of(obj.ref)), None)
    if follow is not None:
        return follow(cluster, obj)
    refs = obj.field("spec.crossplane.resourceRefs") or obj.field("spec.resourceRefs")
    if isinstance(refs, list):  # a Crossplane composite (v2 or v1 layout)
        return _composed(cluster, obj, refs)
    return []


def _workload(cluster: Cluster, obj: KubeObject) -> list[Section]:
    labels = obj.field("spec.selector.matchLabels") or {}
    return pod_sections(cluster, obj.ref.namespace or "default", labels) if labels else []


def _pod(cluster: Cluster, obj: KubeObject) -> list[Section]:
    return pod_sections(cluster, obj.ref.namespace or "default", None, pods=[obj])


def _release(cluster: Cluster, obj: KubeObject) -> list[Section]:
    """provider-helm names the Helm release after the external name (facts §1.5); charts label pods with it."""
    name = obj.annotations.get(_EXTERNAL_NAME) or obj.ref.name
    namespace = str(obj.field("spec.forProvider.namespace") or "default")
    return [*_rendered_by(cluster, obj), *pod_sections(cluster, namespace, {_INSTANCE_LABEL: name})]


def _rendered_by(cluster: Cluster, release: KubeObject) -> list[Section]:
    """Back from a Release to the OAM Application that rendered it (KubeVela's ``app.oam.dev`` labels): a
    Release that never gets Ready leaves that Application in ``runningWorkflow`` with a step that waits
    (facts §8.7), and the step, not the Release, is what a reader of the OAM layer looks for."""
    name, namespace = (release.labels.get(f"app.oam.dev/{key}") for key in ("name", "namespace"))
    if not name or not namespace:
        return []
    app = cluster.get(kinds.OAM_APPLICATION.ref(name, namespace))
    if app is None:
        return [(f"{release.ref} rendered by", f"OAM Application {namespace}/{name}, which no longer exists")]
    phase = app.field("status.status") or "no status yet"
    waiting = [
        f"step {s.get('name')} ({s.get('type') or '?'}): {s.get('phase')}" + _why(s)
        for s in app.field("status.workflow.steps") or []
        if isinstance(s, Mapping) and s.get("phase") not in {"succeeded", "skipped"}
    ]
    text = "\n".join([f"{app.ref}: {phase}", *waiting])
    return [(f"{release.ref} rendered by {app.ref}", text)]


def references(entries: Any) -> list[Ref]:
    """``[{apiVersion, kind, name, namespace?}, ...]`` (an XR's ``resourceRefs``, an Application's
    ``appliedResources``) as references; anything else in the list is skipped."""
    return [
        Ref(str(e.get("apiVersion", "")), str(e.get("kind", "")), str(e.get("name", "")), e.get("namespace") or None)
        for e in (entries if isinstance(entries, list) else [])
        if isinstance(e, Mapping)
    ]


def composed(xr: KubeObject) -> list[Ref]:
    """What a Crossplane composite composed (v2 ``spec.crossplane.resourceRefs``, v1 ``spec.resourceRefs``)."""
    return references(xr.field("spec.crossplane.resourceRefs") or xr.field("spec.resourceRefs"))


def _composed(cluster: Cluster, xr: KubeObject, refs: list[Any]) -> list[Section]:
    lines: list[str] = []
    for ref in references(refs[:MAX_REFS]):
        found = cluster.get(ref)
        state = "missing" if found is None else _conditions(found)
        lines.append(f"{ref}: {state}")
    return [(f"{xr.ref} composed resources", "\n".join(lines) or "none yet")]


def _conditions(obj: KubeObject) -> str:
    return "; ".join(str(c) for c in obj.conditions) or "no conditions yet"


def _oam_application(cluster: Cluster, app: KubeObject) -> list[Section]:
    sections: list[Section] = []
    steps = app.field("status.workflow.steps") or []
    lines = [f"{s.get('name')}: {s.get('phase')}" + _why(s) for s in steps if isinstance(s, Mapping)]
    if lines:
        sections.append((f"{app.ref} workflow steps", "\n".join(lines)))
    services = app.field("status.services") or []
    unhealthy = [f"{s.get('name')}: {s.get('message') or 'unhealthy'}" for s in services if not s.get("healthy")]
    if unhealthy:
        sections.append((f"{app.ref} unhealthy components", "\n".join(unhealthy)))
    applied = references(app.field("status.appliedResources"))
    if applied:
        text = "\n".join(f"{ref}: {_state_of(cluster, ref)}" for ref in applied[:MAX_REFS])
        sections.append((f"{app.ref} applied resources", text))
    return sections


def _why(step: Mapping[str, Any]) -> str:
    """`` (Wait: wait healthy)``, `` (Timeout)``: a workflow step's reason and message, whichever it has."""
    said = [str(step[key]) for key in ("reason", "message") if step.get(key)]
    return f" ({': '.join(said)})" if said else ""


def _state_of(cluster: Cluster, ref: Ref) -> str:
    obj = cluster.get(ref)
    if obj is None:
        return "missing"
    state = obj.field("status.atProvider.state")
    return (f"state {state}; " if state else "") + _conditions(obj)


def _argo_application(app: KubeObject) -> list[Section]:
    lines = []
    for res in app.field("status.resources") or []:
        if not isinstance(res, Mapping):
            continue
        sync, health = res.get("status", "?"), (res.get("health") or {}).get("status", "")
        if sync == "Synced" and health in {"", "Healthy"}:
            continue
        where = f"{res.get('namespace')}/{res.get('name')}" if res.get("namespace") else res.get("name")
        message = (res.get("health") or {}).get("message")
        lines.append(
            f"{res.get('kind')} {where}: sync={sync} health={health or '?'}" + (f" ({message})" if message else "")
        )
    return [(f"{app.ref} resources not Synced/Healthy", "\n".join(lines))] if lines else []


_FOLLOW: Final[tuple[tuple[kinds.Kind, Callable[[Cluster, KubeObject], list[Section]]], ...]] = (
    *((kind, _workload) for kind in _WORKLOADS),
    (kinds.POD, _pod),
    (kinds.RELEASE, _release),
    (kinds.OAM_APPLICATION, _oam_application),
    (kinds.ARGO_APPLICATION, lambda cluster, obj: [*_argo_application(obj), *inside_destination(cluster, obj)]),
)
