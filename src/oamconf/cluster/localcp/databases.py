"""The local tier's database pods made real: a stand-in chart's pod gets a real server, and kwok forwards to it.

kwok runs no container, so for a database pod of the stand-in charts (``fixtures/local/charts``) the suite does
what the pod's kubelet and image would. It resolves the container's environment as the kubelet does: literal
values, and ``secretKeyRef`` from the Secret the step created. A missing Secret or key fails here, as the
kubelet's CreateContainerConfigError would. It starts the real server with those credentials (``dbservers``)
and creates a kwok ``PortForward`` named as the pod that sends the container's port to it. So
``kubectl port-forward svc/<name>`` takes the path it takes on kind: the API server, the node's kubelet
endpoint (kwok's), the pod's port. A wrong password in the Secret is refused by the real server.

kwok also binds no volume: the stand-ins keep the charts' ``persistence`` (on by default), so their claims wait
for a PersistentVolume. ``bind_claims`` makes one per pending claim, pre-bound to it, as an administrator
provisions statically; the PV controller of kube-controller-manager does the binding.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from oamconf.cluster.localcp import dbservers
from oamconf.cluster.localcp.certs import LOOPBACK
from oamconf.cluster.localcp.dbservers import DatabaseServerError, PostgresCredentials, RunningServer
from oamconf.k8s.api import Cluster, KubeObject, Ref
from oamconf.platform.paths import fixtures_dir

PORT_FORWARD_API: Final = "kwok.x-k8s.io/v1alpha1"
ENGINES: Final = ("postgresql", "redis")  # the stand-ins' container names, as in the Bitnami charts
_PV_PREFIX: Final = "oamconf-local-"


def stand_in_chart(name: str) -> Path:
    """The folder of a stand-in chart the suite writes (``postgresql``, ``redis``), for helm or a chart repository."""
    return fixtures_dir() / "local" / "charts" / name


@dataclass(frozen=True)
class ServedPod:
    """A pod whose container port reaches a real server: the engine, the pod's port and the server's."""

    pod: Ref
    engine: str
    container_port: int
    server: RunningServer


@contextlib.contextmanager
def serving(cluster: Cluster, pod: Ref, workdir: Path) -> Iterator[ServedPod]:
    """Start the real server for *pod* and forward its container port there until the context ends.

    Parameters:
        pod: a pod of a stand-in chart (a container named ``postgresql`` or ``redis``).
        workdir: the servers' data go into folders under it, removed when they stop.

    Raises:
        DatabaseServerError: no such pod or container, its environment cannot be resolved, or the server failed.
        ProcessDied: the server exited while it was awaited.
    """
    live = cluster.get(pod)
    if live is None:
        raise DatabaseServerError(f"{pod} not found: no database pod to serve")
    container = next((c for c in live.field("spec.containers") or [] if c.get("name") in ENGINES), None)
    if container is None:
        raise DatabaseServerError(f"{pod} has no container named {' or '.join(ENGINES)}: not a stand-in chart's pod")
    engine, port = str(container["name"]), _container_port(pod, container)
    env = container_environment(cluster, pod.namespace or "default", container)
    with _server(engine, env, workdir) as server:
        forward = cluster.apply(port_forward(live, port, server.port))
        try:
            yield ServedPod(pod, engine, port, server)
        finally:
            cluster.delete(forward.ref)


def port_forward(pod: KubeObject, container_port: int, server_port: int) -> dict[str, Any]:
    """kwok's PortForward for *pod*: its *container_port* goes to the loopback server; it goes with the pod."""
    owner = {"apiVersion": "v1", "kind": "Pod", "name": pod.ref.name, "uid": pod.metadata.get("uid")}
    return {
        "apiVersion": PORT_FORWARD_API,
        "kind": "PortForward",
        "metadata": {"name": pod.ref.name, "namespace": pod.ref.namespace, "ownerReferences": [owner]},
        "spec": {"forwards": [{"ports": [container_port], "target": {"address": LOOPBACK, "port": server_port}}]},
    }


def claims_of(pod: KubeObject) -> set[Ref]:
    """The PersistentVolumeClaims *pod* mounts."""
    namespace = pod.ref.namespace or "default"
    names = (v.get("persistentVolumeClaim", {}).get("claimName") for v in pod.field("spec.volumes") or [])
    return {Ref("v1", "PersistentVolumeClaim", name, namespace) for name in names if name}


def container_environment(cluster: Cluster, namespace: str, container: Mapping[str, Any]) -> dict[str, str]:
    """The container's variables as the kubelet resolves them: ``value``, ``secretKeyRef``, ``configMapKeyRef``.

    Raises:
        DatabaseServerError: a referenced Secret or ConfigMap, or its key, is missing (and not optional), in the
            kubelet's words.
    """
    resolved: dict[str, str] = {}
    for item in container.get("env") or []:
        source = item.get("valueFrom") or {}
        if "value" in item:
            resolved[item["name"]] = str(item["value"])
        elif "secretKeyRef" in source or "configMapKeyRef" in source:
            value = _referenced(cluster, namespace, source)
            if value is not None:
                resolved[item["name"]] = value
        # fieldRef and resourceFieldRef name the pod itself: no database server reads them
    return resolved


def bind_claims(cluster: Cluster, namespace: str | None = None, *, hold: Collection[Ref] = ()) -> list[Ref]:
    """A PersistentVolume for each pending claim (in *namespace*, or in all) that names none, pre-bound to it;
    the new PVs.

    The volumes are ``hostPath`` under ``/var/empty``: kwok mounts nothing, so no path is ever created. The
    caller deletes the returned PVs (reclaim policy Retain: nothing would delete a hostPath volume's data).

    Parameters:
        hold: claims left pending for now (their pod cannot be scheduled until they are bound).
    """
    made: list[Ref] = []
    for claim in cluster.list("v1", "PersistentVolumeClaim", namespace=namespace):
        if claim.field("status.phase") != "Pending" or claim.field("spec.volumeName") or claim.ref in hold:
            continue
        where = claim.ref.namespace or "default"
        name = f"{_PV_PREFIX}{where}-{claim.ref.name}"[:253]
        volume = {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": name, "labels": {"oamconf.dev/local-tier": "true"}},
            "spec": {
                "capacity": {"storage": claim.field("spec.resources.requests.storage", "1Gi")},
                "accessModes": claim.field("spec.accessModes") or ["ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Retain",
                "storageClassName": claim.field("spec.storageClassName") or "",
                "claimRef": {"namespace": where, "name": claim.ref.name, "uid": claim.metadata.get("uid")},
                "hostPath": {"path": f"/var/empty/{name}"},
            },
        }
        made.append(cluster.apply(volume).ref)
    return made


@contextlib.contextmanager
def _server(engine: str, env: Mapping[str, str], workdir: Path) -> Iterator[RunningServer]:
    if engine == "postgresql":
        user = env.get("POSTGRES_USER")
        own_user = bool(user) and user != dbservers.POSTGRES_USER
        credentials = PostgresCredentials(
            # Bitnami's image: without a user of its own, POSTGRES_PASSWORD is the superuser's.
            postgres_password=env.get("POSTGRES_POSTGRES_PASSWORD")
            or (None if own_user else env.get("POSTGRES_PASSWORD")),
            username=user if own_user else None,
            password=env.get("POSTGRES_PASSWORD") if own_user else None,
            database=env.get("POSTGRES_DATABASE"),
        )
        with dbservers.postgres(credentials, workdir) as server:
            yield server
        return
    password = env.get("REDIS_PASSWORD") or None
    if password is None and env.get("ALLOW_EMPTY_PASSWORD") != "yes":
        # What Bitnami's redis image says and exits with.
        raise DatabaseServerError(
            "REDIS_PASSWORD environment variable is empty or not set. Set the environment variable "
            "ALLOW_EMPTY_PASSWORD=yes to allow the container to be started with blank passwords."
        )
    with dbservers.redis_server(password, workdir) as server:
        yield server


def _referenced(cluster: Cluster, namespace: str, source: Mapping[str, Any]) -> str | None:
    kind, ref = (
        ("Secret", source["secretKeyRef"]) if "secretKeyRef" in source else ("ConfigMap", source["configMapKeyRef"])
    )
    optional = bool(ref.get("optional"))
    found = cluster.get(Ref("v1", kind, ref["name"], namespace))
    if found is None:
        if optional:
            return None
        raise DatabaseServerError(f'{kind.lower()} "{ref["name"]}" not found (in {namespace}: the kubelet would fail '
                                  "the container with CreateContainerConfigError)")  # fmt: skip
    data = found.field("data") or {}
    if ref["key"] not in data:
        if optional:
            return None
        raise DatabaseServerError(f"couldn't find key {ref['key']} in {kind} {namespace}/{ref['name']}")
    value = data[ref["key"]]
    return base64.b64decode(value).decode("utf-8") if kind == "Secret" else str(value)


def _container_port(pod: Ref, container: Mapping[str, Any]) -> int:
    ports = container.get("ports") or []
    if not ports:
        raise DatabaseServerError(f"{pod}: container {container.get('name')} declares no port to forward")
    return int(ports[0]["containerPort"])
