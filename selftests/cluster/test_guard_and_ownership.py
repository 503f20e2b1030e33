"""The guard refuses clusters that are not the suite's; cleanup deletes only what this run made."""

from __future__ import annotations

import re
from typing import Any

import pytest

from oamconf.cluster.guard import ensure_ours
from oamconf.cluster.ownership import MANAGED_BY, MANAGED_BY_LABEL, RUN_ID_LABEL, Owned, new_run_id, run_labels
from oamconf.errors import ConformanceError, UsageError
from oamconf.k8s.api import Ref
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.reactions import Failure, Match

LOCAL_KIND = ("oamconf-e2e", "dev")
KIND_SERVER = "https://127.0.0.1:41235"
KIND_SERVERS = {"oamconf-e2e": KIND_SERVER, "dev": "https://127.0.0.1:41236"}
RUN = "0123abcd"


def config_map(name: str, namespace: str = "conformance", **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
    }


def cm(name: str, namespace: str = "conformance") -> Ref:
    return Ref("v1", "ConfigMap", name, namespace)


def ns(name: str) -> Ref:
    return Ref("v1", "Namespace", name)


# -- the guard ------------------------------------------------------------------------------------


def test_the_guard_lets_the_suite_work_in_a_local_kind_cluster_named_like_ours() -> None:
    ensure_ours("kind-oamconf-e2e", LOCAL_KIND, allow_foreign=False)


@pytest.mark.parametrize(
    ("context", "reason"),
    [
        pytest.param("prod-eu", "it is not a kind context", id="not-kind"),
        pytest.param("kind-dev", "kind cluster 'dev' is not named oamconf-*", id="not-our-name"),
        pytest.param("kind-oamconf-gone", "no kind cluster 'oamconf-gone' exists on this machine", id="not-local"),
    ],
)
def test_the_guard_refuses_a_foreign_context_in_one_line_naming_it_and_the_flag(context: str, reason: str) -> None:
    with pytest.raises(UsageError) as caught:
        ensure_ours(context, LOCAL_KIND, allow_foreign=False)

    assert str(caught.value) == (
        f"refusing to install or delete anything in context {context!r}: {reason}; "
        "use a kind-oamconf-* cluster, or pass --allow-foreign-cluster if this cluster is meant to be changed"
    )


def test_the_guard_lets_a_context_through_when_it_points_at_that_kind_clusters_server() -> None:
    ensure_ours(
        "kind-oamconf-e2e", LOCAL_KIND, allow_foreign=False, server=KIND_SERVER, kind_server=KIND_SERVERS.__getitem__
    )


@pytest.mark.parametrize(
    ("server", "shown"),
    [
        pytest.param("https://prod.example:6443", "https://prod.example:6443", id="another-server"),
        pytest.param(None, "(none)", id="no-server"),
    ],
)
def test_the_guard_refuses_a_context_named_like_ours_that_points_elsewhere(server: str | None, shown: str) -> None:
    with pytest.raises(UsageError) as caught:
        ensure_ours(
            "kind-oamconf-e2e", LOCAL_KIND, allow_foreign=False, server=server, kind_server=KIND_SERVERS.__getitem__
        )

    assert str(caught.value) == (
        f"refusing to install or delete anything in context 'kind-oamconf-e2e': it points at server {shown}, "
        f"but kind cluster 'oamconf-e2e' is at {KIND_SERVER}; "
        "use a kind-oamconf-* cluster, or pass --allow-foreign-cluster if this cluster is meant to be changed"
    )


def test_the_guard_asks_kind_for_a_server_only_once_the_name_is_ours() -> None:
    asked: list[str] = []

    def kind_server(name: str) -> str:
        asked.append(name)
        return KIND_SERVERS[name]

    with pytest.raises(UsageError, match="is not named oamconf-"):
        ensure_ours("kind-dev", LOCAL_KIND, allow_foreign=False, server=KIND_SERVER, kind_server=kind_server)

    assert asked == []


def test_allow_foreign_cluster_lets_the_suite_work_anywhere() -> None:
    ensure_ours("prod-eu", (), allow_foreign=True)
    ensure_ours("kind-oamconf-e2e", LOCAL_KIND, allow_foreign=True, server="https://prod.example:6443")


# -- run ids and labels ---------------------------------------------------------------------------


def test_each_run_gets_a_different_short_hex_id() -> None:
    ids = {new_run_id() for _ in range(20)}

    assert len(ids) == 20
    assert all(re.fullmatch(r"[0-9a-f]{8}", run_id) for run_id in ids)
    assert run_labels(RUN) == {"app.kubernetes.io/managed-by": "oam-vcluster-conformance", "oamconf.io/run-id": RUN}


def test_owned_apply_adds_the_run_labels_keeps_the_manifests_own_and_leaves_the_input_alone() -> None:
    cluster = MemoryCluster()
    manifest = config_map("settings", app="db")

    live = Owned(cluster, RUN).apply(manifest)

    assert live.labels == {"app": "db", MANAGED_BY_LABEL: MANAGED_BY, RUN_ID_LABEL: RUN}
    assert manifest["metadata"]["labels"] == {"app": "db"}


def test_owned_apply_applies_what_the_cluster_modes_rewrite_makes_of_the_manifest() -> None:
    cluster = MemoryCluster()
    manifest = config_map("settings", app="db")

    def rewrite(doc: dict[str, Any]) -> dict[str, Any]:
        doc["data"] = {"moved": "yes"}
        return doc

    live = Owned(cluster, RUN, rewrite=rewrite).apply(manifest)

    assert live.raw["data"] == {"moved": "yes"}
    assert "data" not in manifest  # the caller's manifest is left alone


def test_owned_namespace_creates_a_labelled_namespace() -> None:
    cluster = MemoryCluster()

    Owned(cluster, RUN).namespace("conformance")

    live = cluster.get(ns("conformance"))
    assert live is not None
    assert live.labels[RUN_ID_LABEL] == RUN


# -- cleanup --------------------------------------------------------------------------------------


def test_cleanup_deletes_only_this_runs_objects_newest_first() -> None:
    cluster = MemoryCluster()
    # Foreign objects under the names this run uses, in another namespace: one unlabelled, one another run's.
    cluster.seed(
        [config_map("settings", "elsewhere"), config_map("secrets-ref", "elsewhere", **run_labels("ffff0000"))]
    )
    owned = Owned(cluster, RUN)
    owned.namespace("conformance")
    owned.apply(config_map("settings"))
    owned.apply(config_map("settings"))  # applied twice, recorded once
    owned.apply(config_map("secrets-ref"))

    deleted = owned.cleanup()

    assert deleted == [cm("secrets-ref"), cm("settings"), ns("conformance")]
    assert cluster.deleted == deleted
    assert cluster.get(cm("settings", "elsewhere")) is not None
    assert cluster.get(cm("secrets-ref", "elsewhere")) is not None


def test_cleanup_leaves_an_object_someone_else_replaced_under_the_same_name() -> None:
    cluster = MemoryCluster()
    owned = Owned(cluster, RUN)
    owned.apply(config_map("shared"))
    owned.apply(config_map("mine"))
    cluster.seed([config_map("shared", team="payments")])  # deleted and re-created by another owner

    deleted = owned.cleanup()

    assert deleted == [cm("mine")]
    assert cluster.deleted == [cm("mine")]
    replaced = cluster.get(cm("shared"))
    assert replaced is not None
    assert replaced.labels == {"team": "payments"}


def test_cleanup_leaves_an_object_relabelled_by_another_run() -> None:
    cluster = MemoryCluster()
    owned = Owned(cluster, RUN)
    owned.apply(config_map("shared"))
    # Another run (another tool) took the object over and stamped its own id on it.
    cluster.apply(config_map("shared", **{"oamconf.io/run-id": "99999999"}))

    assert owned.cleanup() == []
    assert cluster.deleted == []


def test_an_existing_object_that_is_not_ours_is_never_taken_over() -> None:
    cluster = MemoryCluster()
    cluster.seed([config_map("platform-settings", team="platform")])
    owned = Owned(cluster, RUN)
    with pytest.raises(ConformanceError, match=r"^ConfigMap conformance/platform-settings already exists and was not"):
        owned.apply(config_map("platform-settings"))
    assert cluster.applied == []
    assert owned.cleanup() == []


def test_an_existing_namespace_is_used_but_never_labelled_or_deleted() -> None:
    cluster = MemoryCluster()
    cluster.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}])
    owned = Owned(cluster, RUN)
    assert owned.namespace("default").labels == {}
    owned.namespace("conformance")
    assert owned.cleanup() == [Ref("v1", "Namespace", "conformance")]
    assert cluster.get(Ref("v1", "Namespace", "default")) is not None


def test_cleanup_skips_what_is_already_gone_and_a_second_cleanup_deletes_nothing() -> None:
    cluster = MemoryCluster()
    owned = Owned(cluster, RUN)
    owned.apply(config_map("short-lived"))
    owned.apply(config_map("kept"))
    cluster.delete(cm("short-lived"))

    assert owned.cleanup() == [cm("kept")]
    assert owned.cleanup() == []


def test_cleanup_tries_everything_and_names_what_it_could_not_delete_and_the_label_to_use() -> None:
    cluster = MemoryCluster()
    owned = Owned(cluster, RUN)
    owned.apply(config_map("first"))
    owned.apply(config_map("locked"))
    owned.apply(config_map("last"))
    cluster.add_failure(Failure(frozenset({"delete"}), Match(name="locked"), "forbidden"))

    with pytest.raises(ConformanceError) as caught:
        owned.cleanup()

    message = str(caught.value)
    assert message.startswith(f"cleanup of run {RUN} left 1 object(s) (ConfigMap conformance/locked: 403 Forbidden")
    assert message.endswith(f"delete them by label oamconf.io/run-id={RUN}")
    assert cluster.get(cm("first")) is None
    assert cluster.get(cm("last")) is None
