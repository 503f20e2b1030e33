"""The reports of a synthetic run with one warning, one failure and one blocked phase say exactly that."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from oamconf.redact import Redactor
from oamconf.report.html import outcome_html
from oamconf.steps import outcomes
from offline import step_section
from synthetic import RunSteps, SyntheticRun

PLATFORM_RUN = """
import pytest

@pytest.fixture(scope="session", autouse=True)
def header(run_info):
    run_info.fact("Cluster", "kind oamconf (created by the suite)")
    run_info.component("Crossplane", "2.3.4")
    run_info.component("provider-helm", "v1.4.0")

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_provider_is_healthy(evidence):
    '''provider-helm is installed and Healthy'''
    evidence.add("provider-helm v1.4.0 Installed=True Healthy=True")

@pytest.mark.step("2.2", "vCluster Syncer Configuration")
def test_syncer_config(evidence):
    evidence.add("vCluster e2e-vcluster Running")
    evidence.warn("existing vClusters predate the current composition")
    evidence.hint("vClusters keep the values they were created with", "recreate them with the new composition")

@pytest.mark.step("3.1", "PostgreSQL via OAM")
def test_postgres(evidence):
    evidence.add("Helm Release test-db-postgresql deployed (revision 1, chart 17.1.0)")

@pytest.mark.step("4.1", "vCluster Registration with ArgoCD")
def test_registration(evidence):
    evidence.add("cluster Secret vcluster-vc1 has caData, serverName vc1")

@pytest.mark.step("4.2", "ArgoCD Deployment to vCluster", depends_on=["4.1"])
def test_deployment(evidence):
    evidence.add("Application podinfo-vc1 created")
    evidence.diagnostic("Application podinfo-vc1 conditions", "ComparisonError: failed to get cluster version")
    raise AssertionError(
        "Application podinfo-vc1: want Synced, is Unknown: tls: failed to verify certificate: "
        "x509: certificate is valid for kubernetes, vc1, vc1.vc1-ns, not vc1.vc1-ns.svc"
    )

@pytest.mark.step("5", "End-to-End Integration")
def test_end_to_end():
    raise AssertionError("must not run")
"""


def _run(run_steps: RunSteps) -> SyntheticRun:
    run = run_steps(test_platform=PLATFORM_RUN)
    run.result.assert_outcomes(passed=4, failed=1, skipped=1)
    return run


def test_markdown_reads_like_the_manual_report(run_steps: RunSteps) -> None:
    md = _run(run_steps).markdown
    assert md.startswith("# OAM vCluster Architecture Test Results Summary\n")
    assert "## Overall Status: ⚠️ Partially Working (2 of 5 phases passed)" in md
    # a warning does not fail a phase, but its only step needing verification does not pass it either
    assert "## Phase 2: vCluster Infrastructure ⚠️ PARTIAL" in md
    assert "## Phase 4: ArgoCD Integration ⚠️ PARTIAL" in md
    assert "## Phase 5: End-to-End Integration 🔄 NOT TESTED" in md
    step_22 = _section(md, "### Test 2.2: vCluster Syncer Configuration")
    assert "- **Status**: ⚠️ Needs Verification" in step_22
    assert "- **Issue**: existing vClusters predate the current composition" in step_22
    step_42 = _section(md, "### Test 4.2: ArgoCD Deployment to vCluster")
    assert "- **Status**: ❌ Failed" in step_42
    assert "  - Application podinfo-vc1 created" in step_42
    assert "- **Problem**: Application podinfo-vc1: want Synced, is Unknown: tls: failed to verify" in step_42
    assert "- **Root Cause**: the vCluster's serving certificate does not cover vc1.vc1-ns.svc" in step_42
    assert "<summary>Application podinfo-vc1 conditions</summary>" in step_42
    step_5 = _section(md, "### Test 5: End-to-End Integration")
    assert "- **Status**: 🔄 Not tested" in step_5
    assert "- **Not tested**: blocked by 4.2 ArgoCD Deployment to vCluster: Application podinfo-vc1" in step_5


def test_markdown_has_findings_recommendations_and_the_run_header(run_steps: RunSteps) -> None:
    md = _run(run_steps).markdown
    working = _section(md, "### ✅ What's Working Well")
    # What the step showed, in its tests' spec clauses; its evidence lines stay under the step.
    assert "**1.1 Crossplane Helm Provider**: provider-helm is installed and Healthy" in working
    assert "Installed=True" not in working
    assert "4.2" not in working
    issues = _section(md, "### ⚠️ Issues Found")
    assert "**2.2 vCluster Syncer Configuration** (⚠️ Needs Verification)" in issues
    assert "**4.2 ArgoCD Deployment to vCluster** (❌ Failed)" in issues
    untested = _section(md, "### 🔄 Not Tested")
    cause = "blocked by 4.2 ArgoCD Deployment to vCluster: Application podinfo-vc1: want Synced, is Unknown"
    assert f"1. **Phase 5 End-to-End Integration**: not tested — {cause}" in untested
    recommendations = _section(md, "## Recommendations")
    assert "controlPlane.proxy.extraSANs" in recommendations
    assert "recreate them with the new composition" in recommendations
    assert "| Cluster | kind oamconf (created by the suite) |" in md
    assert "| Crossplane | 2.3.4 |" in md
    assert re.search(r"\| 4\. ArgoCD Integration \| ⚠️ PARTIAL \| 2 \| [\d.]+s \|", md)


def test_html_is_self_contained_with_the_phase_summary_and_evidence(run_steps: RunSteps) -> None:
    html = _run(run_steps).html
    assert "<h2>Overall Status: ⚠️ Partially Working (2 of 5 phases passed)</h2>" in html
    assert "<td>4. ArgoCD Integration</td><td>⚠️ PARTIAL</td>" in html
    assert "<td>provider-helm</td><td>v1.4.0</td>" in html
    assert "<link " not in html.split("<body")[0] or "stylesheet" not in html  # no external assets
    # Evidence rides in pytest-html's JSON blob, HTML-escaped.
    assert "Helm Release test-db-postgresql deployed (revision 1, chart 17.1.0)" in html
    assert "recreate them with the new composition" in html


def test_junit_carries_outcomes_evidence_and_the_bill_of_materials(run_steps: RunSteps) -> None:
    root = ET.fromstring(_run(run_steps).junit)  # noqa: S314 - our own file
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("failures"), suite.get("skipped"), suite.get("tests")) == ("1", "1", "6")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props.get("version:Crossplane") == "2.3.4"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    failure = cases["test_deployment"].find("failure")
    assert failure is not None
    assert (failure.get("message") or "").startswith("AssertionError: Application podinfo-vc1: want Synced")
    skipped = cases["test_end_to_end"].find("skipped")
    assert skipped is not None
    assert "blocked by 4.2 ArgoCD Deployment to vCluster" in (skipped.get("message") or "")
    evidence = [p.get("value") for p in cases["test_postgres"].iter("property") if p.get("name") == "evidence"]
    assert evidence == ["Helm Release test-db-postgresql deployed (revision 1, chart 17.1.0)"]


def test_github_actions_gets_the_markdown_as_step_summary(
    run_steps: RunSteps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run = _run(run_steps)
    assert summary.read_text(encoding="utf-8") == run.markdown


def test_the_terminal_ends_with_the_phase_verdicts(run_steps: RunSteps) -> None:
    out = _run(run_steps).result.stdout.str()
    assert "conformance: ⚠️ Partially Working (2 of 5 phases passed)" in out
    assert re.search(r"Phase 4: ArgoCD Integration\s+⚠️ PARTIAL", out)


def test_without_a_report_dir_no_report_is_written(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_one="import pytest\n\n@pytest.mark.step('1.1', 'One')\ndef test_one():\n    pass\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert sorted(p.name for p in pytester.path.iterdir()) == ["test_one.py"]


def _section(markdown: str, heading: str) -> str:
    """The text from *heading* to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    start = markdown.index(heading)
    rest = markdown[start + len(heading) :]
    stop = re.search(rf"^#{{1,{level}}} ", rest, flags=re.MULTILINE)
    return heading + (rest[: stop.start()] if stop else rest)


def test_html_evidence_is_redacted_before_it_is_escaped() -> None:
    """A secret with ``& < > " '`` is still the redactor's to find: escaping comes after it."""
    secret = "Zk7unit&<>\"'-pw-4410"
    redactor = Redactor()
    redactor.add_secret(secret)
    outcome = outcomes.TestOutcome(  # imported by module: pytest would try to collect a TestOutcome name
        nodeid="test_db.py::test_login",
        name="test_login",
        outcome=outcomes.Outcome.FAILED,
        message=f"login with {secret} failed",
        evidence=(f"tried {secret}",),
        hints=(outcomes.Hint(cause=f"{secret} is stale", fix="rotate it"),),
        diagnostics=(outcomes.Diagnostic(name="env", text=f"PGPASSWORD={secret}"),),
    )

    block = outcome_html("3.2 Database Connectivity", outcomes.StepVerdict.FAILED, outcome, redactor)

    assert "Zk7unit" not in block
    assert "<li>tried ***</li>" in block


def test_each_html_row_shows_its_own_test_s_verdict(run_steps: RunSteps) -> None:
    run = run_steps(
        test_two="""
        import pytest

        @pytest.mark.step("3.2", "Database Connectivity")
        def test_redis():
            raise AssertionError("Redis refused the password")

        @pytest.mark.step("3.2", "Database Connectivity")
        def test_postgres(evidence):
            evidence.add("PostgreSQL answers")
        """
    )
    run.result.assert_outcomes(passed=1, failed=1)
    extras = run.html_extras()
    # The step failed (Redis), but the PostgreSQL row must say that its own check worked.
    assert "Step 3.2 Database Connectivity</b>: ✅ Working — postgres" in extras["test_two.py::test_postgres"][0]
    assert "Step 3.2 Database Connectivity</b>: ❌ Failed — redis" in extras["test_two.py::test_redis"][0]


UNTESTED_BESIDE_PASSED = """
import pytest

@pytest.mark.step("3.1", "PostgreSQL via OAM")
def test_postgres(evidence):
    evidence.add("Release deployed")

@pytest.mark.step("3.2", "Database Connectivity")
def test_connect(evidence):
    evidence.warn("not tested: local tier: no PostgreSQL server")
    evidence.warn("not tested: local tier: no PostgreSQL server")
    pytest.skip("local tier: no PostgreSQL server")
"""


def test_a_phase_with_a_step_not_tested_is_partial_and_the_reason_is_said_once(run_steps: RunSteps) -> None:
    run = run_steps(test_db=UNTESTED_BESIDE_PASSED)
    assert "## Phase 3: OAM Application with Infrastructure ⚠️ PARTIAL" in run.markdown
    section = step_section(run.markdown, "3.2")
    assert section.count("local tier: no PostgreSQL server") == 1, section
    assert "- **Not tested**: local tier: no PostgreSQL server" in section
