"""``--compare`` refuses a results.json whose verdicts or durations no run could have written, in one line
naming the file and the field, instead of comparing with them (a 300-digit "slower" figure)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from oamconf.report.history import SCHEMA, SCHEMA_VERSION, HistoryError, load_previous


def results(step: dict[str, Any], run_duration: Any = 12.5) -> dict[str, Any]:
    sound = {"id": "1.1", "title": "Crossplane Helm Provider", "verdict": "working", "duration_s": 3.2, "problems": []}
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "started": "2025-06-01T02:00:00+00:00",
        "duration_s": run_duration,
        "overall": "✅ Working",
        "bill_of_materials": {"Crossplane": "2.3.4"},
        "phases": [{"number": 1, "steps": [sound, {**sound, "id": "1.2", **step}]}],
    }


def written(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(document), encoding="utf-8")  # json writes inf and nan as Infinity and NaN
    return path


def test_a_sound_file_is_read(tmp_path: Path) -> None:
    assert [s.verdict for s in load_previous(str(written(tmp_path, results({})))).steps] == ["working", "working"]


@pytest.mark.parametrize(
    ("step", "says"),
    [
        pytest.param(
            {"verdict": "splendid"},
            "'phases[0].steps[1].verdict' is 'splendid', want one of working, needs_verification, failed, not_tested",
            id="unknown-verdict",
        ),
        pytest.param({"duration_s": -1e308}, "'phases[0].steps[1].duration_s' is -1e+308, want a duration", id="neg"),
        pytest.param({"duration_s": float("inf")}, "'phases[0].steps[1].duration_s' is inf, want a duration", id="inf"),
        pytest.param({"duration_s": float("nan")}, "'phases[0].steps[1].duration_s' is nan, want a duration", id="nan"),
        pytest.param({"duration_s": 3e9}, "'phases[0].steps[1].duration_s' is 3e+09, want a duration", id="absurd"),
        pytest.param({"duration_s": "3s"}, "'phases[0].steps[1].duration_s' is a str, want a number", id="text"),
    ],
)
def test_a_field_no_run_writes_is_one_line_naming_it(tmp_path: Path, step: dict[str, Any], says: str) -> None:
    written(tmp_path, results(step))

    with pytest.raises(HistoryError) as caught:
        load_previous(str(tmp_path))  # the report directory form: the message names the file

    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'results.json'}: {says}"), message
    assert "\n" not in message
    assert len(message) < 300


def test_the_whole_runs_duration_is_checked_too(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match=r"^'duration_s' is -1, want a duration from 0 to 604800 s"):
        load_previous(str(written(tmp_path, results({}, run_duration=-1))))


def test_a_run_compared_with_a_damaged_file_stops_in_one_line(pytester: pytest.Pytester) -> None:
    path = written(pytester.path, results({"duration_s": -1e308}))
    pytester.makepyfile(test_one="import pytest\n\n@pytest.mark.step('1.1', 'One')\ndef test_one():\n    pass\n")

    result = pytester.runpytest("-p", "no:cacheprovider", "--report-dir", "reports", "--compare", str(path))

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.strip()]
    assert errors == [
        (
            f"ERROR: --compare {path}: 'phases[0].steps[1].duration_s' is -1e+308, "
            "want a duration from 0 to 604800 s: the file is damaged; "
            "pass the results.json an earlier run wrote with --report-dir (or that report directory)"
        )
    ]
