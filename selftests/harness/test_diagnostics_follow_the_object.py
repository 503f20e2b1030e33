"""A failed wait's diagnostics follow the object to what it runs, in the cluster the wait read it from."""

from __future__ import annotations

import textwrap

import pytest

from offline import HEALTHY, step_section
from synthetic import SUITE_PLUGINS

INSIDE_A_VCLUSTER = """
import pytest
from oamconf.k8s import kinds
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.verdicts.workloads import deployment_available

LABELS = {"app": "podinfo"}


def vcluster():
    inside = MemoryCluster("vcluster vc1")
    inside.seed([
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "podinfo", "namespace": "apps"},
         "spec": {"selector": {"matchLabels": LABELS}},
         "status": {"conditions": [{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable"}]}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "podinfo-1", "namespace": "apps", "labels": LABELS},
         "status": {"phase": "Pending", "containerStatuses": [{"name": "podinfo", "ready": False, "restartCount": 0,
          "state": {"waiting": {"reason": "ErrImagePull", "message": "manifest unknown"}}}]}},
    ])
    return inside


@pytest.mark.step("4.2", "ArgoCD Deployment to vCluster")
def test_the_workload_runs_inside_the_vcluster(expect):
    expect.on(vcluster())(kinds.DEPLOYMENT.ref("podinfo", "apps"), deployment_available, timeout=30)
"""


def test_a_wait_inside_a_second_cluster_is_diagnosed_there(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_vcluster=textwrap.dedent(INSIDE_A_VCLUSTER))
    result = pytester.runpytest(*SUITE_PLUGINS, "--conformance", "--scenario", str(HEALTHY), "--report-dir", "r")
    result.assert_outcomes(failed=1)
    step = step_section((pytester.path / "r" / "report.md").read_text(encoding="utf-8"), "4.2")
    # Neither object exists on the host (the scenario): both were read from the vCluster's API.
    assert "<summary>Deployment apps/podinfo status</summary>" in step
    assert "<summary>Pod apps/podinfo-1</summary>" in step
    assert "container podinfo: waiting ErrImagePull: manifest unknown" in step
