"""Every failure of a step reaches the reports with a root cause line; what did not run says why."""

from __future__ import annotations

import re
import textwrap
from html import escape
from pathlib import Path

import pytest

from synthetic import SUITE_PLUGINS, RunSteps

SCENARIOS = Path(__file__).parent.parent / "scenarios"

TWO_FAILURES = """
import pytest

STEP = pytest.mark.step("1.2", "OAM ComponentDefinitions")

@STEP
def test_releases_are_readable(evidence):
    '''The suite may read Helm Releases'''
    evidence.diagnostic("RBAC of the suite", "releases.helm.crossplane.io: get=no list=no")
    evidence.hint("the suite's credentials may not read Releases", "grant get, list, watch on releases")
    raise AssertionError("Release test-db-postgresql: 403 Forbidden: releases.helm.crossplane.io is forbidden")

@STEP
def test_the_redis_definition_applies(evidence):
    '''componentdefinition-redis.yaml applies'''
    evidence.diagnostic("vela-core webhook endpoints", "vela-core-webhook: no ready endpoints")
    raise AssertionError(
        "apply componentdefinition-redis.yaml: Internal error occurred: failed calling webhook "
        "componentdefinition.core.oam.dev: no endpoints available"
    )

@STEP
def test_kubevela_runs(evidence):
    evidence.add("KubeVela: 3 deployments running in vela-system")
"""

FORBIDDEN = "Release test-db-postgresql: 403 Forbidden: releases.helm.crossplane.io is forbidden"
REDIS = "apply componentdefinition-redis.yaml: Internal error occurred: failed calling webhook"


def test_every_failure_of_a_step_shows_with_its_own_cause_and_diagnostics(run_steps: RunSteps) -> None:
    run = run_steps(test_definitions=TWO_FAILURES)
    run.result.assert_outcomes(passed=1, failed=2)
    step = section(run.markdown, "### Test 1.2: OAM ComponentDefinitions")
    in_reading_order = [
        f"- **Problem 1 of 2** (The suite may read Helm Releases): {FORBIDDEN}",
        "- **Root Cause**: the suite's credentials may not read Releases",
        "- **Fix**: grant get, list, watch on releases",
        "<summary>RBAC of the suite</summary>",
        f"- **Problem 2 of 2** (componentdefinition-redis.yaml applies): {REDIS}",
        "- **Root Cause**: an admission webhook was called before its pod was ready",  # from the catalogue
        "<summary>vela-core webhook endpoints</summary>",
    ]
    positions = [step.index(line) for line in in_reading_order]
    assert positions == sorted(positions)
    assert step.count("- **Root Cause**") == 2  # neither failure borrows the other's cause
    # A blank line ends the diagnostics' HTML block, or Markdown would show the next Problem as raw text.
    assert "</details>\n\n- **Problem 2 of 2**" in step


def test_findings_recommendations_and_the_html_summary_name_every_failure(run_steps: RunSteps) -> None:
    run = run_steps(test_definitions=TWO_FAILURES)
    issues = section(run.markdown, "### ⚠️ Issues Found")
    assert f"**1.2 OAM ComponentDefinitions** (❌ Failed): {FORBIDDEN}; {REDIS}" in issues
    recommendations = section(run.markdown, "## Recommendations")
    assert "**the suite's credentials may not read Releases**: grant get, list, watch on releases" in recommendations
    assert "**an admission webhook was called before its pod was ready**" in recommendations
    row = re.search(r"<tr><td>1\.2</td>.*?</tr>", run.html)
    assert row, "the HTML summary has no row for step 1.2"
    assert f"<td>{escape(FORBIDDEN)}<br>{escape(REDIS)}" in row.group(0)


UNEXPLAINED = """
import pytest

@pytest.mark.step("2.1", "vCluster Creation")
def test_the_vcluster_api_answers():
    raise AssertionError("vCluster vc1 answered 418 I'm a teapot")
"""


def test_a_failure_no_rule_knows_says_so_and_names_the_test_to_look_at(run_steps: RunSteps) -> None:
    md = run_steps(test_vcluster=UNEXPLAINED).markdown
    test = "test_vcluster.py::test_the_vcluster_api_answers"
    step = section(md, "### Test 2.1: vCluster Creation")
    assert f"- **Root Cause**: no known cause matched; look at the test {test}" in step
    assert f"- **Fix**: no diagnostics were gathered: read the failure of {test} in report.html" in step
    assert f"no known cause matched; look at the test {test}" in section(md, "## Recommendations")


STUCK_RELEASE = """
import pytest
from oamconf.k8s.api import Ref
from oamconf.k8s.conditions import condition_is

RELEASE = Ref("helm.crossplane.io/v1beta1", "Release", "conformance-test-postgres-only-test-db")

@pytest.mark.step("3.1", "PostgreSQL via OAM")
def test_the_release_is_ready(expect, evidence):
    ready = expect(RELEASE, condition_is("Ready"))
    evidence.add(f"{RELEASE}: {ready.condition('Ready')}")
"""


def _stuck_release_run(pytester: pytest.Pytester) -> str:
    """A scenario run (in-memory cluster, simulated time) whose Release never becomes Ready."""
    pytester.makepyfile(test_release=textwrap.dedent(STUCK_RELEASE))
    scenario = SCENARIOS / "release-stuck-pending.yaml"
    result = pytester.runpytest(
        *SUITE_PLUGINS, "--conformance", "--scenario", str(scenario), "--report-dir", "reports", "--wait-timeout", "120"
    )
    result.assert_outcomes(failed=1)
    assert result.duration < 10  # the 120 s wait took no real time
    return (pytester.path / "reports" / "report.md").read_text(encoding="utf-8")


def test_a_timeout_in_simulated_time_says_it_was_simulated(pytester: pytest.Pytester) -> None:
    step = section(_stuck_release_run(pytester), "### Test 3.1: PostgreSQL via OAM")
    release = "Release conformance-test-postgres-only-test-db"
    problem = f"- **Problem**: {release}: want Ready=True, is Ready=False reason=Unavailable"
    assert f"{problem} (waited 120s, simulated)" in step


def test_a_release_stuck_on_its_pods_image_gets_the_cause_from_the_pod(pytester: pytest.Pytester) -> None:
    step = section(_stuck_release_run(pytester), "### Test 3.1: PostgreSQL via OAM")
    # The Release only says Unavailable; the diagnostics follow it to its pod, and the hint reads the pod.
    assert "<summary>Pod conformance/test-postgres-only-test-db-0</summary>" in step
    assert 'waiting ImagePullBackOff: Back-off pulling image "docker.io/bitnami/postgresql' in step
    assert "- **Root Cause**: the image docker.io/bitnami/postgresql:17.6.0-debian-12-r4 is gone" in step
    assert "log lines" not in step  # a container that never started has no log to show


MISSING_RELEASE = """
import pytest
from oamconf.k8s.api import Ref
from oamconf.k8s.conditions import condition_is

RELEASE = Ref("helm.crossplane.io/v1beta1", "Release", "nobody-made-me")

@pytest.mark.step("3.1", "PostgreSQL via OAM")
def test_the_release_is_ready(expect):
    expect(RELEASE, condition_is("Ready"))
"""


def test_an_unmatched_wait_failure_names_the_object_and_points_at_its_diagnostics(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_release=textwrap.dedent(MISSING_RELEASE))
    scenario = SCENARIOS / "healthy"
    result = pytester.runpytest(*SUITE_PLUGINS, "--conformance", "--scenario", str(scenario), "--report-dir", "reports")
    result.assert_outcomes(failed=1)
    md = (pytester.path / "reports" / "report.md").read_text(encoding="utf-8")
    step = section(md, "### Test 3.1: PostgreSQL via OAM")
    assert "- **Root Cause**: no known cause matched; look at Release nobody-made-me" in step
    fix = "- **Fix**: read the diagnostics of step 3.1 (Release nobody-made-me); its live state: "
    assert f"{fix}`kubectl describe release.helm.crossplane.io nobody-made-me`" in step
    assert "<summary>Release nobody-made-me</summary>" in step  # the diagnostics it points at: does not exist
    assert "no known cause matched; look at Release nobody-made-me" in section(md, "## Recommendations")


PHASE_ONE_FAILS = """
import pytest

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_provider():
    raise AssertionError("Provider provider-helm: want Healthy=True, is Healthy=False\\nmore detail")

@pytest.mark.step("1.2", "OAM ComponentDefinitions")
def test_definitions(evidence):
    evidence.add("ComponentDefinition postgresql applied")

@pytest.mark.step("1.3", "Provider Configuration", depends_on=["1.1"])
def test_provider_config():
    raise AssertionError("must not run")

@pytest.mark.step("2.1", "vCluster Creation")
def test_vcluster():
    raise AssertionError("must not run")
"""


def test_key_findings_say_why_each_phase_was_not_tested(run_steps: RunSteps) -> None:
    run = run_steps(test_phase_one=PHASE_ONE_FAILS)
    run.result.assert_outcomes(passed=1, failed=1, skipped=2)
    cause = "blocked by 1.1 Crossplane Helm Provider: Provider provider-helm: want Healthy=True, is Healthy=False"
    untested = section(run.markdown, "### 🔄 Not Tested")
    assert untested.splitlines()[2:] == [
        f"1. **1.3 Provider Configuration**: {cause}",  # a step of a phase that did run
        f"2. **Phase 2 vCluster Infrastructure**: not tested — {cause}",
        "3. **Phase 3 OAM Application with Infrastructure**: not tested — no step collected",
        "4. **Phase 4 ArgoCD Integration**: not tested — no step collected",
        "5. **Phase 5 End-to-End Integration**: not tested — no step collected",
        "",
    ]


def section(markdown: str, heading: str) -> str:
    """The text from *heading* to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    start = markdown.index(heading)
    rest = markdown[start + len(heading) :]
    stop = re.search(rf"^#{{1,{level}}} ", rest, flags=re.MULTILINE)
    return heading + (rest[: stop.start()] if stop else rest)
