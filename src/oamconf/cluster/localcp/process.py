"""Processes the suite starts, owned like objects: a name, a pid, a log file and a readiness check.

As kwokctl's binary runtime and Argo CD's Procfile setup run a control plane: each component is a child
process with its output in a file of its own. A process runs in a session of its own, so a Ctrl-C in the
terminal reaches the suite alone and teardown ends the processes in order, by pid. Readiness is a check
run through the suite's one wait primitive, and a process that exits while it is awaited fails the wait
at once with its last log lines, instead of a timeout about something else later.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from oamconf.errors import ConformanceError, WaitFailed, WaitTimeout, one_line
from oamconf.k8s.wait import Clock, Observation, WaitPolicy, wait_until

STOP_GRACE: Final = 10.0  # seconds between SIGTERM and SIGKILL
TAIL_LINES: Final = 5
_INTERRUPTS: Final = (signal.SIGINT, signal.SIGTERM)
_ERROR: Final = re.compile(r"error|fatal|panic|failed|not defined|invalid|unknown", re.IGNORECASE)
# A readiness wait polls quickly: components come up in a second or two, and start-up is what a user waits for.
READY_POLICY: Final = WaitPolicy(first_interval=0.05, max_interval=0.5)


def _readable(line: str) -> str:
    """A log line as a person reads it: etcd's and kwok's JSON lines as ``level msg: error``."""
    line = line.strip()
    if not line.startswith("{"):
        return line
    try:
        entry = json.loads(line)
    except ValueError:
        return line
    if not isinstance(entry, dict) or "msg" not in entry:
        return line
    detail = entry.get("error") or entry.get("err")  # etcd's key, kwok's key
    error = f": {detail}" if detail else ""
    return f"{entry.get('level', '')} {entry['msg']}{error}".strip()


class ProcessDied(ConformanceError):
    """A process the suite started exited while it was needed; the message ends with its last log lines."""

    def __init__(self, message: str, *, name: str, log: Path, tail: str) -> None:
        super().__init__(message)
        self.name = name
        self.log = log
        self.tail = tail


@dataclass
class OwnedProcess:
    """One started process. ``ready`` is its readiness check (``Observation.pending`` until it serves)."""

    name: str
    argv: tuple[str, ...]
    log: Path
    ready: Callable[[], Observation]
    _popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        if self._popen is None:
            raise ConformanceError(f"{self.name} was not started")
        return self._popen.pid

    def exit_code(self) -> int | None:
        """``None`` while it runs."""
        return None if self._popen is None else self._popen.poll()

    def tail(self, lines: int = TAIL_LINES) -> str:
        """Its last non-empty log lines, joined on one line by `` | ``; when none of them says what went wrong
        (a usage text printed after the error), the last line that does comes first."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        every = [_readable(line) for line in text.splitlines() if line.strip()]
        kept = every[-lines:]
        if not any(_ERROR.search(line) for line in kept):
            kept = [line for line in every if _ERROR.search(line)][-1:] + kept
        return " | ".join(kept) or "(empty log)"

    def died(self) -> ProcessDied | None:
        """The error to raise when it has exited, else ``None``."""
        code = self.exit_code()
        if code is None:
            return None
        tail = self.tail()
        message = f"{self.name} (pid {self.pid}) exited with code {code}; last log lines: {one_line(tail, 600)}"
        return ProcessDied(f"{message} (log: {self.log})", name=self.name, log=self.log, tail=tail)


def start(
    name: str,
    argv: Sequence[str | Path],
    *,
    log: Path,
    ready: Callable[[], Observation],
    env: Mapping[str, str] | None = None,
) -> OwnedProcess:
    """Start *argv* with its output appended to *log*; the process is its own session leader."""
    words = tuple(str(word) for word in argv)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        popen = subprocess.Popen(  # noqa: S603 - an argument list of our own, no shell
            words,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    return OwnedProcess(name, words, log, ready, popen)


def await_ready(process: OwnedProcess, *, timeout: float, clock: Clock | None = None) -> Observation:
    """Wait until *process* passes its readiness check.

    Raises:
        ProcessDied: it exited first (its last log lines in the message).
        ConformanceError: it did not become ready in *timeout* seconds (the last check's message, its log).
    """

    def check() -> Observation:
        died = process.died()
        return Observation.failed(str(died)) if died else process.ready()

    try:
        return wait_until(check, subject=f"{process.name} ready", timeout=timeout, policy=READY_POLICY, clock=clock)
    except WaitFailed as err:
        raise process.died() or ConformanceError(str(err)) from err
    except WaitTimeout as err:
        raise ConformanceError(f"{err}; last log lines: {one_line(process.tail(), 600)} (log: {process.log})") from err


def stop(process: OwnedProcess, *, grace: float = STOP_GRACE) -> str | None:
    """End *process* by its pid: SIGTERM, then SIGKILL after *grace* seconds. ``None`` when it is gone,
    else one line saying it did not stop."""
    if process.exit_code() is not None:  # exited, and reaped by poll()
        return None
    popen = process._popen  # noqa: SLF001 - the module that started it ends it
    if popen is None:
        return None
    for sig, allowed in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.kill(popen.pid, sig)
        except ProcessLookupError:
            return None
        try:
            popen.wait(timeout=allowed)
        except subprocess.TimeoutExpired:
            continue
        return None
    return f"{process.name} (pid {popen.pid}) did not stop after SIGTERM and SIGKILL"


def stop_all(processes: Sequence[OwnedProcess], *, grace: float = STOP_GRACE) -> list[str]:
    """Stop *processes* in reverse start order; the lines of those that did not stop. A second Ctrl-C (or the
    SIGTERM a wrapper such as ``timeout`` forwards) while this runs is held back until every one is stopped:
    interrupting a teardown is what leaves processes running."""
    with _interrupts_held() as held:
        left = [line for process in reversed(processes) if (line := stop(process, grace=grace)) is not None]
    if held:
        raise KeyboardInterrupt
    return left


@contextlib.contextmanager
def _interrupts_held() -> Iterator[list[int]]:
    """SIGINT and SIGTERM recorded, not acted on, for the block (only the main thread can set handlers)."""
    held: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    previous = {sig: signal.signal(sig, lambda signum, _frame: held.append(signum)) for sig in _INTERRUPTS}
    try:
        yield held
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def memory_kib(processes: Iterable[OwnedProcess]) -> tuple[int, int]:
    """(now, peak) resident memory of *processes* in KiB: the sums of their VmRSS and VmHWM."""
    now = peak = 0
    for process in processes:
        status = _proc_status(process.pid)
        now, peak = now + status.get("VmRSS", 0), peak + status.get("VmHWM", 0)
    return now, peak


def _proc_status(pid: int) -> dict[str, int]:
    """The kB fields of ``/proc/<pid>/status`` (empty once the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return {}
    fields: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if value.strip().endswith("kB"):
            fields[key] = int(value.split()[0])
    return fields
