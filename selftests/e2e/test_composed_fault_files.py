"""A fault file composed onto the healthy folder takes effect, as the README's "one more file" promises:
the later file overrides the earlier ones and the run header says what it replaced; two files that create
the same object without one overriding the other stop the run with one line naming both."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from offline import HEALTHY, SCENARIOS, run_phases, step_section, verdicts

STUCK = SCENARIOS / "release-stuck-pending.yaml"
RELEASE = "conformance-test-postgres-only-test-db"


def test_a_fault_file_after_the_healthy_folder_fails_the_step_it_breaks(pytester: pytest.Pytester) -> None:
    result, md = run_phases(pytester, HEALTHY, STUCK)
    assert verdicts(md)["3.1"] == "❌ Failed", verdicts(md)
    assert "pending-install" in step_section(md, "3.1")
    assert result.ret != 0


def test_the_run_header_names_what_the_fault_file_replaced(pytester: pytest.Pytester) -> None:
    _, md = run_phases(pytester, HEALTHY, STUCK, args=("-k", "phase1"))
    header = md[: md.index("## ", md.index("## Run") + 1)]
    assert "Scenario overrides" in header
    assert (
        "scenarios/release-stuck-pending.yaml overrides healthy/phase3-databases.yaml: "
        "the reactions to applying Application conformance/test-postgres-only"
    ) in header


def test_two_files_creating_one_object_stop_the_run_in_one_line_naming_both(pytester: pytest.Pytester) -> None:
    # The Release seeded as stuck, but the healthy reaction that creates it on apply is not overridden.
    release = next(o for o in yaml.safe_load(STUCK.read_text(encoding="utf-8"))["objects"] if o["kind"] == "Release")
    clash = Path(pytester.path / "faults" / "release-seeded.yaml")
    clash.parent.mkdir()
    clash.write_text(yaml.safe_dump({"name": "release-seeded", "objects": [release]}), encoding="utf-8")
    result, _ = run_phases(pytester, HEALTHY, clash)
    assert result.ret != 0
    errors = [line for line in result.stderr.lines if line.startswith("ERROR")]
    assert len(errors) == 1, result.stderr.str()
    (line,) = errors
    assert "healthy/phase3-databases.yaml" in line
    assert "faults/release-seeded.yaml" in line
    assert f"scenario conflict on Release {RELEASE}:" in line  # a Release is cluster-scoped
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_a_release_stuck_in_3_1_is_walked_back_to_the_waiting_workflow_step(pytester: pytest.Pytester) -> None:
    _, md = run_phases(pytester, HEALTHY, STUCK, args=("-k", "phase1 or phase2 or phase3"))
    section = step_section(md, "3.1")
    page = (pytester.path / "reports" / "report.html").read_text(encoding="utf-8")
    for shown in (
        "Application conformance/test-postgres-only: runningWorkflow",  # the OAM Application behind the Release
        "step test-db (apply-component): running (Wait: wait healthy)",  # and the workflow step that waits on it
    ):
        assert shown in section, section
        assert shown in page
