"""What the run owns, cleaned up against the real API server and its controllers: cleanup deletes newest
first and the namespace controller empties the namespace; the garbage collector follows owner references
(the suite deletes in the background); a name someone else holds is never taken over; a namespace being
deleted refuses new objects in its own words, which are not an RBAC refusal."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from localcp.timing import later
from oamconf.cluster.ownership import Owned, new_run_id
from oamconf.errors import AccessDenied, ApiError, ConformanceError
from oamconf.k8s.api import Ref
from oamconf.k8s.expect import Expect
from oamconf.k8s.kube import KubeCluster

HOLD = "oamconf.io/hold"  # a finalizer no controller removes: keeps a namespace Terminating for the test


def config_map(name: str, namespace: str, **meta: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace, **meta}}


def test_cleanup_deletes_newest_first_and_the_namespace_goes_with_its_content(cluster: KubeCluster) -> None:
    owned = Owned(cluster, new_run_id())
    space = f"lcp-own-{secrets.token_hex(3)}"
    owned.namespace(space)
    owned.apply(config_map("settings", space))

    deleted = owned.cleanup()

    assert deleted == [Ref("v1", "ConfigMap", "settings", space), Ref("v1", "Namespace", space)]
    Expect(cluster).gone(Ref("v1", "Namespace", space), timeout=60)


def test_the_garbage_collector_deletes_what_an_owned_object_owns(cluster: KubeCluster, namespace: str) -> None:
    owned = Owned(cluster, new_run_id())
    parent = owned.apply(config_map("parent", namespace))
    reference = {"apiVersion": "v1", "kind": "ConfigMap", "name": "parent", "uid": parent.metadata["uid"]}
    cluster.apply(config_map("child", namespace, ownerReferences=[reference]))

    owned.cleanup()

    Expect(cluster).gone(Ref("v1", "ConfigMap", "child", namespace), timeout=60)


def test_an_object_someone_else_made_is_never_taken_over(cluster: KubeCluster, namespace: str) -> None:
    cluster.apply(config_map("theirs", namespace), field_manager="platform-team")
    owned = Owned(cluster, new_run_id())

    with pytest.raises(ConformanceError, match="already exists and was not created by this run"):
        owned.apply(config_map("theirs", namespace))

    assert owned.cleanup() == []
    assert cluster.get(Ref("v1", "ConfigMap", "theirs", namespace)) is not None


def test_a_namespace_being_deleted_refuses_new_objects_in_words_that_are_not_an_rbac_refusal(
    cluster: KubeCluster,
) -> None:
    space = f"lcp-term-{secrets.token_hex(3)}"
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": space}})
    cluster.apply(config_map("held", space, finalizers=[HOLD]))
    cluster.delete(Ref("v1", "Namespace", space))
    try:
        with pytest.raises(ApiError) as caught:
            cluster.apply(config_map("late", space))
    finally:  # let the namespace go
        cluster.apply(config_map("held", space, finalizers=[]))  # the suite's own finalizer entry: dropped

    assert caught.value.status == 403
    assert not isinstance(caught.value, AccessDenied)
    assert caught.value.reason == "NamespaceTerminating"
    assert f"namespace {space} because it is being terminated" in caught.value.message


def test_a_namespace_still_being_deleted_is_waited_for_and_made_anew(cluster: KubeCluster) -> None:
    space = f"lcp-again-{secrets.token_hex(3)}"
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": space}})
    cluster.apply(config_map("held", space, finalizers=[HOLD]))
    cluster.delete(Ref("v1", "Namespace", space))
    owned = Owned(cluster, new_run_id(), expect=Expect(cluster), apply_timeout=60)

    with later(1.0, lambda: cluster.apply(config_map("held", space, finalizers=[]))):
        live = owned.namespace(space)

    assert owned.is_ours(live)
    assert not live.metadata.get("deletionTimestamp")
    assert owned.cleanup() == [Ref("v1", "Namespace", space)]
