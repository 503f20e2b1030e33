"""The kind handle runs kind with the exact arguments the bootstrap needs, and reports kind's errors.

The kind it runs is the stand-in of kindfake.py: a real process answering as kind does.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cluster.kindfake import NODE_IMAGE, FakeKind, fake_kind
from oamconf.cluster.commands import CommandFailed
from oamconf.cluster.kind import KindCluster
from oamconf.errors import UsageError


@pytest.fixture
def kind(tmp_path: Path) -> FakeKind:
    return fake_kind(tmp_path / "bin", clusters=("someone-else",))


def test_create_runs_kind_with_name_config_digest_image_kubeconfig_and_wait(kind: FakeKind, tmp_path: Path) -> None:
    config, kubeconfig = tmp_path / "kind-config.yaml", tmp_path / "out" / "kubeconfig"

    kind.handle("oamconf-e2e").create(config, NODE_IMAGE, kubeconfig)

    assert kind.calls() == [
        [
            *("create", "cluster", "--name", "oamconf-e2e", "--config", str(config), "--image", NODE_IMAGE),
            *("--kubeconfig", str(kubeconfig), "--wait", "5m"),
        ]
    ]
    assert "current-context: kind-oamconf-e2e" in kubeconfig.read_text()


def test_create_hands_kind_the_wait_it_was_given(kind: FakeKind, tmp_path: Path) -> None:
    kind.handle("oamconf-e2e").create(tmp_path / "c.yaml", NODE_IMAGE, tmp_path / "k", wait="90s")

    assert kind.calls()[0][-2:] == ["--wait", "90s"]


def test_exists_matches_the_exact_cluster_name_only(kind: FakeKind, tmp_path: Path) -> None:
    handle = kind.handle("oamconf-e2e")
    kind.handle("oamconf-e2e-2").create(tmp_path / "c.yaml", NODE_IMAGE, tmp_path / "k")

    assert not handle.exists()
    handle.create(tmp_path / "c.yaml", NODE_IMAGE, tmp_path / "k")
    assert handle.exists()
    assert kind.calls()[-1] == ["get", "clusters"]


def test_the_context_of_a_kind_cluster_is_kind_dash_its_name() -> None:
    assert KindCluster("oamconf-e2e").context == "kind-oamconf-e2e"


def test_write_kubeconfig_fetches_it_from_kind_into_an_owner_only_file(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin", clusters=("oamconf-e2e",))
    path = tmp_path / "reports" / "kubeconfig"

    kind.handle("oamconf-e2e").write_kubeconfig(path)

    assert kind.calls() == [["get", "kubeconfig", "--name", "oamconf-e2e"]]
    assert "current-context: kind-oamconf-e2e" in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_server_is_the_api_server_in_the_kubeconfig_kind_gives_for_the_cluster(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin", clusters=("oamconf-e2e", "other"))

    assert kind.handle("oamconf-e2e").server() == kind.server("oamconf-e2e")
    assert kind.handle("oamconf-e2e").server() != kind.handle("other").server()
    assert kind.calls()[0] == ["get", "kubeconfig", "--name", "oamconf-e2e"]


def test_server_of_a_missing_cluster_surfaces_kinds_error(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin")

    with pytest.raises(CommandFailed, match=r"could not locate any control plane nodes for cluster named 'gone'$"):
        kind.handle("gone").server()


def test_export_logs_writes_kinds_logs_into_the_directory_given(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin", clusters=("oamconf-e2e",))

    out = kind.handle("oamconf-e2e").export_logs(tmp_path / "reports" / "kind-logs")

    assert out == tmp_path / "reports" / "kind-logs"
    assert kind.calls() == [["export", "logs", str(out), "--name", "oamconf-e2e"]]
    assert (out / "kind-version.txt").is_file()


def test_delete_removes_the_cluster_and_its_context_from_our_kubeconfig_only(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin", clusters=("oamconf-e2e", "other"))

    kind.handle("oamconf-e2e").delete(tmp_path / "kubeconfig")

    assert kind.calls() == [
        ["delete", "cluster", "--name", "oamconf-e2e", "--kubeconfig", str(tmp_path / "kubeconfig")]
    ]
    assert kind.clusters() == ["other"]


def test_a_failing_create_surfaces_kinds_error_line_and_how_to_fix_it(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin", clusters=("oamconf-e2e",))

    with pytest.raises(CommandFailed) as caught:
        kind.handle("oamconf-e2e").create(tmp_path / "c.yaml", NODE_IMAGE, tmp_path / "k")

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("`kind create cluster --name oamconf-e2e")
    assert 'ERROR: failed to create cluster: node(s) already exist for a cluster with the name "oamconf-e2e"' in message
    assert message.endswith(
        "pass --reuse-cluster to use it, or remove it with `kind delete cluster --name oamconf-e2e`"
    )
    assert 'Creating cluster "oamconf-e2e"' in caught.value.stderr


def test_any_other_kind_failure_keeps_kinds_own_last_line(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin")

    with pytest.raises(CommandFailed, match=r"could not locate any control plane nodes for cluster named 'gone'$"):
        kind.handle("gone").write_kubeconfig(tmp_path / "k")


def test_a_kind_binary_under_a_path_with_spaces_runs_as_one_argument(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "tools dir" / "kind v0.32.0")
    kubeconfig = tmp_path / "my reports" / "kubeconfig"

    kind.handle("oamconf-e2e").create(tmp_path / "kind config.yaml", NODE_IMAGE, kubeconfig)

    assert kind.clusters() == ["oamconf-e2e"]
    assert kind.calls()[0][5] == str(tmp_path / "kind config.yaml")
    assert kubeconfig.is_file()


def test_a_wait_without_a_unit_is_refused_before_kind_runs(kind: FakeKind, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"kind --wait '300': give a duration with a unit"):
        kind.handle("oamconf-e2e").create(tmp_path / "c.yaml", NODE_IMAGE, tmp_path / "k", wait="300")

    assert kind.calls() == []


def test_a_kind_binary_that_does_not_exist_is_one_line_naming_it(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"kind-missing not found: install it or put it on PATH"):
        KindCluster("oamconf-e2e", tmp_path / "kind-missing").clusters()
