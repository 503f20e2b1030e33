"""The report reads like the manual one (../shared/reference-report.md): what works is said as what the
step showed, a recommendation is said once, and both reports show the same line the same way."""

from __future__ import annotations

import re

from oamconf.k8s.api import KubeObject
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.related import related
from synthetic import RunSteps

REGISTRATION = """
import pytest

STEP = pytest.mark.step("4.1", "vCluster Registration with ArgoCD")

@STEP
def test_secret(evidence):
    '''The cluster Secret registers the vCluster'''
    raise AssertionError("Secret argocd/vcluster-vc1: 418 I'm a teapot")

@STEP
def test_access(evidence):
    '''Its credentials reach the vCluster's API'''
    raise AssertionError("vCluster vc1 answered 418 I'm a teapot")

@pytest.mark.step("2.1", "vCluster Creation")
def test_listed(evidence):
    '''Every vCluster on the host is listed with its state'''
    evidence.add("Existing vClusters: none")
    evidence.add("ran `vcluster list` equivalent")
"""


def test_what_works_is_what_the_step_showed_not_its_first_evidence_line(run_steps: RunSteps) -> None:
    md = run_steps(test_wording=REGISTRATION).markdown
    working = md.split("### ✅ What's Working Well", 1)[1].split("###", 1)[0]
    assert "**2.1 vCluster Creation**: Every vCluster on the host is listed with its state" in working
    assert "Existing vClusters: none" not in working


def test_a_step_whose_failures_no_rule_explains_is_one_recommendation(run_steps: RunSteps) -> None:
    md = run_steps(test_wording=REGISTRATION).markdown
    recommendations = md.split("## Recommendations", 1)[1].split("\n## ", 1)[0]
    assert recommendations.count("no known cause matched") == 1


def test_code_spans_are_code_in_the_html_as_in_the_markdown(run_steps: RunSteps) -> None:
    html = run_steps(test_wording=REGISTRATION).html
    assert "<code>vcluster list</code> equivalent" in html
    assert not re.search(r"`vcluster list`", html.split("<body", 1)[1].split("<pre", 1)[0])


def test_a_workflow_step_without_a_reason_prints_no_python_none() -> None:
    cluster = MemoryCluster("unit")
    app = {
        "apiVersion": "core.oam.dev/v1beta1", "kind": "Application", "metadata": {"name": "db", "namespace": "apps"},
        "status": {"status": "runningWorkflow", "workflow": {"steps": [
            {"name": "db", "phase": "running", "message": "wait healthy"},
            {"name": "done", "phase": "failed", "reason": "Timeout"},
        ]}},
    }  # fmt: skip
    cluster.seed([app])
    text = "\n".join(body for _, body in related(cluster, KubeObject(app)))
    assert "db: running (wait healthy)" in text
    assert "done: failed (Timeout)" in text
    assert "None" not in text


PVC_AND_RELEASE = """
import pytest

STEP = pytest.mark.step("2.1", "vCluster Creation")

@STEP
def test_release(evidence):
    '''The vcluster Release is deployed'''
    raise AssertionError("VirtualCluster vc1: want Ready=True, is Ready=False reason=Creating "
                         "message='Unready resources: vcluster-release'")

@STEP
def test_pvc(evidence):
    '''The control plane's volume is bound'''
    raise AssertionError("Pod vc1-ns/vc1-0: Pending: 0/1 nodes are available: pod has unbound immediate "
                         "PersistentVolumeClaims")

@pytest.mark.step("2.2", "vCluster Syncer Configuration", depends_on=["2.1"])
def test_syncer(evidence):
    '''The syncer configuration is rendered'''
"""


def test_blocked_by_quotes_the_problem_with_a_known_cause(run_steps: RunSteps) -> None:
    md = run_steps(test_pvc_release=PVC_AND_RELEASE).markdown
    assert "blocked by 2.1 vCluster Creation: Pod vc1-ns/vc1-0: Pending" in md
    assert "blocked by 2.1 vCluster Creation: VirtualCluster vc1" not in md


def test_a_problem_beside_a_known_cause_is_its_consequence_in_both_reports(run_steps: RunSteps) -> None:
    run = run_steps(test_pvc_release=PVC_AND_RELEASE)
    assert "- **Root Cause**: a consequence of Problem 2 (a PersistentVolumeClaim stays Pending" in run.markdown
    assert "no known cause matched" not in run.markdown
    assert "a consequence of Problem 2" in run.html
