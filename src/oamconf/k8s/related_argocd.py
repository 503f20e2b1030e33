"""An Argo CD Application's diagnostics, followed into the cluster it deploys to.

An Application that is Synced but Degraded says only "Degraded": the why is inside the destination, a
vCluster. Argo CD v3.4.4 does not even keep per-resource health inline (facts §8.8), so the workloads are
read where they run: the destination's server ``https://<vcluster>.<host namespace>.svc[:port]`` (given
as ``destination.server``, or through the cluster Secret that ``destination.name`` names) is opened as
that vCluster, and each workload of ``status.resources`` that is not ready is followed down
(Deployment -> ReplicaSets -> pods -> container states -> log tail of the previous run -> the pod's events).
Each such pod is then shown as vCluster's syncer runs it on the host (``<pod>-x-<namespace>-x-<vcluster>``
in the host namespace), with the host's events: scheduling, image pulls and OOM kills happen there.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from oamconf.errors import ApiError
from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster, KubeObject, Ref
from oamconf.k8s.related_pods import MAX_PODS, Section, pod_sections

_SECRET_TYPE: Final = "argocd.argoproj.io/secret-type"  # noqa: S105 - a label key, not a secret
_FOLLOWED: Final = {
    "Deployment": kinds.DEPLOYMENT,
    "StatefulSet": kinds.STATEFUL_SET,
    "DaemonSet": kinds.DAEMON_SET,
    "ReplicaSet": kinds.REPLICA_SET,
    "Job": kinds.JOB,
}


def inside_destination(cluster: Cluster, app: KubeObject) -> list[Section]:
    """The Application's unready workloads as its destination vCluster and the host run them; never raises."""
    server = _server(cluster, app)
    if server is None:
        return []
    found = _vcluster_of(server)
    if found is None:
        text = f"destination {server} is not a vCluster's Service (https://<name>.<namespace>.svc): not followed"
        return [(f"{app.ref} destination", text)]
    namespace, name = found
    try:
        with cluster.open_vcluster(namespace, name) as inner:
            return _workloads(cluster, inner, app, (namespace, name))
    except ApiError as err:
        return [(f"{app.ref} destination vcluster {name} ({namespace})", f"could not read inside it: {err}")]


def _server(cluster: Cluster, app: KubeObject) -> str | None:
    """``destination.server``, or the ``server`` of the cluster Secret whose ``name`` is ``destination.name``."""
    server, wanted = app.field("spec.destination.server"), app.field("spec.destination.name")
    if server:
        return str(server)
    if not wanted:
        return None
    try:
        secrets = cluster.list("v1", "Secret", namespace=app.ref.namespace, labels={_SECRET_TYPE: "cluster"})
    except ApiError:
        return None
    for secret in secrets:
        data = secret.field("data") or {}
        if _decoded(data.get("name")) == wanted:
            return _decoded(data.get("server"))
    return None


def _decoded(value: Any) -> str | None:
    try:
        return base64.b64decode(str(value), validate=True).decode("utf-8") if value else None
    except (binascii.Error, UnicodeDecodeError):
        return None


def _vcluster_of(server: str) -> tuple[str, str] | None:
    """``https://vc1.vc1-ns.svc:443`` -> ``("vc1-ns", "vc1")``: vCluster's Service is named after it."""
    labels = (urlsplit(server).hostname or "").split(".")
    if len(labels) >= 3 and labels[2] == "svc" and all(labels[:2]):  # noqa: PLR2004 - name, namespace, svc
        return labels[1], labels[0]
    return None


def _workloads(host: Cluster, inner: Cluster, app: KubeObject, vcluster: tuple[str, str]) -> list[Section]:
    sections: list[Section] = []
    for res in app.field("status.resources") or []:
        kind = _FOLLOWED.get(str(res.get("kind"))) if isinstance(res, Mapping) else None
        if kind is None or not res.get("name"):
            continue
        obj = inner.get(Ref(kind.api_version, kind.kind, str(res["name"]), res.get("namespace") or "default"))
        if obj is None or _ready(obj):
            continue
        sections.append((f"{obj.ref} in vcluster {vcluster[1]}", _workload_line(obj)))
        sections += _replica_sets(inner, obj)
        pods = _pods(inner, obj)
        sections += pod_sections(inner, obj.ref.namespace or "default", None, pods=pods, events=True)
        sections += _on_the_host(host, pods, vcluster)
    return sections


def _ready(obj: KubeObject) -> bool:
    """Every replica ready (a Job: complete); a Deployment also Available."""
    if obj.ref.kind == "Job":
        return any(c.type == "Complete" and c.status == "True" for c in obj.conditions)
    if obj.ref.kind == "DaemonSet":
        return int(obj.field("status.numberReady") or 0) >= int(obj.field("status.desiredNumberScheduled") or 0)
    wanted = obj.field("spec.replicas")
    ready = int(obj.field("status.readyReplicas") or 0) >= (1 if wanted is None else int(wanted))
    available = obj.condition("Available")
    return ready and (available is None or available.status == "True")


def _workload_line(obj: KubeObject) -> str:
    ready = obj.field("status.readyReplicas") or 0
    wanted = obj.field("spec.replicas")
    counts = f"ready {ready}/{1 if wanted is None else wanted}"
    return "; ".join([counts, *(str(c) for c in obj.conditions)])


def _replica_sets(inner: Cluster, deployment: KubeObject) -> list[Section]:
    """A Deployment's ReplicaSets (owned by it): which revision's pods are failing."""
    if deployment.ref.kind != "Deployment":
        return []
    namespace = deployment.ref.namespace or "default"
    labels = deployment.field("spec.selector.matchLabels") or None
    owned = [
        rs for rs in inner.list("apps/v1", "ReplicaSet", namespace=namespace, labels=labels) if _owned(rs, deployment)
    ]
    lines = [f"ReplicaSet {namespace}/{rs.ref.name}: {_workload_line(rs)}" for rs in owned]
    return [(f"{deployment.ref} ReplicaSets", "\n".join(lines))] if lines else []


def _owned(obj: KubeObject, owner: KubeObject) -> bool:
    refs = obj.metadata.get("ownerReferences") or []
    # Without owner references (a hand-written stand-in), a matching selector is all there is to go by.
    return not refs or any(r.get("kind") == owner.ref.kind and r.get("name") == owner.ref.name for r in refs)


def _pods(inner: Cluster, obj: KubeObject) -> list[KubeObject]:
    labels = obj.field("spec.selector.matchLabels") or {}
    if not labels:
        return []
    return inner.list("v1", "Pod", namespace=obj.ref.namespace or "default", labels=labels)[:MAX_PODS]


def _on_the_host(host: Cluster, pods: list[KubeObject], vcluster: tuple[str, str]) -> list[Section]:
    """Each pod as the syncer runs it in the vCluster's host namespace, with the host's events."""
    namespace, name = vcluster
    synced = []
    for pod in pods:
        translated = f"{pod.ref.name}-x-{pod.ref.namespace}-x-{name}"
        found = host.get(Ref("v1", "Pod", translated, namespace))
        if found is None:
            return [(f"Pod {namespace}/{translated} on the host", "not synced to the host (no such pod)")]
        synced.append(found)
    return pod_sections(host, namespace, None, pods=synced, events=True) if synced else []
