"""``--local`` as a user runs it: the phases against a real control plane started for the run, what the tier does
not run reported Not tested with its reason, and nothing left running or on disk afterwards."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from oamconf.cluster.local import STARTED, LocalTier
from oamconf.cluster.localcp.process import OwnedProcess
from oamconf.cluster.tools import default_cache_dir
from oamconf.errors import ConformanceError
from oamconf.k8s.wait import Observation, wait_until
from oamconf.platform.versions import load_versions
from oamconf.redact import Redactor
from oamconf.steps.context import run_of
from offline import ROOT, run_phases, step_section, verdicts

NOT_TESTED = "🔄 Not tested"
WORKING = "✅ Working"
# Read at import: the pytester fixture gives each test a HOME of its own, and the tool cache is under HOME.
CACHE = default_cache_dir()


def _header(md: str, row: str) -> str:
    found = re.search(rf"^\| {re.escape(row)} \| (.*) \|$", md, flags=re.MULTILINE)
    assert found is not None, f"no {row!r} row in the report header"
    return found.group(1)


def _running_with(text: str) -> list[str]:
    """The command lines of processes on this machine whose arguments contain *text*."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # it ended while we looked
        if text in argv and str(os.getpid()) != cmdline.parent.name:
            found.append(argv)
    return found


def _phase_2_as_far_as_the_tier_goes(md: str) -> None:
    # Phase 2 as far as the tier goes: the real Composition runs (core calls the function over mTLS), the real
    # provider-helm installs the real vcluster chart from its module, and the StatefulSet's pod is scheduled.
    creation = step_section(md, "2.1")
    assert "Release vc1: deployed (chart vcluster 0.36.1)" in creation, creation
    assert "vc1-0: Running on node kwok-node-0 (a kwok node: the pod is simulated, no container runs)" in creation
    assert "not tested: local tier: a vCluster's API server is not started" in creation
    assert "vc-config-vc1: extraSANs vc1.vc1-ns.svc, vc1.vc1-ns.svc.cluster.local" in step_section(md, "2.2")
    # Phases 1 and 3 pass; phase 2 does not, though nothing failed: both its steps left a check Not tested.
    phases = dict(re.findall(r"^## Phase (\d): .* (✅ PASSED|⚠️ PARTIAL|❌ FAILED|🔄 NOT TESTED)$", md, re.MULTILINE))
    assert (phases["1"], phases["2"], phases["3"]) == ("✅ PASSED", "⚠️ PARTIAL", "✅ PASSED"), phases


def test_a_local_run_says_it_was_the_local_tier_and_what_it_did_not_run(pytester: pytest.Pytester) -> None:
    # pytester gives the inner run a HOME of its own: the tool cache is named, or it would build everything anew.
    result, md = run_phases(pytester, args=("--local", "--cache-dir", str(CACHE)))
    assert result.ret == 0, result.stdout.str()[-2000:]
    fate = "at the end every process stopped by pid, its data removed"
    assert _header(md, "Cluster mode").startswith(f"{STARTED}; {fate}")
    assert re.match(r"https://127\.0\.0\.1:\d+: ready in \d+\.\ds \(etcd ", _header(md, "Local control plane"))
    assert _header(md, "Kubernetes server") == "v1.36.1"
    assert "kind node image" not in md  # no kind here: the bill of materials names the modules run instead
    assert _header(md, "kube-apiserver (local tier)") == "k8s.io/kubernetes v1.36.1"
    assert "simulated" not in _header(md, "Duration")
    # What the tier runs is checked for real; what it does not run is Not tested with its reason, never failed.
    steps = verdicts(md)
    assert set(steps.values()) <= {WORKING, "⚠️ Needs Verification", NOT_TESTED}, steps
    for step, verdict in steps.items():
        if verdict != WORKING:
            assert "local tier: " in step_section(md, step), step
    # 1.1 runs for real: Crossplane, the packages' runtimes as processes, the smoke Release installed by the real
    # provider-helm from the stand-in chart.
    assert steps["1.1"] == WORKING, step_section(md, "1.1")
    smoke = step_section(md, "1.1")
    assert re.search(r"Helm Release conformance-smoke-\w+ deployed \(revision 1, chart podinfo 6\.10\.2 from "
                     r"http://127\.0\.0\.1:\d+\)", smoke), smoke  # fmt: skip
    runtimes = _header(md, "Local tier: package runtimes")
    assert re.match(r"provider-helm v1\.3\.0 pid \d+ as system:serviceaccount:crossplane-system:provider-helm "
                    r"\(its own network\); provider-kubernetes v1\.2\.1 pid \d+ as ", runtimes), runtimes  # fmt: skip
    assert "function-patch-and-transform v0.10.9 pid" in runtimes
    assert "(127.0.0.1:9443)" in runtimes
    assert "provider-helm v1.3.0 instead of v1.4.0" in _header(md, "Local tier: package substituted")
    # KubeVela's controller runs: the platform's definitions are registered (and Synced) by the real vela-core.
    assert "pid" in _header(md, "Local tier: KubeVela")
    assert "ComponentDefinition vela-system/postgresql registered" in step_section(md, "1.2")
    # Phase 3 for real: vela-core renders, provider-helm installs the stand-in charts, and real PostgreSQL and Redis
    # answer through the API server's port-forward with the passwords of the Secrets the steps created.
    assert (steps["3.1"], steps["3.2"], steps["3.3"]) == (WORKING, WORKING, WORKING), step_section(md, "3.2")
    assert "a table row was written and read back" in step_section(md, "3.2")
    # Evidence read from a kwok-simulated pod says so: the Deployment's and the database's pods ran nothing.
    assert "crossplane-system/crossplane: Available, 1 replica(s) ready (its pods are on kwok nodes: simulated" in (
        step_section(md, "1.1")
    )
    assert re.search(r"Pod \S+/test-postgres-only-test-db-\S+ Running, ready \([^)]*\) \(a kwok node: the pod is "
                     r"simulated", step_section(md, "3.1")), step_section(md, "3.1")  # fmt: skip
    assert "AUTH, PING, SET/GET with expiry" in step_section(md, "3.3")
    assert "postgresql 17.1.0, redis 23.1.1 are stand-ins" in _header(md, "Local tier: charts")
    _phase_2_as_far_as_the_tier_goes(md)
    assert "the real vcluster chart 0.36.1 (packaged from github.com/loft-sh/vcluster@v0.36.1" in _header(
        md, "Local tier: charts"
    )
    # The bill of materials names what the tier served instead of the pinned charts and images.
    assert _header(md, "PostgreSQL chart").startswith("postgresql 17.1.0: a stand-in the suite writes")
    assert _header(md, "Redis image").startswith("not run: Redis 7 from Debian's packages")
    assert _header(md, "vCluster chart").endswith("chart/ (the real chart, served on loopback)")
    assert _header(md, "provider-helm") == (
        "xpkg.crossplane.io/crossplane-contrib/provider-helm:v1.3.0, built from its module: the pinned v1.4.0 is not "
        "served by the Go module proxy"
    )  # what ran, as 1.1's evidence says it, not the pin
    assert "credential sits in Composition" not in md  # its fmt's %s is a placeholder, not a token
    logs = pytester.path / "reports" / "local-logs"
    assert "Serving securely" in (logs / "kube-apiserver.log").read_text(encoding="utf-8")
    assert '"logger":"provider-helm"' in (logs / "provider-helm.log").read_text(encoding="utf-8")
    run_id = _header(md, "Run id")
    data = CACHE.parent / "clusters" / f"local-{run_id}"
    assert not data.exists()
    assert _running_with(f"local-{run_id}") == []
    # kubectl's and helm's discovery cache for this run's API server went with its data, not into ~/.kube/cache
    # (pytester's HOME for the inner run).
    assert os.environ["HOME"] == str(pytester.path)
    assert not (pytester.path / ".kube").exists()


class KillProviderHelm:
    """A plugin for the inner run: SIGKILLs provider-helm's runtime right after the check that it is healthy."""

    def __init__(self) -> None:
        self.pid: int | None = None

    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        if item.name != "test_provider_helm_is_installed_and_healthy":
            return
        bootstrap = run_of(item.config).bootstrap
        local = bootstrap.local if bootstrap is not None else None
        assert local is not None
        helm = next(p for p in local.runtimes if p.name == "provider-helm")
        self.pid = helm.pid
        os.kill(helm.pid, signal.SIGKILL)
        wait_until(lambda: Observation.simple(helm.died() is not None, "want it exited"), subject="kill", timeout=10)


def test_a_package_runtime_that_dies_makes_the_checks_after_it_not_tested_with_its_last_log_lines(
    pytester: pytest.Pytester,
) -> None:
    killer = KillProviderHelm()

    result, md = run_phases(pytester, args=("--local", "--cache-dir", str(CACHE)), plugins=(killer,))

    assert result.ret == 0, result.stdout.str()[-2000:]
    smoke = step_section(md, "1.1")
    assert "Provider provider-helm (xpkg.crossplane.io/crossplane-contrib/provider-helm:v1.3.0) Installed=True" in smoke
    assert "ProviderConfig helm-provider exists" in smoke  # needs the ProviderConfigs only: still checked
    assert f"local tier: provider-helm (pid {killer.pid}) exited with code -9; last log lines: " in smoke, smoke
    assert "Helm Release conformance-smoke" not in smoke


def test_a_component_that_dies_makes_every_check_not_tested_with_its_last_log_lines(tmp_path: Path) -> None:
    tier = LocalTier(CACHE, tmp_path / "data", keep=True, redactor=Redactor(), versions=load_versions())
    tier.prepare()
    tier.start()
    try:
        assert tier.limits.why_not(["containers"]) == "local tier: kwok simulates pods: no container's command runs"
        assert tier.limits.why_not([]) is None
        assert tier.plane is not None
        etcd: OwnedProcess = tier.plane.process("etcd")
        os.kill(etcd.pid, signal.SIGKILL)
        plane = tier.plane
        wait_until(
            lambda: Observation.succeeded("etcd gone") if plane.died() else Observation.pending("etcd still running"),
            subject="etcd's exit",
            timeout=10,
        )
        reason = tier.limits.why_not(["kubevela"])
        assert reason is not None
        assert reason.startswith(f"local tier: etcd (pid {etcd.pid}) exited with code -9; last log lines: "), reason
    finally:
        summary, _problems = tier.stop(tmp_path / "reports")
    assert summary.startswith(STARTED)
    assert f"its data kept in {tmp_path / 'data'} (--keep-cluster)" in summary
    assert (tmp_path / "reports" / "local-logs" / "etcd.log").is_file()
    assert _running_with(str(tmp_path / "data")) == []


def test_ctrl_c_during_a_local_run_stops_every_process_and_removes_the_data(tmp_path: Path) -> None:
    clusters = CACHE.parent / "clusters"
    before = set(clusters.glob("local-*")) if clusters.is_dir() else set()
    # A SIGINT ignored here (a job a non-interactive shell started in the background) stays ignored in the child,
    # and Python then never turns it into KeyboardInterrupt: give the child SIGINT as a terminal's process has it.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        run = subprocess.Popen(  # noqa: S603 - the suite's own command line, as a user types it
            [sys.executable, "-m", "pytest", "tests", "--conformance", "--local", "--report-dir", str(tmp_path / "r")],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the SIGINT below reaches it as a terminal's Ctrl-C
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    data = _new_data_dir(clusters, before, run)
    os.killpg(run.pid, signal.SIGINT)
    out, _ = run.communicate(timeout=120)
    text = out.decode(errors="replace")
    assert run.returncode == 2, text[-2000:]
    assert not data.exists(), text[-2000:]
    assert _running_with(data.name) == []


def _new_data_dir(clusters: Path, before: set[Path], run: subprocess.Popen[bytes]) -> Path:
    """The data folder the run creates, once its control plane writes its first kubeconfig."""
    found: list[Path] = []

    def started() -> Observation:
        if run.poll() is not None:
            return Observation.failed(f"the run ended first (exit {run.returncode})")
        found[:] = [f for f in set(clusters.glob("local-*")) - before if (f / "kubeconfig" / "admin.yaml").is_file()]
        return Observation.succeeded("started") if found else Observation.pending("no kubeconfig written yet")

    try:
        wait_until(started, subject="the local control plane's first kubeconfig", timeout=120)
    except ConformanceError:
        run.kill()
        raise
    return found[0]
