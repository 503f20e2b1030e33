"""The step modules and the noxfile are formatted like the rest: no line opts out of the formatter."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_step_module_or_the_noxfile_opts_out_of_formatting() -> None:
    files = [*sorted((ROOT / "tests").rglob("*.py")), ROOT / "noxfile.py"]
    skipped = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "fmt: skip" in line or "fmt: off" in line
    ]
    assert skipped == []
