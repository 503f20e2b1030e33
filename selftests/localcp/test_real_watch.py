"""Waits follow objects with the real API server's watch (selftests/k8s/test_kube_watch.py has the stand-in):
a change arrives as it happens, a too old resourceVersion is 410 Expired and the wait watches again from the
current state, creation and deletion end their waits, and a stream ends at its timeoutSeconds."""

from __future__ import annotations

import dataclasses
import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from localcp.timing import later
from oamconf.cluster.localcp.controlplane import LocalControlPlane
from oamconf.errors import ApiError
from oamconf.k8s.api import Change, KubeObject, Ref
from oamconf.k8s.expect import Expect
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.wait import Observation


@pytest.fixture(scope="module")
def plane(own_plane: LocalControlPlane) -> LocalControlPlane:
    """A control plane of this module's own: what the watch cache replays depends on how many writes of a kind
    came before, and other modules' objects move that window."""
    return own_plane


def config_map(namespace: str, **labels: str) -> dict[str, Any]:
    meta = {"name": "flag", "namespace": namespace, "labels": labels}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}


def labelled_ready(obj: KubeObject) -> Observation:
    state = obj.labels.get("state")
    return Observation.simple(state == "ready", f"want state=ready, is {state}")


@dataclasses.dataclass
class Recording:
    """The real backend, recording its reads and the resourceVersion each watch resumed from; *stale_version*
    is what every read answers as resourceVersion, as for an object unchanged since etcd compacted it."""

    cluster: KubeCluster
    stale_version: str | None = None
    reads: int = 0
    watched_from: list[str | None] = dataclasses.field(default_factory=list)

    def get(self, ref: Ref) -> KubeObject | None:
        self.reads += 1
        obj = self.cluster.get(ref)
        if obj is None or self.stale_version is None:
            return obj
        return KubeObject({**obj.raw, "metadata": {**obj.metadata, "resourceVersion": self.stale_version}})

    def watch(self, ref: Ref, *, resource_version: str | None, timeout: int) -> Iterator[Change]:
        self.watched_from.append(resource_version)
        return self.cluster.watch(ref, resource_version=resource_version, timeout=timeout)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cluster, name)


def test_a_change_is_delivered_by_the_watch_as_it_happens(cluster: KubeCluster, namespace: str) -> None:
    first = cluster.apply(config_map(namespace, state="creating"))
    recording = Recording(cluster)
    started = time.monotonic()

    with later(1.0, lambda: cluster.apply(config_map(namespace, state="ready"))):
        live = Expect(recording)(first.ref, labelled_ready, timeout=30)

    assert live.labels["state"] == "ready"
    assert time.monotonic() - started < 5
    assert recording.reads == 1
    assert recording.watched_from == [first.metadata["resourceVersion"]]


def pod_template(namespace: str, **labels: str) -> dict[str, Any]:
    meta = {"name": "flag", "namespace": namespace, "labels": labels}
    return {
        "apiVersion": "v1",
        "kind": "PodTemplate",
        "metadata": meta,
        "template": {"spec": {"containers": [{"name": "app", "image": "registry.invalid/app:1"}]}},
    }


def compact(plane: LocalControlPlane, revision: str) -> None:
    """What the API server does every 5 minutes (--etcd-compaction-interval): etcd forgets older revisions."""
    body = json.dumps({"revision": int(revision)}).encode()
    url = f"http://127.0.0.1:{plane.ports['etcd-client']}/v3/kv/compaction"
    with urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST"), timeout=10):
        pass


def test_an_old_resource_version_is_replayed_from_the_watch_cache_not_refused(
    cluster: KubeCluster, plane: LocalControlPlane, namespace: str
) -> None:
    first = cluster.apply(config_map(namespace, state="creating"))
    latest = cluster.apply(config_map(namespace, state="ready"))
    compact(plane, latest.metadata["resourceVersion"])

    changes = list(cluster.watch(first.ref, resource_version="1", timeout=2))

    # Every change of the object since its creation, oldest first: no 410 while the cache holds them.
    assert [c.obj.labels["state"] if c.obj else None for c in changes] == ["creating", "ready"]


def test_a_compacted_resource_version_is_410_expired(
    cluster: KubeCluster, plane: LocalControlPlane, namespace: str
) -> None:
    first = cluster.apply(pod_template(namespace, state="creating"))
    cluster.apply(pod_template(namespace, state="ready"))
    compact(plane, cluster.apply(config_map(namespace)).metadata["resourceVersion"])  # others wrote since

    with pytest.raises(ApiError) as caught:
        list(cluster.watch(first.ref, resource_version=first.metadata["resourceVersion"], timeout=5))

    assert (caught.value.status, caught.value.reason) == (410, "Expired")
    assert caught.value.message == "The resourceVersion for the provided watch is too old."


def test_a_wait_whose_version_was_compacted_watches_again_from_the_current_state(
    cluster: KubeCluster, plane: LocalControlPlane, namespace: str
) -> None:
    first = cluster.apply(pod_template(namespace, state="creating"))
    cluster.apply(pod_template(namespace, state="creating", step="2"))
    compact(plane, cluster.apply(config_map(namespace)).metadata["resourceVersion"])
    recording = Recording(cluster, stale_version=first.metadata["resourceVersion"])

    with later(1.0, lambda: cluster.apply(pod_template(namespace, state="ready"))):
        Expect(recording)(first.ref, labelled_ready, timeout=30)

    assert recording.watched_from[:2] == [first.metadata["resourceVersion"], None]


def test_an_object_created_while_the_suite_waits_is_seen_as_it_appears(cluster: KubeCluster, namespace: str) -> None:
    ref = Ref("v1", "ConfigMap", "flag", namespace)
    recording = Recording(cluster)

    with later(1.0, lambda: cluster.apply(config_map(namespace, state="ready"))):
        Expect(recording)(ref, labelled_ready, timeout=30)

    assert recording.watched_from == [None]


def test_a_deletion_ends_a_wait_for_the_object_to_be_gone(cluster: KubeCluster, namespace: str) -> None:
    ref = cluster.apply(config_map(namespace)).ref
    recording = Recording(cluster)

    with later(1.0, lambda: cluster.delete(ref)):
        Expect(recording).gone(ref, timeout=30)

    assert recording.reads == 1
    assert len(recording.watched_from) == 1


def test_a_watch_with_nothing_new_ends_at_its_timeout_seconds(cluster: KubeCluster, namespace: str) -> None:
    live = cluster.apply(config_map(namespace))
    started = time.monotonic()

    changes = list(cluster.watch(live.ref, resource_version=live.metadata["resourceVersion"], timeout=1))

    assert changes == []
    assert 1 <= time.monotonic() - started < 3


def test_a_watch_without_a_version_starts_with_the_current_state(cluster: KubeCluster, namespace: str) -> None:
    live = cluster.apply(config_map(namespace, state="ready"))

    stream = cluster.watch(live.ref, resource_version=None, timeout=5)
    first = next(stream)
    stream.close()  # type: ignore[attr-defined] # a generator: closing ends the request

    assert first.obj is not None
    assert first.obj.labels == {"state": "ready"}
    assert first.resource_version == live.metadata["resourceVersion"]


def test_a_watch_resumed_just_below_the_compaction_fails_and_the_wait_polls_instead(
    cluster: KubeCluster, plane: LocalControlPlane, namespace: str
) -> None:
    first = cluster.apply(pod_template(namespace, state="creating"))
    compact(plane, cluster.apply(pod_template(namespace, state="creating", step="2")).metadata["resourceVersion"])
    with pytest.raises(ApiError) as caught:  # not 410: etcd has the start revision, not the one before it
        list(cluster.watch(first.ref, resource_version=first.metadata["resourceVersion"], timeout=5))
    recording = Recording(cluster, stale_version=first.metadata["resourceVersion"])

    with later(1.0, lambda: cluster.apply(pod_template(namespace, state="ready"))):
        Expect(recording)(first.ref, labelled_ready, timeout=30)

    assert (caught.value.status, caught.value.reason) == (500, "InternalError")
    assert "etcd event received with PrevKv=nil" in caught.value.message
    assert recording.watched_from == [first.metadata["resourceVersion"]]  # refused once: polled from then on
    assert recording.reads > 1
