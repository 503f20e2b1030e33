"""The in-memory cluster scopes kinds and fails requests as the API server would.

Objects, reactions, events, logs and port-forwards are in test_memory_backend.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from oamconf.errors import AccessDenied, ApiError, ClusterUnreachable
from oamconf.k8s.api import Ref
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.reactions import Failure, Match

RELEASE = Ref("helm.crossplane.io/v1beta1", "Release", "test-db-postgresql")


def config_map(name: str, namespace: str = "default", **labels: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "labels": labels}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"k": "v"}}


@pytest.fixture
def cluster() -> MemoryCluster:
    return MemoryCluster("unit")


# -- scope ---------------------------------------------------------------------------------------


def test_cluster_scoped_kinds_drop_the_namespace(cluster: MemoryCluster) -> None:
    manifest = {"apiVersion": RELEASE.api_version, "kind": "Release", "metadata": {"name": RELEASE.name}}
    stored = cluster.apply({**manifest, "metadata": {"name": RELEASE.name, "namespace": "default"}})

    assert "namespace" not in stored.metadata
    assert cluster.get(Ref(RELEASE.api_version, "Release", RELEASE.name, "anything")) is not None
    assert len(cluster.list(RELEASE.api_version, "Release", namespace="default")) == 1


def test_namespaced_objects_without_a_namespace_land_in_default(cluster: MemoryCluster) -> None:
    cluster.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})

    assert cluster.get(Ref("v1", "ConfigMap", "a", "default")) is not None


def test_declared_kinds_follow_their_declared_scope(cluster: MemoryCluster) -> None:
    cluster.declare_kind("platform.example.org/v1alpha1", "VirtualCluster", "Cluster")
    cluster.declare_kind("helm.crossplane.io/v1beta1", "Release", "Namespaced")

    assert cluster.is_cluster_scoped("platform.example.org/v1alpha1", "VirtualCluster")
    assert not cluster.is_cluster_scoped("helm.crossplane.io/v1beta1", "Release")
    assert cluster.is_cluster_scoped("pkg.crossplane.io/v1", "Provider")
    assert not cluster.is_cluster_scoped("core.oam.dev/v1beta1", "Application")


# -- failures ------------------------------------------------------------------------------------


def test_a_forbidden_read_raises_access_denied_in_the_api_servers_words(cluster: MemoryCluster) -> None:
    cluster.add_failure(Failure(frozenset({"get"}), Match(kind="Release"), "forbidden"))

    with pytest.raises(AccessDenied) as caught:
        cluster.get(RELEASE)

    assert caught.value.status == 403
    assert str(caught.value).startswith('403 Forbidden: releases.helm.crossplane.io "test-db-postgresql" is forbidden')
    assert str(caught.value).endswith('in API group "helm.crossplane.io" at the cluster scope')


def test_a_failure_limited_in_times_lets_later_calls_through(cluster: MemoryCluster) -> None:
    cluster.seed([config_map("a")])
    cluster.add_failure(Failure(frozenset({"list"}), Match(kind="ConfigMap"), "server-error", times=2))

    for _ in range(2):
        with pytest.raises(ApiError, match=r"^500 InternalError"):
            cluster.list("v1", "ConfigMap")

    assert [o.ref.name for o in cluster.list("v1", "ConfigMap")] == ["a"]


def test_failures_touch_only_matching_verbs_and_objects(cluster: MemoryCluster) -> None:
    cluster.add_failure(Failure(frozenset({"apply"}), Match(name="test-*"), "unreachable"))

    cluster.apply(config_map("other"))
    with pytest.raises(ClusterUnreachable):
        cluster.apply(config_map("test-a"))

    assert cluster.get(Ref("v1", "ConfigMap", "test-a", "default")) is None
    assert [o.ref.name for o in cluster.applied] == ["other"]
