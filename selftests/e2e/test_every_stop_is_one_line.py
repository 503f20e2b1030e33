"""Every way a conformance run stops before its steps is one line, no traceback, a non-zero exit,
and nothing downloaded or created for a target the run refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster.kubeconfigs import closed_port, write_token_kubeconfig
from cluster.standins import put_first_on_path, write_standin
from synthetic import SUITE_PLUGINS

SCENARIOS = Path(__file__).parent.parent / "scenarios"
STEPS = """
import pytest

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_one(cluster):
    pass

@pytest.mark.step("1.2", "OAM ComponentDefinitions")
def test_two(cluster):
    pass
"""


def staging_kubeconfig(pytester: pytest.Pytester) -> Path:
    return write_token_kubeconfig(
        pytester.path / "staging.yaml", port=closed_port(), context="platform-staging", cluster="staging"
    )


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_steps=STEPS)
    return pytester.runpytest(*SUITE_PLUGINS, "--conformance", *args)


def the_one_line(result: pytest.RunResult) -> str:
    """The run's only error line; fails when there is a traceback or more than one line."""
    output = [*result.outlines, *result.errlines]
    assert not any("Traceback" in line or line.startswith("E   ") for line in output), output
    lines = [line for line in result.errlines if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def test_a_foreign_context_is_refused_before_any_tool_is_downloaded(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_first_on_path(monkeypatch, pytester.path / "empty-bin", only=True)  # no kind, helm, kubectl, docker
    cache = pytester.path / "cache"
    result = run(
        pytester, "--kubeconfig", str(staging_kubeconfig(pytester)), "--install-platform", "--cache-dir", str(cache)
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    line = the_one_line(result)
    assert line.startswith(
        "ERROR: cannot run the conformance phases: refusing to install or delete anything in context"
    )
    assert "'platform-staging': it is not a kind context" in line
    assert not cache.exists()  # nothing downloaded, not even the cache folder made


def test_a_foreign_context_is_refused_in_one_line_with_tools_on_path(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = pytester.path / "bin"
    kind = write_standin(bin_dir, "kind", "print('oamconf-e2e')")  # `kind get clusters` lists ours only
    for name in ("helm", "kubectl", "docker"):
        write_standin(bin_dir, name, "print('v0')")
    put_first_on_path(monkeypatch, bin_dir, only=True)
    result = run(pytester, "--kubeconfig", str(staging_kubeconfig(pytester)), "--install-platform")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "refusing to install or delete anything in context 'platform-staging'" in the_one_line(result)
    assert kind.calls() == [["get", "clusters"]]  # asked what is local, never asked to create or delete


def test_an_allowed_foreign_cluster_that_does_not_answer_stops_once_before_any_download(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_first_on_path(monkeypatch, pytester.path / "empty-bin", only=True)
    cache = pytester.path / "cache"
    kubeconfig = str(staging_kubeconfig(pytester))
    args = ("--kubeconfig", kubeconfig, "--install-platform", "--allow-foreign-cluster", "--cache-dir", str(cache))
    result = run(pytester, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    line = the_one_line(result)
    assert line.startswith("ERROR: cannot run the conformance phases: no Kubernetes API answers for context")
    assert not cache.exists()


def test_a_report_dir_that_cannot_be_created_is_one_line(pytester: pytest.Pytester) -> None:
    blocker = pytester.path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run(pytester, "--report-dir", str(blocker / "reports"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    line = the_one_line(result)
    assert line.startswith(f"ERROR: --report-dir {blocker / 'reports'}: cannot write there (")
    assert line.endswith("choose a writable folder")


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        pytest.param(("--kubeconfig", "kc.yaml"), "--kubeconfig", id="kubeconfig"),
        pytest.param(("--context", "prod"), "--context", id="context"),
        pytest.param(("--install-platform",), "--install-platform", id="install-platform"),
        pytest.param(("--keep-cluster", "--cluster-name", "oamconf-x"), "--keep-cluster, --cluster-name", id="kind"),
    ],
)
def test_a_scenario_with_real_cluster_options_is_refused(
    pytester: pytest.Pytester, extra: tuple[str, ...], named: str
) -> None:
    result = run(pytester, "--scenario", str(SCENARIOS / "healthy"), *extra)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    line = the_one_line(result)
    assert f"--scenario tests an in-memory cluster, but {named} select(s) a real one" in line


def test_an_endpoint_without_a_scenario_is_refused(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--endpoint", "postgresql=127.0.0.1:5432")
    assert "--endpoint binds a scenario Service: it needs --scenario FILE" in the_one_line(result)


def test_kubeconfig_in_the_environment_alone_keeps_the_throw_away_kind_cluster(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(staging_kubeconfig(pytester)))
    put_first_on_path(monkeypatch, pytester.path / "empty-bin", only=True)
    result = run(pytester)
    # Create mode: Docker is what is missing, not the staging API server that KUBECONFIG points at.
    assert "docker not found on PATH" in the_one_line(result)


def test_an_unknown_kind_in_a_scenario_names_the_file_the_line_and_the_kind(pytester: pytest.Pytester) -> None:
    scenario = pytester.path / "typo.yaml"
    scenario.write_text(
        "name: typo\nobjects:\n"
        "  - {apiVersion: v1, kind: Namespace, metadata: {name: vela-system}}\n"
        "  - {apiVersion: apps/v1, kind: Deploymnet, metadata: {name: vela-core, namespace: vela-system}}\n",
        encoding="utf-8",
    )
    result = run(pytester, "--scenario", str(scenario))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    line = the_one_line(result)
    assert f"{scenario}, line 4: objects[1].kind Deploymnet (apps/v1) is not a kind the in-memory cluster knows" in line
    assert "declare it under kinds:" in line


def test_a_declared_kind_is_accepted(pytester: pytest.Pytester) -> None:
    scenario = pytester.path / "declared.yaml"
    scenario.write_text(
        "name: declared\nkinds:\n  - {apiVersion: example.org/v1, kind: Widget, scope: Namespaced}\n"
        "objects:\n  - {apiVersion: example.org/v1, kind: Widget, metadata: {name: w, namespace: default}}\n",
        encoding="utf-8",
    )
    pytester.makepyfile(test_plain="def test_plain(cluster):\n    assert cluster.name == 'declared'\n")
    result = pytester.runpytest(*SUITE_PLUGINS, "--conformance", "--scenario", str(scenario))
    result.assert_outcomes(passed=1)


def test_listing_the_steps_needs_no_docker_and_shows_them_in_report_order(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_first_on_path(monkeypatch, pytester.path / "empty-bin", only=True)  # no docker, kind, helm
    tests = Path(__file__).resolve().parents[2] / "tests"
    result = pytester.runpytest(str(tests), *SUITE_PLUGINS, "--conformance", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    modules = [line.split("::")[0].rsplit("/", 1)[-1] for line in result.outlines if "::" in line]
    listed = list(dict.fromkeys(modules))  # each step module once, in the order pytest will run them
    wanted = ["test_1_1_", "test_1_2_", "test_2_1_", "test_2_2_", "test_3_1_", "test_3_2_", "test_3_3_", "test_4_1_"]
    wanted += ["test_4_2_", "test_5_"]
    positions = [next(i for i, m in enumerate(listed) if m.startswith(prefix)) for prefix in wanted]
    assert positions == sorted(positions), listed
