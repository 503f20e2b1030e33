"""An option means one thing: the README's table says what ``--help`` says."""

from __future__ import annotations

from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def test_wait_timeout_is_a_cap_in_help_and_in_the_readme(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("-p", "no:cacheprovider", "--help")
    help_text = " ".join(" ".join(result.outlines).split())
    assert "--wait-timeout=SECONDS cap every wait at SECONDS, also those the profile times" in help_text
    [row] = [line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith("| `--wait-timeout")]
    assert "cap every wait at S seconds, also those the profile times" in row
    assert "default deadline" not in row
