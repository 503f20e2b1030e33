"""A run that ends early says so truthfully: Ctrl-C, ``-x``/``--maxfail``, or Ctrl-C while reporting.

pytest stops at once on Ctrl-C and tears the session fixtures down in its own ``sessionfinish``,
after every reporter has written. The report would then drop the cleanup, leave out the steps
that never ran, and could call a phase passed whose last steps never started. So here, before
any report is built: the session fixtures are torn down (the run's objects deleted, the cleanup
recorded), every step that did not finish is *Not tested (interrupted)* with where the run
stopped, and pytest's Ctrl-C traceback becomes one line (its ``--full-trace`` form prints every
local, unredacted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from oamconf.steps.context import display_name, record_of, run_of
from oamconf.steps.outcomes import Outcome, TestOutcome


def started(item: pytest.Item) -> None:
    """Remember the test that runs now: a Ctrl-C names its step."""
    run_of(item.config).current = item


def finished(item: pytest.Item) -> None:
    run = run_of(item.config)
    run.current, run.last = None, item


def where_stopped(session: pytest.Session) -> str | None:
    """Why the run ended before its last step, in words; ``None`` when it did not."""
    run = run_of(session.config)
    if session.shouldfail:  # -x / --maxfail: pytest says "stopping after 1 failures"
        return f"stopped by -x/--maxfail ({session.shouldfail}) after {_step_of(run.last)}"
    if run.current is not None:
        return f"interrupted during {_step_of(run.current)}"
    if run.last is None:
        return "interrupted before the first step"
    return f"interrupted after {_step_of(run.last)}"


def conclude(session: pytest.Session, *, interrupted: bool) -> None:
    """Record why the run ended early: clean up first, then mark each unfinished step Not tested.

    Parameters:
        interrupted: pytest's exit status says Ctrl-C (the session fixtures are still up).
    """
    run = run_of(session.config)
    if not (interrupted or session.shouldfail):
        return
    where = where_stopped(session)
    if where is None or not run.ledger.specs:  # a run without steps (the self-tests) keeps pytest's own output
        return
    run.stopped = where
    run.info.fact("Run stopped", where)
    if interrupted:
        _clean_up(session)
        _one_line(session.config, where)
    for item in session.items:
        record = record_of(item)
        if record.spec is not None and record.outcome is None:
            record.outcome = TestOutcome(
                item.nodeid, display_name(item), Outcome.INTERRUPTED, f"Not tested (interrupted): the run was {where}"
            )
            run.ledger.record(record.spec.id, record.outcome)


def _step_of(item: pytest.Item | None) -> str:
    if item is None:
        return "the first step"
    spec = record_of(item).spec
    return f"step {spec.id} {spec.title}" if spec is not None else f"test {item.nodeid}"


def _clean_up(session: pytest.Session) -> None:
    """Tear the session fixtures down now (the cleanup, the cluster), so the reports include them.

    pytest would do it after the reporters: ``teardown_exact(None)`` is its own call, and a second
    call finds nothing left. A failure, or a second Ctrl-C, is recorded instead of raised.
    """
    info = run_of(session.config).info
    try:
        session._setupstate.teardown_exact(None)  # noqa: SLF001 - pytest has no public session teardown
    except KeyboardInterrupt:
        info.fact("Cleanup", "interrupted by a second Ctrl-C: objects this run created may be left")
    except Exception as err:  # noqa: BLE001 - any teardown error is reported, the reports still get written
        info.fact("Cleanup", f"failed: {run_of(session.config).redactor.redact(str(err))}")


@dataclass(frozen=True)
class _Crash:
    message: str


@dataclass(frozen=True)
class _OneLine:
    """What pytest's terminal prints for a Ctrl-C: only ``reprcrash.message``, as one ``!!!`` line."""

    reprcrash: _Crash


def _one_line(config: pytest.Config, where: str) -> None:
    terminal: Any = config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None and getattr(terminal, "_keyboardinterrupt_memo", None) is not None:
        # The memo is pytest's private record of the Ctrl-C; a message without "KeyboardInterrupt" prints alone.
        terminal._keyboardinterrupt_memo = _OneLine(_Crash(f"{where}: unfinished steps are Not tested"))  # noqa: SLF001
