"""Run history: every run writes results.json, and ``--compare`` says in every report what changed.

A synthetic suite runs twice through pytester, the first run's results.json as the second's
``--compare``. What each run fails, how long each test takes and which versions it reports come
from a plan file: durations are injected through a test-only ``pytest_runtest_makereport``
wrapper (the suite's measured durations are the reports' durations), so nothing sleeps.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import pytest

from oamconf.report.changes import ChangeKind, compare
from oamconf.report.history import SCHEMA, SCHEMA_VERSION, Snapshot, StepSnapshot
from synthetic import RunSteps, SyntheticRun

PLANTED = "Pl4nted-db-pw-7731"

CONFTEST = """
import json

import pytest


def _plan(config):
    return json.loads((config.rootpath / "plan.json").read_text(encoding="utf-8"))


@pytest.fixture
def plan(pytestconfig):
    return _plan(pytestconfig)


@pytest.fixture(scope="session", autouse=True)
def versions_of_this_run(run_info, pytestconfig):
    for name, version in _plan(pytestconfig)["versions"].items():
        run_info.component(name, version)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    '''Test-only: the plan's duration stands in for the measured one, instead of sleeping.

    Setup and teardown count as no time: measured, they add a loaded machine's milliseconds to the
    step's duration and the compared ratios (4.6s, 3.1x) stop being the plan's.'''
    report = yield
    planned = _plan(item.config)["durations"].get(item.name)
    if planned is not None:
        report.duration = planned if report.when == "call" else 0.0
    return report
"""

STEPS = f"""
import pytest


def check(plan, evidence, step):
    evidence.add(f"step {{step}} checked")
    if step in plan["failing"]:
        evidence.secret("{PLANTED}")
        raise AssertionError(f"step {{step}} broke: login with {PLANTED} refused")


@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_provider(plan, evidence):
    check(plan, evidence, "1.1")


@pytest.mark.step("1.2", "OAM ComponentDefinitions")
def test_definitions(plan, evidence):
    check(plan, evidence, "1.2")


@pytest.mark.step("2.1", "vCluster Creation")
def test_vcluster(plan, evidence):
    check(plan, evidence, "2.1")


@pytest.mark.step("3.1", "PostgreSQL via OAM")
def test_postgres(plan, evidence):
    check(plan, evidence, "3.1")


@pytest.mark.step("4.1", "vCluster Registration with ArgoCD")
def test_registration(plan, evidence):
    check(plan, evidence, "4.1")
"""

# 2.1 fails, so 4.1 (phase 4 needs phase 2) is not tested.
NIGHT_1 = {
    "failing": ["2.1"],
    "durations": {"test_provider": 1.5, "test_definitions": 0.2},
    "versions": {"Crossplane": "2.3.4", "provider-helm": "v1.4.0"},
}
# 2.1 fixed, 3.1 newly failing, 1.1 three times slower, 1.2 slower but under 1 s (noise), Crossplane upgraded.
NIGHT_2 = {
    "failing": ["3.1"],
    "durations": {"test_provider": 4.5, "test_definitions": 0.9},
    "versions": {"Crossplane": "2.3.5", "provider-helm": "v1.4.0"},
}


def night(pytester: pytest.Pytester, run_steps: RunSteps, plan: dict[str, Any], *args: str) -> SyntheticRun:
    (pytester.path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    return run_steps(*args, conftest=CONFTEST, test_steps=STEPS)


@pytest.fixture
def two_nights(pytester: pytest.Pytester, run_steps: RunSteps) -> tuple[dict[str, Any], SyntheticRun]:
    """The first night's results.json (as it was) and the second night's run, compared with it."""
    first = night(pytester, run_steps, NIGHT_1)
    first.result.assert_outcomes(passed=3, failed=1, skipped=1)
    results = first.report_dir / "results.json"
    previous = json.loads(results.read_text(encoding="utf-8"))
    second = night(pytester, run_steps, NIGHT_2, "--compare", str(results))
    second.result.assert_outcomes(passed=4, failed=1)
    return previous, second


def since(previous: dict[str, Any]) -> str:
    return f"{datetime.fromisoformat(previous['started']):%Y-%m-%d %H:%M:%S} UTC"


def test_each_run_writes_its_results_for_machines_redacted(pytester: pytest.Pytester, run_steps: RunSteps) -> None:
    run = night(pytester, run_steps, NIGHT_2)
    text = (run.report_dir / "results.json").read_text(encoding="utf-8")
    document = json.loads(text)  # still JSON after the final scrub
    assert list(document) == [
        "schema", "schema_version", "title", "started", "duration_s", "status", "overall",
        "header", "bill_of_materials", "phases",
    ]  # fmt: skip
    assert (document["schema"], document["schema_version"]) == (SCHEMA, SCHEMA_VERSION)
    assert document["status"] == "partially_working"
    assert document["overall"] == "⚠️ Partially Working (3 of 5 phases passed)"
    assert document["bill_of_materials"] == {"Crossplane": "2.3.5", "provider-helm": "v1.4.0"}
    assert document["header"]["Secrets"] == "redacted"
    phase_3 = document["phases"][2]
    assert (phase_3["number"], phase_3["verdict"]) == (3, "failed")
    assert phase_3["title"] == "OAM Application with Infrastructure"
    step = phase_3["steps"][0]
    assert list(step) == ["id", "title", "verdict", "duration_s", "problems", "not_tested_because", "hints", "warnings"]
    assert (step["id"], step["title"], step["verdict"]) == ("3.1", "PostgreSQL via OAM", "failed")
    assert step["problems"] == ["step 3.1 broke: login with *** refused"]
    assert step["hints"], "a failure always carries a hint"
    assert document["phases"][0]["steps"][0]["duration_s"] >= 4.5
    no_step = {"number": 5, "title": "End-to-End Integration", "verdict": "not_tested", "duration_s": 0.0, "steps": []}
    assert document["phases"][4] == no_step
    assert PLANTED not in text


def test_markdown_says_what_changed_after_the_overall_status(two_nights: tuple[dict[str, Any], SyntheticRun]) -> None:
    previous, run = two_nights
    md = run.markdown
    heading = f"## Changes since {since(previous)}"
    assert md.index("## Overall Status:") < md.index(heading) < md.index("## Run")
    section = md[md.index(heading) : md.index("## Run")]
    assert "Compared with that run (⚠️ Partially Working (2 of 5 phases passed), " in section
    assert "1 newly failing, 1 fixed, 1 slower (over 2x), 1 verdict changed, 1 version changed." in section
    assert "| ❌ Newly failing | 3.1 PostgreSQL via OAM | ✅ Working | ❌ Failed: step 3.1 broke" in section
    assert "| ✅ Fixed | 2.1 vCluster Creation | ❌ Failed | ✅ Working |" in section
    assert "| 🐢 Slower (over 2x) | 1.1 Crossplane Helm Provider | 1.5s | 4.5s (3.0x) |" in section
    assert "| 🔀 Verdict changed | 4.1 vCluster Registration with ArgoCD | 🔄 Not tested | ✅ Working |" in section
    assert "| 📦 Version changed | Crossplane | 2.3.4 | 2.3.5 |" in section
    assert "1.2 OAM ComponentDefinitions" not in section  # 0.2 s -> 0.9 s is under 1 s: noise
    assert "provider-helm" not in section
    assert PLANTED not in md


def test_html_summary_shows_the_same_changes(two_nights: tuple[dict[str, Any], SyntheticRun]) -> None:
    previous, run = two_nights
    html = run.html
    assert f"<h3>Changes since {since(previous)}</h3>" in html
    assert html.index("<h2>Overall Status:") < html.index("<h3>Changes since") < html.index("<h3>Phases</h3>")
    assert "<td>❌ Newly failing</td><td>3.1 PostgreSQL via OAM</td><td>✅ Working</td>" in html
    assert "<td>✅ Fixed</td><td>2.1 vCluster Creation</td><td>❌ Failed</td><td>✅ Working</td>" in html
    assert "<td>1.1 Crossplane Helm Provider</td><td>1.5s</td><td>4.5s (3.0x)</td>" in html
    assert "<td>🔀 Verdict changed</td><td>4.1 vCluster Registration with ArgoCD</td><td>🔄 Not tested</td>" in html
    assert "<td>📦 Version changed</td><td>Crossplane</td><td>2.3.4</td><td>2.3.5</td>" in html
    assert PLANTED not in html


def test_junit_has_one_suite_property_per_change(two_nights: tuple[dict[str, Any], SyntheticRun]) -> None:
    previous, run = two_nights
    suite = ET.fromstring(run.junit).find("testsuite")  # noqa: S314 - our own file
    assert suite is not None
    props = [(p.get("name"), p.get("value") or "") for p in suite.iter("property")]
    props = [(name, value) for name, value in props if name and name.startswith("change")]
    assert props[0] == ("changes-since", since(previous))
    changes = props[1:]
    assert [name for name, _ in changes] == [
        "change:newly-failing", "change:fixed", "change:slower", "change:verdict", "change:version"
    ]  # fmt: skip
    assert changes[0][1].startswith("3.1 PostgreSQL via OAM: ✅ Working → ❌ Failed: step 3.1 broke")
    assert changes[1][1] == "2.1 vCluster Creation: ❌ Failed → ✅ Working"
    assert changes[2][1] == "1.1 Crossplane Helm Provider: 1.5s → 4.5s (3.0x)"
    assert changes[4][1] == "Crossplane: 2.3.4 → 2.3.5"


def test_the_terminal_counts_the_changes(two_nights: tuple[dict[str, Any], SyntheticRun]) -> None:
    previous, run = two_nights
    run.result.stdout.fnmatch_lines([f"since {since(previous)}: 1 newly failing, 1 fixed, *1 version changed"])


def test_the_report_directory_itself_compares_with_the_run_it_holds(
    pytester: pytest.Pytester, run_steps: RunSteps
) -> None:
    """``--compare reports --report-dir reports``: the last run is read before this one overwrites it."""
    night(pytester, run_steps, NIGHT_1)
    run = night(pytester, run_steps, NIGHT_2, "--compare", "reports")
    assert "| ✅ Fixed | 2.1 vCluster Creation | ❌ Failed | ✅ Working |" in run.markdown
    same = night(pytester, run_steps, NIGHT_2, "--compare", "reports")
    assert "no verdict, duration or version changed." in same.markdown
    assert "| Change |" not in same.markdown


@pytest.mark.parametrize(
    ("previous", "says"),
    [
        ("missing.json", "no such file or directory: pass the results.json an earlier run wrote with --report-dir"),
        ("empty-dir", "no results.json in that directory: pass the results.json an earlier run wrote"),
        ("garbage.json", "not JSON (Expecting value at line 1): pass the results.json an earlier run wrote"),
        ("other.json", 'not a results file of this suite (no "schema": "oamconf-results"): pass the results.json'),
        ("future.json", "results schema version 99, this suite reads version 1: compare with a run of a suite"),
        ("damaged.json", "'phases' is a str, want a list: the file is damaged; pass the results.json"),
        ("nightly", 'nightly/results.json: not a results file of this suite (no "schema": "oamconf-results")'),
    ],
)
def test_a_bad_previous_run_stops_at_once_in_one_line(pytester: pytest.Pytester, previous: str, says: str) -> None:
    (pytester.path / "empty-dir").mkdir()
    (pytester.path / "nightly").mkdir()
    (pytester.path / "nightly" / "results.json").write_text("[]", encoding="utf-8")
    (pytester.path / "garbage.json").write_text("<html>nightly artifact page</html>", encoding="utf-8")
    (pytester.path / "other.json").write_text('{"tests": []}', encoding="utf-8")
    head = {"schema": SCHEMA, "schema_version": 99}
    (pytester.path / "future.json").write_text(json.dumps(head), encoding="utf-8")
    damaged = {**head, "schema_version": SCHEMA_VERSION, "started": "2025-06-01T02:00:00+00:00", "phases": "1-5"}
    (pytester.path / "damaged.json").write_text(json.dumps(damaged), encoding="utf-8")
    pytester.makepyfile(test_one="import pytest\n\n@pytest.mark.step('1.1', 'One')\ndef test_one():\n    pass\n")

    result = pytester.runpytest("-p", "no:cacheprovider", "--report-dir", "reports", "--compare", previous)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    line = the_one_line(result)
    assert line.startswith(f"ERROR: --compare {previous}: {says}"), line
    assert not (pytester.path / "reports" / "results.json").exists()  # nothing ran


def test_compare_without_a_report_dir_says_to_add_one(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--compare", "reports")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert the_one_line(result) == "ERROR: --compare reports: the changes go into the reports: add --report-dir DIR"


def the_one_line(result: pytest.RunResult) -> str:
    """The run's only error line; fails when there is a traceback or more than one line."""
    output = [*result.outlines, *result.errlines]
    assert not any("Traceback" in line or line.startswith("E   ") for line in output), output
    lines = [line for line in result.errlines if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def _step(step_id: str, verdict: str, duration: float, problems: tuple[str, ...] = ()) -> StepSnapshot:
    return StepSnapshot(step_id, f"Step {step_id}", verdict, duration, problems)


def _snapshot(*steps: StepSnapshot, versions: tuple[tuple[str, str], ...] = ()) -> Snapshot:
    return Snapshot(datetime.fromisoformat("2025-06-01T02:00:00+00:00"), "✅ Platform Working", 60.0, steps, versions)


def test_new_and_removed_steps_and_components_are_changes_too() -> None:
    before = _snapshot(_step("1.1", "working", 0.5), _step("2.1", "working", 3.0), versions=(("argo-cd", "9.0.0"),))
    now = _snapshot(
        _step("1.1", "working", 1.2),  # 2.4x, over 1 s: slower
        _step("3.1", "failed", 2.0, ("PVC pending",)),  # new and failing: newly failing
        _step("4.1", "not_tested", 0.0),
        versions=(("vcluster", "0.26.0"),),
    )
    changes = compare(before, now)
    assert [(c.kind, c.text) for c in changes.items] == [
        (ChangeKind.NEWLY_FAILING, "3.1 Step 3.1: (not in that run) → ❌ Failed: PVC pending"),
        (ChangeKind.SLOWER, "1.1 Step 1.1: 0.5s → 1.2s (2.4x)"),
        (ChangeKind.VERDICT, "4.1 Step 4.1: (not in that run) → 🔄 Not tested"),
        (ChangeKind.VERDICT, "2.1 Step 2.1: ✅ Working → (not in this run)"),
        (ChangeKind.VERSION, "vcluster: (not in that run) → 0.26.0"),
        (ChangeKind.VERSION, "argo-cd: 9.0.0 → (not in this run)"),
    ]
    assert changes.since == "2025-06-01 02:00:00 UTC"
