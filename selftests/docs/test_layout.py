"""The conformance steps live where the design card puts them, so a reader finds a step from its number."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The design card (style.md, "One module per report step"): one folder per phase of the reference report.
PHASE_FOLDERS = ("phase1_foundation", "phase2_vcluster", "phase3_oam", "phase4_argocd", "phase5_e2e")


def test_each_phase_has_the_folder_the_design_names() -> None:
    found = sorted(p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and p.name.startswith("phase"))
    assert found == list(PHASE_FOLDERS)


def test_each_step_module_sits_in_the_folder_of_its_phase() -> None:
    for module in (ROOT / "tests").glob("phase*/test_*.py"):
        phase = module.parent.name[len("phase")]
        assert module.name.startswith(f"test_{phase}"), f"{module.relative_to(ROOT)} is not a phase-{phase} step"
