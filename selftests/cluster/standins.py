"""Stand-in executables for bootstrap tests: real processes that record how they were run.

A stand-in is a small Python script put first on PATH. It appends its argv (and chosen
environment variables) as one JSON line to a log, then behaves as its *body* says. Tests assert
on the recorded calls, so they check the real argument lists the suite builds, not a mock's.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

_PRELUDE = """\
#!{python}
import json, os, sys
with open({log!r}, "a", encoding="utf-8") as _log:
    _log.write(json.dumps({{"argv": sys.argv[1:], "env": {{k: os.environ.get(k) for k in {env!r}}}}}) + "\\n")
"""


@dataclass(frozen=True)
class Standin:
    path: Path
    log: Path

    def calls(self) -> list[list[str]]:
        """Every recorded argv (without the program name), oldest first."""
        if not self.log.exists():
            return []
        return [json.loads(line)["argv"] for line in self.log.read_text(encoding="utf-8").splitlines()]

    def envs(self) -> list[dict[str, str | None]]:
        if not self.log.exists():
            return []
        return [json.loads(line)["env"] for line in self.log.read_text(encoding="utf-8").splitlines()]


def write_standin(bin_dir: Path, name: str, body: str, *, env: tuple[str, ...] = ()) -> Standin:
    """Write an executable *name* into *bin_dir*: it records its call, then runs *body* (Python)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    log = bin_dir / f"{name}.calls.jsonl"
    script = _PRELUDE.format(python=sys.executable, log=str(log), env=env) + textwrap.dedent(body)
    path = bin_dir / name
    path.write_text(script, encoding="utf-8")
    path.chmod(0o755)
    return Standin(path, log)


def put_first_on_path(monkeypatch: pytest.MonkeyPatch, bin_dir: Path, *, only: bool = False) -> None:
    """Make *bin_dir* win PATH lookups; with *only*, hide everything else (e.g. a real docker)."""
    rest = "" if only else os.pathsep + os.environ.get("PATH", "")
    monkeypatch.setenv("PATH", f"{bin_dir}{rest}")
