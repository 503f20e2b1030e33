"""The guard of the cluster modes: a run changes only a kind cluster of its own, unless told otherwise.

Before a run installs into a cluster it did not create, the context must be a ``kind-oamconf-*`` cluster's
and point at that kind cluster's server; ``--allow-foreign-cluster`` lifts the check. The modes themselves
are in test_lifecycle.py, whose helpers these tests share.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster.kindfake import fake_kind
from cluster.lifecycle_helpers import NAME, kubeconfig_file, up
from oamconf.cluster.lifecycle import ClusterOptions
from oamconf.errors import UsageError

# -- REUSE ----------------------------------------------------------------------------------------


def test_reusing_a_kind_cluster_not_named_like_ours_is_refused_by_the_guard(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin", clusters=("dev",))

    with pytest.raises(UsageError, match=r"context 'kind-dev'.*--allow-foreign-cluster"):
        up(kind, tmp_path, ClusterOptions(cluster_name="dev", reuse=True))

    assert kind.verbs() == ["get clusters"]


# -- EXISTING -------------------------------------------------------------------------------------


def test_installing_into_a_foreign_existing_cluster_needs_allow_foreign_cluster(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin")
    options = ClusterOptions(kubeconfig=kubeconfig_file(tmp_path, "staging"), install_platform=True)

    with pytest.raises(UsageError, match=r"context 'staging': it is not a kind context; .* --allow-foreign-cluster"):
        up(kind, tmp_path, options)
    ready = up(kind, tmp_path, ClusterOptions(**{**vars(options), "allow_foreign": True}))

    assert ready.should_install
    assert kind.verbs() == ["get clusters"]  # the refused attempt looked; the allowed one did not need to


def test_installing_into_an_existing_kind_cluster_of_ours_is_allowed(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin", clusters=("oamconf-dev",))
    servers = {"kind-oamconf-dev": kind.server("oamconf-dev")}
    path = kubeconfig_file(tmp_path, "kind-oamconf-dev", "staging", servers=servers)

    ready = up(kind, tmp_path, ClusterOptions(kubeconfig=path, install_platform=True))

    assert ready.context == "kind-oamconf-dev"
    assert kind.calls() == [["get", "clusters"], ["get", "kubeconfig", "--name", "oamconf-dev"]]


def test_a_context_named_like_ours_but_pointing_at_another_server_is_refused_in_one_line(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin", clusters=(NAME,))
    path = kubeconfig_file(tmp_path, "kind-oamconf-e2e", servers={"kind-oamconf-e2e": "https://prod.example:6443"})

    with pytest.raises(UsageError) as caught:
        up(kind, tmp_path, ClusterOptions(kubeconfig=path, install_platform=True))

    assert str(caught.value) == (
        "refusing to install or delete anything in context 'kind-oamconf-e2e': it points at server "
        f"https://prod.example:6443, but kind cluster 'oamconf-e2e' is at {kind.server(NAME)}; "
        "use a kind-oamconf-* cluster, or pass --allow-foreign-cluster if this cluster is meant to be changed"
    )
    assert "delete cluster" not in kind.verbs()


def test_a_context_named_like_ours_that_points_at_another_kind_clusters_server_is_refused(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin", clusters=(NAME, "oamconf-dev"))
    path = kubeconfig_file(tmp_path, "kind-oamconf-dev", servers={"kind-oamconf-dev": kind.server(NAME)})

    with pytest.raises(UsageError, match=r"context 'kind-oamconf-dev': it points at server .* but kind cluster 'oamc"):
        up(kind, tmp_path, ClusterOptions(kubeconfig=path, install_platform=True))


def test_allow_foreign_cluster_installs_through_a_context_whatever_server_it_points_at(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin", clusters=(NAME,))
    path = kubeconfig_file(tmp_path, "kind-oamconf-e2e", servers={"kind-oamconf-e2e": "https://prod.example:6443"})

    ready = up(kind, tmp_path, ClusterOptions(kubeconfig=path, install_platform=True, allow_foreign=True))

    assert ready.should_install
    assert ready.context == "kind-oamconf-e2e"
    assert kind.calls() == []


def test_reusing_a_cluster_reads_kinds_kubeconfig_once_and_needs_no_server_check(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin", clusters=(NAME,))

    up(kind, tmp_path, ClusterOptions(reuse=True))

    assert kind.calls().count(["get", "kubeconfig", "--name", NAME]) == 1
