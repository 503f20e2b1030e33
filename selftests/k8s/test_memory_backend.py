"""The in-memory cluster behaves like the API server where the suite relies on it.

This module covers objects (apply, get, list, delete), reactions, events, logs and port-forwards;
test_memory_scope_and_failures.py covers scope and injected failures.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

from oamconf.errors import ApiError
from oamconf.k8s.api import Endpoint, Event, Ref
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.reactions import Match, Reaction

APP = Ref("core.oam.dev/v1beta1", "Application", "test-postgres-only", "default")
RELEASE = Ref("helm.crossplane.io/v1beta1", "Release", "test-db-postgresql")


def config_map(name: str, namespace: str = "default", **labels: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "labels": labels}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"k": "v"}}


def application(**spec: Any) -> dict[str, Any]:
    meta = {"name": APP.name, "namespace": APP.namespace}
    components = [{"name": "test-db", "type": "postgresql"}]
    return {
        "apiVersion": APP.api_version,
        "kind": APP.kind,
        "metadata": meta,
        "spec": {"components": components, **spec},
    }


@pytest.fixture
def cluster() -> MemoryCluster:
    return MemoryCluster("unit")


# -- apply, get, list, delete --------------------------------------------------------------------


def test_apply_stores_the_object_with_what_the_server_sets(cluster: MemoryCluster) -> None:
    applied = cluster.apply(config_map("settings"))

    found = cluster.get(Ref("v1", "ConfigMap", "settings", "default"))
    assert found is not None
    assert found.raw == applied.raw
    assert found.metadata["uid"]
    assert found.metadata["creationTimestamp"].endswith("Z")
    assert found.metadata["generation"] == 1
    assert found.field("data.k") == "v"
    assert [o.ref for o in cluster.applied] == [found.ref]


def test_apply_merges_maps_and_replaces_lists(cluster: MemoryCluster) -> None:
    cluster.apply(application(policies=[{"name": "a", "type": "topology"}]))
    first = application(policies=[{"name": "b", "type": "override"}])
    first["metadata"]["labels"] = {"team": "data"}
    cluster.apply(first)
    second = application()
    second["metadata"]["labels"] = {"tier": "db"}
    cluster.apply(second)

    found = cluster.get(APP)
    assert found is not None
    assert found.labels == {"team": "data", "tier": "db"}
    assert found.field("spec.policies") == [{"name": "b", "type": "override"}]


def test_applied_status_is_ignored_and_existing_status_kept(cluster: MemoryCluster) -> None:
    cluster.seed([{**application(), "status": {"status": "running"}}])

    cluster.apply({**application(), "status": {"status": "workflowFailed"}})

    found = cluster.get(APP)
    assert found is not None
    assert found.status == {"status": "running"}


def test_generation_bumps_on_spec_change_only(cluster: MemoryCluster) -> None:
    cluster.apply(application())
    labelled = application()
    labelled["metadata"]["labels"] = {"a": "b"}
    after_label = cluster.apply(labelled)
    after_spec = cluster.apply(application(components=[{"name": "cache", "type": "redis"}]))

    assert after_label.metadata["generation"] == 1
    assert after_spec.metadata["generation"] == 2


def test_resource_version_increments_on_change_and_holds_on_a_no_op_apply(cluster: MemoryCluster) -> None:
    first = cluster.apply(config_map("a"))
    changed = cluster.apply({**config_map("a"), "data": {"k": "w"}})
    same = cluster.apply({**config_map("a"), "data": {"k": "w"}})

    assert int(changed.metadata["resourceVersion"]) > int(first.metadata["resourceVersion"])
    assert same.metadata["resourceVersion"] == changed.metadata["resourceVersion"]
    assert same.metadata["uid"] == first.metadata["uid"]


def test_returned_objects_are_copies_that_cannot_change_the_store(cluster: MemoryCluster) -> None:
    cluster.apply(config_map("a"))
    found = cluster.get(Ref("v1", "ConfigMap", "a", "default"))
    assert found is not None
    found.raw["data"]["k"] = "changed"

    again = cluster.get(Ref("v1", "ConfigMap", "a", "default"))
    assert again is not None
    assert again.field("data.k") == "v"


def test_get_of_a_missing_object_is_none(cluster: MemoryCluster) -> None:
    assert cluster.get(Ref("v1", "ConfigMap", "nope", "default")) is None


def test_apply_without_a_name_is_rejected_as_invalid(cluster: MemoryCluster) -> None:
    with pytest.raises(ApiError) as caught:
        cluster.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}})
    assert caught.value.status == 422
    assert cluster.applied == []


def test_list_filters_by_namespace_and_labels_in_name_order(cluster: MemoryCluster) -> None:
    cluster.seed([config_map("b", app="db"), config_map("a", app="db"), config_map("c", app="web")])
    cluster.seed([config_map("d", "other", app="db")])

    everywhere = cluster.list("v1", "ConfigMap", labels={"app": "db"})
    in_default = cluster.list("v1", "ConfigMap", namespace="default", labels={"app": "db"})

    assert [o.ref.name for o in everywhere] == ["a", "b", "d"]
    assert [o.ref.name for o in in_default] == ["a", "b"]
    assert cluster.list("v1", "Secret") == []


def test_delete_removes_and_records_and_says_when_nothing_was_there(cluster: MemoryCluster) -> None:
    ref = Ref("v1", "ConfigMap", "a", "default")
    cluster.apply(config_map("a"))

    assert cluster.delete(ref) is True
    assert cluster.get(ref) is None
    assert cluster.delete(ref) is False
    assert cluster.deleted == [ref, ref]


def test_deleting_a_namespace_deletes_what_is_in_it(cluster: MemoryCluster) -> None:
    cluster.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}])
    cluster.seed([config_map("a", "team"), config_map("b", "default")])

    cluster.delete(Ref("v1", "Namespace", "team"))

    assert [o.ref.name for o in cluster.list("v1", "ConfigMap")] == ["b"]


# -- reactions -----------------------------------------------------------------------------------


def test_a_reaction_acts_after_the_given_number_of_polls(cluster: MemoryCluster) -> None:
    cluster.add_reaction(Reaction(on=Match(kind="Application"), after_polls=2, set_status={"status": "running"}))
    cluster.apply(application())

    seen = [obj.field("status.status") for obj in (cluster.get(APP), cluster.get(APP), cluster.get(APP)) if obj]

    assert seen == [None, None, "running"]


def test_a_list_that_returns_the_object_counts_as_a_poll(cluster: MemoryCluster) -> None:
    cluster.add_reaction(Reaction(on=Match(kind="Application"), after_polls=1, merge_status={"status": "running"}))
    cluster.apply(application())

    cluster.list(APP.api_version, APP.kind, namespace="default")
    found = cluster.get(APP)

    assert found is not None
    assert found.field("status.status") == "running"


def test_a_reaction_fills_in_name_and_namespace_and_creates_deletes_and_records(cluster: MemoryCluster) -> None:
    secret = Ref("v1", "Secret", "vc-old", "default")
    cluster.seed([{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "vc-old", "namespace": "default"}}])
    created = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "vc-{name}", "namespace": "{namespace}"}}
    event = Event("Normal", "Created", "created vc-{name}")
    reaction = Reaction(
        on=Match(kind="Application", name="test-*"),
        set_fields={"metadata.annotations.seen": "{namespace}/{name}"},
        create=(created,),
        delete=(secret,),
        events=(event,),
    )
    cluster.add_reaction(reaction)

    cluster.apply(application())

    app = cluster.get(APP)
    assert app is not None
    assert app.annotations == {"seen": "default/test-postgres-only"}
    assert cluster.get(Ref("v1", "Secret", "vc-test-postgres-only", "default")) is not None
    assert cluster.get(secret) is None
    assert [str(e) for e in cluster.events(APP)] == ["Normal Created: created vc-test-postgres-only"]


def test_a_reaction_runs_once_per_life_of_its_object(cluster: MemoryCluster) -> None:
    cluster.add_reaction(Reaction(on=Match(kind="Application"), set_status={"status": "running"}))
    cluster.apply(application())
    cluster.seed([{**application(), "status": {"status": "unhealthy"}}])

    cluster.apply(application())
    assert (cluster.get(APP) or pytest.fail("gone")).field("status.status") == "unhealthy"

    cluster.delete(APP)
    cluster.apply(application())
    assert (cluster.get(APP) or pytest.fail("gone")).field("status.status") == "running"


def test_a_delete_reaction_removes_what_the_controller_owned(cluster: MemoryCluster) -> None:
    release = {"apiVersion": RELEASE.api_version, "kind": "Release", "metadata": {"name": RELEASE.name}}
    cluster.seed([application(), release])
    cluster.add_reaction(Reaction(on=Match(kind="Application"), verb="delete", after_polls=1, delete=(RELEASE,)))

    cluster.delete(APP)
    assert cluster.get(RELEASE) is not None  # the Application was not polled yet
    cluster.get(APP)

    assert cluster.get(RELEASE) is None


# -- events, logs, port-forwards -----------------------------------------------------------------


def test_events_are_returned_oldest_first_for_their_object_only(cluster: MemoryCluster) -> None:
    pod = Ref("v1", "Pod", "db-0", "default")
    cluster.add_event(pod, Event("Normal", "Pulling", "Pulling image"))
    cluster.add_event(pod, Event("Warning", "BackOff", "Back-off", count=3))
    cluster.add_event(Ref("v1", "Pod", "db-1", "default"), Event("Normal", "Started", "Started"))

    assert [str(e) for e in cluster.events(pod)] == ["Normal Pulling: Pulling image", "Warning BackOff (x3): Back-off"]


def test_pod_logs_give_the_last_lines_of_the_named_container(cluster: MemoryCluster) -> None:
    cluster.add_log("default", "db-0", "postgresql", "one\ntwo\nthree\n")
    cluster.add_log("default", "db-0", "metrics", "up\n")

    assert cluster.pod_logs("default", "db-0", container="postgresql", tail_lines=2) == "two\nthree"
    with pytest.raises(ApiError, match=r"choose one of: \[metrics postgresql\]"):
        cluster.pod_logs("default", "db-0")
    with pytest.raises(ApiError, match=r"^404 NotFound"):
        cluster.pod_logs("default", "db-9")


def test_the_previous_run_of_a_restarted_container_has_its_own_log(cluster: MemoryCluster) -> None:
    cluster.add_log("default", "db-0", "postgresql", "FATAL: data directory has wrong ownership\n", previous=True)
    cluster.add_log("default", "db-0", "metrics", "up\n")

    assert cluster.pod_logs("default", "db-0", container="postgresql", previous=True).startswith("FATAL")
    assert cluster.pod_logs("default", "db-0", container="postgresql") == ""  # restarted, nothing yet
    with pytest.raises(ApiError, match='previous terminated container "metrics" in pod "db-0" not found'):
        cluster.pod_logs("default", "db-0", container="metrics", previous=True)


def test_a_port_forward_reaches_the_real_server_bound_to_the_service(cluster: MemoryCluster) -> None:
    cluster.add_service("default", "test-db-postgresql", 5432, "postgresql")
    with socket.create_server(("127.0.0.1", 0)) as server:
        cluster.bind("postgresql", Endpoint("127.0.0.1", server.getsockname()[1]))

        with cluster.port_forward("default", "test-db-postgresql", 5432) as endpoint:
            client = socket.create_connection((endpoint.host, endpoint.port), timeout=5)
        accepted, _ = server.accept()
        with client, accepted:
            client.sendall(b"ping")
            assert accepted.recv(4) == b"ping"


def test_a_port_forward_to_an_unknown_service_is_not_found(cluster: MemoryCluster) -> None:
    with pytest.raises(ApiError) as caught, cluster.port_forward("default", "nope", 5432):
        pass

    assert caught.value.status == 404
    assert str(caught.value) == "404 NotFound: no Service default/nope port 5432 in scenario unit"
