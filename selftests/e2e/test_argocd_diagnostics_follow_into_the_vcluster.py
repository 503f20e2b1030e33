"""An Argo CD Application Synced but Degraded because its pod crash-loops inside the vCluster: the failure's
diagnostics follow it there (Deployment, ReplicaSet, pod, container state, the previous run's log tail, the
pod's events) and to the pod vCluster syncs onto the host, in report.md and report.html alike."""

from __future__ import annotations

import html

import pytest

from argoworld import ArgoWorld, run
from charts import Charts
from offline import SCENARIOS, step_section, verdicts

CRASH = SCENARIOS / "faults" / "argocd-app-crash-loops.yaml"  # a fault file for the healthy folder
LOG_LINE = "config load failed: open /config/app.yaml: no such file or directory"


def test_the_crash_inside_the_vcluster_is_in_both_reports(
    pytester: pytest.Pytester, charts: Charts, world: ArgoWorld
) -> None:
    # The shipped fault file, composed after the healthy platform registered for the real servers.
    md = run(pytester, charts, world, args=("--scenario", str(CRASH)))
    page = html.unescape((pytester.path / "reports" / "report.html").read_text(encoding="utf-8"))
    assert verdicts(md)["4.2"] == "❌ Failed", verdicts(md)
    section = step_section(md, "4.2")
    for shown in (
        "Deployment demo/podinfo in vcluster vc1",  # the workload, read inside the vCluster
        "ProgressDeadlineExceeded",
        "ReplicaSet demo/podinfo-6d8f7: ready 0/1",
        "container podinfo: waiting CrashLoopBackOff",
        "last run: terminated Error (exit 1)",
        "previous run's last 20 log lines",
        LOG_LINE,
        "Back-off restarting failed container podinfo in pod podinfo-6d8f7-abcde_demo",  # its events inside
        "Pod vc1-ns/podinfo-6d8f7-abcde-x-demo-x-vc1",  # and the pod the syncer runs on the host
    ):
        assert shown in section, shown
        assert shown in page, shown
