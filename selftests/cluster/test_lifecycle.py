"""The three cluster modes: what a run creates, installs, keeps and deletes, against a stand-in kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster.kindfake import fake_kind
from cluster.lifecycle_helpers import NAME, kubeconfig_file, up
from oamconf.cluster.lifecycle import ClusterOptions, ClusterPlan, Mode, plan, tear_down
from oamconf.errors import UsageError


@pytest.mark.parametrize(
    ("options", "mode"),
    [
        pytest.param(ClusterOptions(), Mode.CREATE, id="default-creates"),
        pytest.param(ClusterOptions(reuse=True), Mode.REUSE, id="reuse-flag"),
        pytest.param(ClusterOptions(kubeconfig=Path("k")), Mode.EXISTING, id="kubeconfig-given"),
        pytest.param(ClusterOptions(context="kind-x", keep=True), Mode.EXISTING, id="context-given"),
        pytest.param(ClusterOptions(local=True, keep=True), Mode.LOCAL, id="local"),
    ],
)
def test_the_options_decide_the_mode(options: ClusterOptions, mode: Mode) -> None:
    assert plan(options).mode is mode


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(ClusterOptions(keep=True, delete_on_failure=True), "contradict each other", id="keep-and-delete"),
        pytest.param(ClusterOptions(context="c", reuse=True), "drop --reuse-cluster or", id="reuse-existing"),
        pytest.param(ClusterOptions(context="c", delete_on_failure=True), "drop --delete-on-failure", id="delete-ex"),
        pytest.param(ClusterOptions(cluster_name=""), "--cluster-name is empty", id="no-name"),
        pytest.param(ClusterOptions(local=True, context="c"), "drop --context or --local", id="local-context"),
        pytest.param(
            ClusterOptions(local=True, kubeconfig=Path("k"), reuse=True),
            "--kubeconfig, --reuse-cluster choose.s. another cluster",
            id="local-two-flags",
        ),
        pytest.param(ClusterOptions(local=True, cluster_name="x"), "drop --cluster-name or --local", id="local-name"),
        pytest.param(
            ClusterOptions(local=True, delete_on_failure=True), "drop --delete-on-failure or", id="local-delete"
        ),
    ],
)
def test_contradicting_options_are_refused_in_one_line(options: ClusterOptions, message: str) -> None:
    with pytest.raises(UsageError, match=message) as caught:
        plan(options)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("options", "installs"),
    [
        pytest.param(ClusterOptions(), True, id="create"),
        pytest.param(ClusterOptions(reuse=True), True, id="reuse"),
        pytest.param(ClusterOptions(context="c"), False, id="existing"),
        pytest.param(ClusterOptions(context="c", install_platform=True), True, id="existing-with-flag"),
    ],
)
def test_an_existing_cluster_gets_the_platform_only_with_install_platform(
    options: ClusterOptions, *, installs: bool
) -> None:
    assert plan(options).should_install is installs


@pytest.mark.parametrize(
    ("created", "options", "failed", "deletes"),
    [
        pytest.param(True, ClusterOptions(), False, True, id="created-passed-deleted"),
        pytest.param(True, ClusterOptions(), True, False, id="created-failed-kept-for-debugging"),
        pytest.param(True, ClusterOptions(delete_on_failure=True), True, True, id="delete-on-failure"),
        pytest.param(True, ClusterOptions(keep=True), False, False, id="keep-cluster"),
        pytest.param(False, ClusterOptions(reuse=True), False, False, id="reused-never-deleted"),
    ],
)
def test_only_a_cluster_this_run_created_is_deleted_and_only_when_not_kept(
    options: ClusterOptions, *, created: bool, failed: bool, deletes: bool
) -> None:
    decided = ClusterPlan(plan(options).mode, options, created=created)

    assert decided.should_delete(any_step_failed=failed) is deletes


def test_the_report_header_says_where_the_cluster_came_from_and_its_fate() -> None:
    created = ClusterPlan(Mode.CREATE, ClusterOptions(), created=True)

    assert (
        created.description(any_step_failed=False)
        == "kind cluster oamconf-e2e (created by this run; deleted at the end)"
    )
    assert "kept for debugging because a step failed; delete it with `kind delete cluster --name oamconf-e2e`" in (
        created.description(any_step_failed=True)
    )
    assert ClusterPlan(Mode.REUSE, ClusterOptions(reuse=True)).description() == (
        "kind cluster oamconf-e2e (reused: it existed before this run; never deleted by it)"
    )
    existing = ClusterPlan(Mode.EXISTING, ClusterOptions(context="staging"), context="staging")
    assert existing.description() == (
        "existing cluster, context staging of kubeconfig (default) (nothing created or deleted; "
        "platform expected installed)"
    )


# -- CREATE ---------------------------------------------------------------------------------------


def test_create_makes_a_cluster_and_deletes_it_after_exporting_logs(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin")

    ready = up(kind, tmp_path, ClusterOptions())
    done = tear_down(ready, kind.handle(NAME), any_step_failed=False, report_dir=tmp_path / "reports")

    assert ready.created
    assert ready.kubeconfig == tmp_path / "reports" / "kubeconfig"
    assert kind.verbs() == ["get clusters", "create cluster", "export logs", "delete cluster"]
    assert kind.calls()[-1] == ["delete", "cluster", "--name", NAME, "--kubeconfig", str(ready.kubeconfig)]
    assert done.deleted
    assert done.logs == tmp_path / "reports" / "kind-logs"
    assert kind.clusters() == []


def test_create_refuses_a_cluster_that_is_already_there_and_touches_nothing(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin", clusters=(NAME,))

    with pytest.raises(UsageError, match=r"kind cluster oamconf-e2e already exists: pass --reuse-cluster to use it"):
        up(kind, tmp_path, ClusterOptions())

    assert kind.verbs() == ["get clusters"]


def test_a_failed_step_keeps_the_created_cluster_for_debugging(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin")
    ready = up(kind, tmp_path, ClusterOptions())

    done = tear_down(ready, kind.handle(NAME), any_step_failed=True, report_dir=tmp_path / "reports")

    assert not done.deleted
    assert kind.clusters() == [NAME]
    assert "kept for debugging" in done.summary
    assert (tmp_path / "reports" / "kind-logs" / "kind-version.txt").is_file()


def test_delete_on_failure_deletes_even_after_a_failed_step(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin")
    ready = up(kind, tmp_path, ClusterOptions(delete_on_failure=True))

    done = tear_down(ready, kind.handle(NAME), any_step_failed=True, report_dir=tmp_path / "reports")

    assert done.deleted
    assert kind.clusters() == []


def test_keep_cluster_never_deletes(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin")
    ready = up(kind, tmp_path, ClusterOptions(keep=True))

    done = tear_down(ready, kind.handle(NAME), any_step_failed=False, report_dir=tmp_path / "reports")

    assert not done.deleted
    assert "delete cluster" not in kind.verbs()
    assert done.summary == "kind cluster oamconf-e2e (created by this run; kept at the end (--keep-cluster))"


def test_a_failed_log_export_is_reported_and_the_cluster_still_deleted(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin")
    ready = up(kind, tmp_path, ClusterOptions())
    kind.state.write_text("[]")  # the nodes vanished under us: kind cannot export their logs

    done = tear_down(ready, kind.handle(NAME), any_step_failed=False, report_dir=tmp_path / "reports")

    assert done.logs is None
    assert done.problems == (
        "kind logs not exported: `kind export logs " + str(tmp_path / "reports" / "kind-logs") + " --name oamconf-e2e` "
        'failed (exit 1): ERROR: unknown cluster "oamconf-e2e"',
    )
    assert kind.verbs()[-2:] == ["export logs", "delete cluster"]


# -- REUSE ----------------------------------------------------------------------------------------


def test_reusing_an_existing_cluster_creates_nothing_writes_its_kubeconfig_and_never_deletes_it(
    tmp_path: Path,
) -> None:
    kind = fake_kind(tmp_path / "bin", clusters=(NAME,))

    ready = up(kind, tmp_path, ClusterOptions(reuse=True))
    done = tear_down(ready, kind.handle(NAME), any_step_failed=False, report_dir=tmp_path / "reports")

    assert not ready.created
    assert kind.verbs() == ["get clusters", "get kubeconfig", "export logs"]
    assert "current-context: kind-oamconf-e2e" in (tmp_path / "reports" / "kubeconfig").read_text()
    assert not done.deleted
    assert kind.clusters() == [NAME]


def test_reusing_a_missing_cluster_creates_it_and_deletes_it_at_the_end(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin")

    ready = up(kind, tmp_path, ClusterOptions(reuse=True))
    done = tear_down(ready, kind.handle(NAME), any_step_failed=False, report_dir=tmp_path / "reports")

    assert ready.created
    assert done.deleted
    assert kind.verbs() == ["get clusters", "create cluster", "export logs", "delete cluster"]
    assert done.summary.startswith("kind cluster oamconf-e2e (not found, so created by this run; deleted")


# -- EXISTING -------------------------------------------------------------------------------------


def test_an_existing_cluster_is_neither_created_nor_deleted(tmp_path: Path) -> None:
    kind = fake_kind(tmp_path / "bin")
    options = ClusterOptions(kubeconfig=kubeconfig_file(tmp_path, "staging"))

    ready = up(kind, tmp_path, options)
    done = tear_down(ready, kind.handle(NAME), any_step_failed=False, report_dir=tmp_path / "reports")

    assert ready.context == "staging"
    assert not ready.should_install
    assert not done.deleted
    assert kind.calls() == []


@pytest.mark.parametrize(("keep", "fate"), [(False, "its data removed"), (True, "its data kept (--keep-cluster)")])
def test_the_local_tier_is_named_in_the_header_with_what_happens_to_its_data(keep: bool, fate: str) -> None:  # noqa: FBT001
    decided = plan(ClusterOptions(local=True, keep=keep))
    assert decided.context == "oamconf-local"
    assert decided.should_install
    assert decided.description() == (
        "local tier: a Kubernetes control plane started by this run as processes on loopback (no kind, no Docker); "
        f"stopped at the end by pid, {fate}"
    )
