"""`nox -s e2e` runs `pytest tests --conformance`: it stops in one line without a cluster,
and runs step modules against an in-memory scenario with virtual time."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from cluster.kubeconfigs import closed_port, write_token_kubeconfig
from cluster.standins import put_first_on_path, write_standin
from synthetic import SUITE_PLUGINS

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def preflight(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_never="def test_never():\n    raise AssertionError('must not run')\n")
    return pytester.runpytest(*SUITE_PLUGINS, "--conformance", *args)


def error_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stderr.lines if line.strip()]


def test_a_missing_kubeconfig_ends_the_run_in_one_line(pytester: pytest.Pytester) -> None:
    result = preflight(pytester, "--kubeconfig", "no-such-kubeconfig.yaml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    expected = (
        "ERROR: cannot run the conformance phases: kubeconfig no-such-kubeconfig.yaml does not exist: "
        "pass an existing file or set KUBECONFIG"
    )
    assert error_lines(result) == [expected]


def test_an_unknown_context_is_named_with_the_available_ones(pytester: pytest.Pytester) -> None:
    kubeconfig = write_token_kubeconfig(pytester.path / "kc.yaml", port=closed_port(), context="kind-oamconf")
    result = preflight(pytester, "--kubeconfig", str(kubeconfig), "--context", "prod")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    (line,) = error_lines(result)
    assert line.endswith(f"context 'prod' is not in kubeconfig {kubeconfig}; available: kind-oamconf")


def test_a_cluster_that_does_not_answer_stops_the_run_before_any_test(pytester: pytest.Pytester) -> None:
    port = closed_port()
    kubeconfig = write_token_kubeconfig(pytester.path / "kc.yaml", port=port, context="kind-oamconf")
    result = preflight(pytester, "--kubeconfig", str(kubeconfig))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    (line,) = error_lines(result)
    assert line.startswith(
        "ERROR: cannot run the conformance phases: no Kubernetes API answers for context kind-oamconf"
    )
    assert f"127.0.0.1:{port}" in line
    assert line.endswith("start the cluster or pass --kubeconfig/--context")
    assert "must not run" not in result.stdout.str()


STEP_ON_SCENARIO = """
import pytest
from oamconf.k8s.api import Ref
from oamconf.k8s.conditions import condition_is
from oamconf.k8s.wait import Observation

APP = Ref("core.oam.dev/v1beta1", "Application", "test-postgres-only", "conformance")
RELEASE = Ref("helm.crossplane.io/v1beta1", "Release", "conformance-test-postgres-only-test-db")


def running(app):
    phase = app.field("status.status")
    return Observation.simple(phase == "running", f"want running, is {phase}")


@pytest.mark.step("3.1", "PostgreSQL via OAM")
def test_the_application_renders_a_ready_release(cluster, expect, evidence):
    cluster.apply({"apiVersion": APP.api_version, "kind": APP.kind,
                   "metadata": {"name": APP.name, "namespace": APP.namespace},
                   "spec": {"components": [{"name": "db", "type": "postgresql"}]}})
    app = expect(APP, running)
    release = expect(RELEASE, condition_is("Ready"))
    evidence.add(f"{APP}: {app.field('status.status')}; {RELEASE}: {release.condition('Ready')}")
"""


def test_step_modules_run_offline_against_a_scenario_with_virtual_time(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_oam=textwrap.dedent(STEP_ON_SCENARIO))
    scenario = SCENARIOS / "healthy"
    result = pytester.runpytest(
        *SUITE_PLUGINS, "--conformance", "--scenario", str(scenario),
        "--report-dir", "reports",
    )  # fmt: skip
    result.assert_outcomes(passed=1)
    assert result.duration < 10  # virtual time: the scenario's polls cost no real seconds
    md = (pytester.path / "reports" / "report.md").read_text(encoding="utf-8")
    parts = "healthy-foundation + healthy-vclusters + healthy-databases + healthy-argocd + healthy-e2e"
    assert f"| Cluster | in-memory scenario {parts} (healthy) |" in md
    release = "Release conformance-test-postgres-only-test-db: Ready=True"
    assert f"Application conformance/test-postgres-only: running; {release}" in md


def test_a_stuck_release_fails_the_step_with_its_last_state(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_oam=textwrap.dedent(STEP_ON_SCENARIO))
    scenario = SCENARIOS / "release-stuck-pending.yaml"
    result = pytester.runpytest(
        *SUITE_PLUGINS, "--conformance", "--scenario", str(scenario),
        "--report-dir", "reports", "--wait-timeout", "120",
    )  # fmt: skip
    result.assert_outcomes(failed=1)
    md = (pytester.path / "reports" / "report.md").read_text(encoding="utf-8")
    assert "- **Status**: ❌ Failed" in md
    # KubeVela keeps the Application in runningWorkflow while its Release is not Ready.
    assert "Application conformance/test-postgres-only: want running, is runningWorkflow (waited 120s, simulated)" in md


def test_a_bad_version_override_ends_the_run_before_connecting(pytester: pytest.Pytester) -> None:
    result = preflight(pytester, "--set", "crossplane.chart_versio=2.3.5")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    expected = (
        "ERROR: --set crossplane.chart_versio=2.3.5: unknown key 'chart_versio' in crossplane; "
        "use one of: chart, chart_version, repository"
    )
    assert error_lines(result) == [expected]


def test_the_report_header_lists_every_pinned_component(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_oam=textwrap.dedent(STEP_ON_SCENARIO))
    result = pytester.runpytest(
        *SUITE_PLUGINS, "--conformance",
        "--scenario", str(SCENARIOS / "healthy"), "--report-dir", "reports",
        "--set", "crossplane.chart_version=2.3.5",
    )  # fmt: skip
    result.assert_outcomes(passed=1)
    md = (pytester.path / "reports" / "report.md").read_text(encoding="utf-8")
    assert "| Crossplane chart | crossplane 2.3.5 (https://charts.crossplane.io/stable) |" in md
    assert "| vCluster chart | vcluster 0.36.1 (https://charts.loft.sh) |" in md
    assert re.search(r"\| kind node image \| kindest/node:v[\d.]+@sha256:[0-9a-f]{64} \|", md)


TOOL_STANDINS = {
    "kind": "print('kind v0.32.0 go1.24.1 linux/amd64')",
    "helm": "print('v4.2.3+g0000000')",
    "kubectl": 'print(\'{"clientVersion": {"gitVersion": "v1.36.1"}}\')',
}


def test_without_docker_the_run_stops_in_one_line_before_any_cluster_work(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = pytester.path / "bin"
    kind = write_standin(bin_dir, "kind", TOOL_STANDINS["kind"])
    for name in ("helm", "kubectl"):
        write_standin(bin_dir, name, TOOL_STANDINS[name])
    put_first_on_path(monkeypatch, bin_dir, only=True)
    result = preflight(pytester, "--cache-dir", str(pytester.path / "cache"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert error_lines(result) == [
        (
            "ERROR: cannot run the conformance phases: docker not found on PATH: install Docker (kind runs its nodes "
            "as Docker containers), test an existing cluster with --kubeconfig, or run the local tier with --local "
            "(no Docker)"
        )
    ]
    assert kind.calls() == []  # Docker is checked first: kind was not even asked its version
    assert result.duration < 10


def test_a_stopped_docker_daemon_is_named_with_docker_s_own_words(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = pytester.path / "bin"
    for name, body in TOOL_STANDINS.items():
        write_standin(bin_dir, name, body)
    write_standin(
        bin_dir,
        "docker",
        "import sys\nsys.stderr.write('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
        "Is the docker daemon running?\\n')\nsys.exit(1)",
    )
    put_first_on_path(monkeypatch, bin_dir, only=True)
    result = preflight(pytester, "--cache-dir", str(pytester.path / "cache"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    (line,) = error_lines(result)
    assert line.startswith("ERROR: cannot run the conformance phases: Docker daemon not reachable (Cannot connect")
    assert line.endswith(
        "start Docker, test an existing cluster with --kubeconfig, or run the local tier with --local (no Docker)"
    )


def test_contradictory_cluster_options_are_refused_in_one_line(pytester: pytest.Pytester) -> None:
    result = preflight(pytester, "--keep-cluster", "--delete-on-failure")
    assert error_lines(result) == [
        (
            "ERROR: cannot run the conformance phases: --keep-cluster and --delete-on-failure contradict each other: "
            "pass one of them"
        )
    ]


FAILING_BOOTSTRAP = """
import json
import pytest
from oamconf.steps.context import run_of
from oamconf.cluster.install import ClusterBootstrapError, InstallReport
from oamconf.cluster.tier import NO_LIMITS

class FailingBootstrap:
    cluster = None
    local = None
    limits = NO_LIMITS
    facts = {}
    downs = []

    def up(self):
        raise ClusterBootstrapError(
            "argocd", "Deployment argocd/argocd-repo-server: not found yet (waited 300s)", InstallReport((), 0.0)
        )

    def down(self, *, any_step_failed):
        self.downs.append(any_step_failed)

def pytest_configure(config):
    run_of(config).bootstrap = FailingBootstrap()

def pytest_unconfigure(config):
    with open("downs.json", "w") as out:
        json.dump(FailingBootstrap.downs, out)
"""

STEPS_NEEDING_A_CLUSTER = """
import pytest

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_provider(cluster):
    pass

@pytest.mark.step("1.2", "OAM ComponentDefinitions")
def test_definitions(cluster):
    pass

@pytest.mark.step("2.1", "vCluster Creation")
def test_vcluster(cluster):
    pass
"""


def test_a_failed_bootstrap_ends_the_run_once_keeps_the_cluster_and_says_why_nothing_was_tested(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(FAILING_BOOTSTRAP)
    pytester.makepyfile(test_steps=STEPS_NEEDING_A_CLUSTER)
    result = pytester.runpytest(*SUITE_PLUGINS, "--report-dir", "reports")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    output = result.outlines + result.errlines
    cause = "component argocd: Deployment argocd/argocd-repo-server: not found yet"
    stops = [line for line in output if "cannot run the conformance phases: " + cause in line]
    assert len(stops) == 1, output  # once, not once per test
    assert not any("Traceback" in line or line.startswith("E   ") for line in output)
    assert json.loads((pytester.path / "downs.json").read_text(encoding="utf-8")) == [True]  # torn down once, kept
    md = (pytester.path / "reports" / "report.md").read_text(encoding="utf-8")
    assert f"| Run stopped | no step could run: {cause}" in md
    for step in ("1.1: Crossplane Helm Provider", "1.2: OAM ComponentDefinitions", "2.1: vCluster Creation"):
        why = f"- **Not tested**: the run stopped before this step: {cause}"
        assert f"### Test {step}\n- **Status**: 🔄 Not tested\n{why}" in md
    assert "PASSED" not in md


OWNED_STEP = """
import pytest
from oamconf.k8s.api import Ref

@pytest.mark.step("3.1", "PostgreSQL via OAM")
def test_creates_what_it_needs(owned, cluster, evidence):
    owned.namespace("owned-by-this-run")
    owned.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "owned-by-this-run"},
                 "stringData": {"password": "generated-pass-1234"}})
    live = cluster.get(Ref("v1", "Secret", "creds", "owned-by-this-run"))
    evidence.add(f"run id label: {live.labels['oamconf.io/run-id'] == owned.run_id}")

def test_zz_after_the_session_fixture_is_gone():
    pass
"""


def test_what_the_steps_create_is_labelled_and_deleted_at_the_end(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_owned=OWNED_STEP)
    scenario = SCENARIOS / "healthy"
    result = pytester.runpytest(*SUITE_PLUGINS, "--conformance", "--scenario", str(scenario), "--report-dir", "r")
    result.assert_outcomes(passed=2)
    md = (pytester.path / "r" / "report.md").read_text(encoding="utf-8")
    assert "run id label: True" in md
    assert "| Cleanup | deleted 2 object(s) this run created |" in md
    assert "generated-pass-1234" not in md
