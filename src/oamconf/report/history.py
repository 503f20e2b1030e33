"""``results.json``: a run's results for machines, and an earlier run's read back for ``--compare``.

One file per run in the report directory, beside ``report.md``: the overall status, each phase
and step with its verdict and duration, the first line of each failure, hints and warnings, the
run header and the bill of materials. The schema's keys come in a fixed order, and the header and
the bill of materials are sorted by name, so two runs' files diff cleanly. Every text is redacted
before it is serialised (a secret with a quote in it would be JSON-escaped, out of the
redactor's sight), and the writer's final scrub goes over the file once more.

Reading is strict: a file that is not this schema, or not this version of it, is refused with
one line, because a comparison against half-understood data would report changes that are not.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TypeVar

from oamconf.redact import Redactor
from oamconf.report.model import RunResult, StepResult
from oamconf.steps.outcomes import StepVerdict

SCHEMA: Final = "oamconf-results"
SCHEMA_VERSION: Final = 1  # raise it when a key changes meaning or goes away; adding keys is fine
RESULTS_FILE: Final = "results.json"
_AGAIN: Final = "pass the results.json an earlier run wrote with --report-dir (or that report directory)"
# No run of this suite lasts a week (every wait is capped at 2 h, and there are a few dozen): a longer
# duration, like a negative or infinite one, is damage, and a comparison with it would be nonsense.
_LONGEST_S: Final = 7 * 24 * 3600.0
_VERDICTS: Final = tuple(verdict.name.lower() for verdict in StepVerdict)

_T = TypeVar("_T")


class HistoryError(Exception):
    """An earlier run's results cannot be used; the message says what is wrong and what to pass."""


def results_document(run: RunResult, redact: Callable[[str], str]) -> dict[str, Any]:
    """The run as JSON-ready data, every text passed through *redact*."""
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "title": redact(run.title),
        "started": run.started.astimezone(UTC).isoformat(timespec="seconds"),
        "duration_s": _seconds(run.duration),
        "status": run.status.value,
        "overall": redact(run.overall),
        "header": {k: redact(v) for k, v in sorted(run.header)},
        "bill_of_materials": {k: redact(v) for k, v in sorted(run.bill_of_materials)},
        "phases": [
            {
                "number": phase.number,
                "title": redact(phase.title),
                "verdict": phase.verdict.name.lower(),
                "duration_s": _seconds(phase.duration),
                "steps": [_step(step, redact) for step in phase.steps],
            }
            for phase in run.phases
        ],
    }


def _step(step: StepResult, redact: Callable[[str], str]) -> dict[str, Any]:
    untested = step.verdict is StepVerdict.NOT_TESTED
    return {
        "id": step.id,
        "title": redact(step.title),
        "verdict": step.verdict.name.lower(),
        "duration_s": _seconds(step.duration),
        "problems": [redact(line) for line in step.problems] if step.failures else [],
        "not_tested_because": redact(step.problem or "no test of this step ran") if untested else "",
        "hints": [{"cause": redact(h.cause), "fix": redact(h.fix)} for h in step.hints],
        "warnings": [redact(line) for line in step.warnings],
    }


def _seconds(value: float) -> float:
    return round(value, 3)


def write_results(run: RunResult, directory: Path, redactor: Redactor) -> dict[str, Any]:
    """Write ``results.json`` into *directory* and return the document it holds."""
    document = results_document(run, redactor.redact)
    text = json.dumps(document, indent=2, ensure_ascii=False)
    (directory / RESULTS_FILE).write_text(text + "\n", encoding="utf-8")
    return document


@dataclass(frozen=True)
class StepSnapshot:
    """One step as a results file has it."""

    id: str
    title: str
    verdict: str  # a StepVerdict's name in lower case: "working", "needs_verification", ...
    duration: float
    problems: tuple[str, ...]

    @property
    def label(self) -> str:
        """The verdict as the reports print it (the keyword itself if this suite does not know it)."""
        known = StepVerdict.__members__.get(self.verdict.upper())
        return known.label if known is not None else self.verdict

    @property
    def ran(self) -> bool:
        return self.verdict != StepVerdict.NOT_TESTED.name.lower()


@dataclass(frozen=True)
class Snapshot:
    """A run as a results file has it: what ``--compare`` compares, on both sides."""

    started: datetime
    overall: str
    duration: float
    steps: tuple[StepSnapshot, ...]
    bill_of_materials: tuple[tuple[str, str], ...]

    @property
    def started_text(self) -> str:
        return f"{self.started:%Y-%m-%d %H:%M:%S} UTC"


def snapshot(document: Any, prefix: str = "") -> Snapshot:
    """Read a results document.

    Raises:
        HistoryError: the first thing that is not as this suite writes it (*prefix* goes first).
    """
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise HistoryError(f'{prefix}not a results file of this suite (no "schema": "{SCHEMA}"): {_AGAIN}')
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        raise HistoryError(
            f"{prefix}results schema version {version!r}, this suite reads version {SCHEMA_VERSION}: "
            "compare with a run of a suite version that writes it"
        )
    read = _Reader(prefix)
    started_text = read.field(document, "started", str)
    try:
        started = datetime.fromisoformat(started_text).astimezone(UTC)
    except ValueError:
        raise read.damaged("started", f"{started_text!r}", "an ISO 8601 time") from None
    steps = [
        _step_snapshot(read, step, f"phases[{p}].steps[{i}]")
        for p, phase in enumerate(read.objects(document, "phases"))
        for i, step in enumerate(read.objects(phase, "steps", f"phases[{p}]"))
    ]
    versions = read.field(document, "bill_of_materials", dict)
    if not all(isinstance(v, str) for v in versions.values()):
        raise read.damaged("bill_of_materials", "an object with a non-text version", "component -> version texts")
    return Snapshot(
        started=started,
        overall=read.field(document, "overall", str),
        duration=read.duration(document, "duration_s"),
        steps=tuple(steps),
        bill_of_materials=tuple(versions.items()),
    )


def _step_snapshot(read: _Reader, step: Mapping[str, Any], at: str) -> StepSnapshot:
    verdict = read.field(step, "verdict", str, at)
    if verdict not in _VERDICTS:
        raise read.damaged(f"{at}.verdict", repr(verdict), f"one of {', '.join(_VERDICTS)}")
    return StepSnapshot(
        id=read.field(step, "id", str, at),
        title=read.field(step, "title", str, at),
        verdict=verdict,
        duration=read.duration(step, "duration_s", at),
        problems=tuple(read.strings(step, "problems", at)),
    )


class _Reader:
    """Typed access to a parsed document, with errors that name the field by its path (``phases[0].steps[1].id``)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def damaged(self, key: str, found: str, want: str) -> HistoryError:
        return HistoryError(f"{self.prefix}{key!r} is {found}, want {want}: the file is damaged; {_AGAIN}")

    def field(self, obj: Mapping[str, Any], key: str, kind: type[_T], at: str = "") -> _T:
        value = obj.get(key)
        if not isinstance(value, kind):
            raise self.damaged(_path(at, key), _kind_of(value), f"a {kind.__name__}")
        return value

    def duration(self, obj: Mapping[str, Any], key: str, at: str = "") -> float:
        """Seconds: a finite number from 0 to a week (JSON as Python reads it also has Infinity and NaN)."""
        value = obj.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.damaged(_path(at, key), _kind_of(value), "a number of seconds")
        if not (math.isfinite(value) and 0 <= value <= _LONGEST_S):
            raise self.damaged(_path(at, key), f"{value:.4g}", f"a duration from 0 to {_LONGEST_S:.0f} s")
        return float(value)

    def strings(self, obj: Mapping[str, Any], key: str, at: str = "") -> list[str]:
        values = self.field(obj, key, list, at)
        if not all(isinstance(v, str) for v in values):
            raise self.damaged(_path(at, key), "a list with a non-text entry", "a list of texts")
        return values

    def objects(self, obj: Mapping[str, Any], key: str, at: str = "") -> list[dict[str, Any]]:
        values = self.field(obj, key, list, at)
        if not all(isinstance(v, dict) for v in values):
            raise self.damaged(_path(at, key), "a list with a non-object entry", "a list of objects")
        return values


def _path(at: str, key: str) -> str:
    return f"{at}.{key}" if at else key


def _kind_of(value: object) -> str:
    return "missing" if value is None else f"a {type(value).__name__}"


def load_previous(argument: str) -> Snapshot:
    """The earlier run named by ``--compare``: its results.json, or a directory that holds one.

    Raises:
        HistoryError: the path is missing, unreadable, not JSON, or not this results schema.
    """
    path, prefix = Path(argument), ""  # the messages follow "--compare ARGUMENT: "
    if path.is_dir():
        path /= RESULTS_FILE
        prefix = f"{path}: "
        if not path.is_file():
            raise HistoryError(f"no {RESULTS_FILE} in that directory: {_AGAIN}")
    elif not path.exists():
        raise HistoryError(f"no such file or directory: {_AGAIN}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise HistoryError(f"{prefix}not UTF-8 text: {_AGAIN}") from None
    except OSError as err:
        raise HistoryError(f"{prefix}cannot read it ({err.strerror or type(err).__name__}): {_AGAIN}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise HistoryError(f"{prefix}not JSON ({err.msg} at line {err.lineno}): {_AGAIN}") from None
    return snapshot(document, prefix)
