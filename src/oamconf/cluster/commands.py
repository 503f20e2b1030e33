"""Running the bootstrap's command-line tools (kind, helm, kubectl, docker).

Argument lists only, never a shell. A failure becomes ``CommandFailed`` whose one-line message
names the command and ends with the tool's own last error line (redacted), as e2e-framework's
kind provider puts the command output into its error.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from oamconf.errors import ConformanceError, UsageError
from oamconf.redact import Redactor


class CommandFailed(ConformanceError):
    """A tool exited non-zero or ran past its timeout."""

    def __init__(self, argv: Sequence[str], message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.argv = list(argv)
        self.stderr = stderr


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    stdout: str
    stderr: str


def display(argv: Sequence[str | Path]) -> str:
    """``/cache/kind create cluster --name x`` -> ``kind create cluster --name x`` for messages."""
    return " ".join([Path(str(argv[0])).name, *map(str, argv[1:])])


def run(
    argv: Sequence[str | Path],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    redactor: Redactor | None = None,
) -> Completed:
    """Run *argv*; return its output, or raise ``CommandFailed`` with the command and its last error line.

    Parameters:
        argv: the executable (name on PATH, or a path) and its arguments.
        timeout: seconds before the process is killed and ``CommandFailed`` raised.
        env: extra environment variables, added to this process's environment.
        stdin: text sent on standard input (how secrets reach a tool without a command line).
        redactor: masks secrets in the error message.

    Raises:
        UsageError: the executable does not exist.
        CommandFailed: non-zero exit or timeout.
    """
    words = [str(a) for a in argv]
    clean = redactor.redact if redactor else (lambda text: text)
    if shutil.which(words[0]) is None:
        raise UsageError(f"{words[0]} not found: install it or put it on PATH")
    try:
        proc = subprocess.run(  # noqa: S603 - an argument list from the suite's own code, no shell
            words,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise CommandFailed(words, f"`{clean(display(words))}` did not finish within {timeout:.0f}s") from err
    if proc.returncode != 0:
        last = last_line(proc.stderr) or last_line(proc.stdout) or "no output"
        message = f"`{display(words)}` failed (exit {proc.returncode}): {last}"
        raise CommandFailed(words, clean(message), clean(proc.stderr))
    return Completed(tuple(words), proc.stdout, proc.stderr)


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """The tools started in the block see *values* in their environment (``KUBECACHEDIR``: where kubectl and helm
    keep their discovery cache); as before afterwards."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
