"""The one wait primitive: run a check until it succeeds, fails, or the deadline passes.

A check returns an ``Observation`` with three states, as Argo CD's e2e expectations do:
``PENDING`` (keep polling), ``SUCCEEDED`` (done) and ``FAILED`` (stop at once: waiting cannot
help). On timeout ``WaitTimeout`` carries the last observation, so the report says what the
object looked like, not just that time ran out.

Between two checks the wait sleeps a growing interval, or hands the pause to a ``Pause`` that
returns as soon as the next check is worth making (``expect`` watches the object it waits on).

This module is the only place in the suite that sleeps; tests pass a fake ``Clock``.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

import tenacity

from oamconf.errors import AccessDenied, ApiError, WaitFailed, WaitTimeout

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Final = 300.0
FIRST_INTERVAL: Final = 0.2
MAX_INTERVAL: Final = 5.0


class State(enum.Enum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class Observation:
    """What one poll saw. The message says what was wanted and what is: ``want X, is Y``."""

    state: State
    message: str

    @classmethod
    def pending(cls, message: str) -> Observation:
        return cls(State.PENDING, message)

    @classmethod
    def succeeded(cls, message: str) -> Observation:
        return cls(State.SUCCEEDED, message)

    @classmethod
    def failed(cls, message: str) -> Observation:
        return cls(State.FAILED, message)

    @classmethod
    def simple(cls, ok: bool, message: str) -> Observation:  # noqa: FBT001 - mirrors argo-cd's simple()
        return cls(State.SUCCEEDED if ok else State.PENDING, message)


Check = Callable[[], Observation]


class Clock(Protocol):
    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...

    @property
    def simulated(self) -> bool:
        """True when its seconds are not real ones: a timeout then says so, not "waited 300s" alone."""


class SystemClock:
    """Real time. The suite's only ``time.sleep``."""

    simulated = False

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class FakeClock:
    """Virtual time for self-tests and offline scenario runs: ``sleep`` advances, nothing waits.

    ``sleeps`` records every requested sleep, so tests can assert the backoff.
    """

    simulated = True

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Pause(Protocol):
    def __call__(self, interval: float, left: float) -> None:
        """Wait before the next check, at most *left* seconds; *interval* (never more than *left*) is what
        a poll would sleep, for when there is nothing better to wait for. The clock measures the pause."""


@dataclass(frozen=True)
class WaitPolicy:
    """How long waits may take.

    ``timeout`` is the deadline of a wait that names none; ``cap``, when set (``--wait-timeout``),
    bounds every wait, also those with their own deadline from the profile, so a user can make a
    whole run fail fast.
    """

    timeout: float = DEFAULT_TIMEOUT
    first_interval: float = FIRST_INTERVAL
    max_interval: float = MAX_INTERVAL
    cap: float | None = None


def guarded(check: Check) -> Check:
    """Turn API errors into observations: 401/403 fail at once, anything else is worth retrying."""

    def run() -> Observation:
        try:
            return check()
        except AccessDenied as err:
            return Observation.failed(f"access denied ({err}); check the kubeconfig's credentials and RBAC")
        except ApiError as err:
            return Observation.pending(f"API error: {err}")

    return run


def wait_until(
    check: Check,
    *,
    subject: str,
    timeout: float | None = None,
    policy: WaitPolicy | None = None,
    clock: Clock | None = None,
    pause: Pause | None = None,
) -> Observation:
    """Run *check* until it succeeds; return the succeeding observation.

    Parameters:
        check: returns an ``Observation``; ``ApiError``s it raises are mapped by ``guarded``.
        subject: names what is waited for in errors, e.g. ``"Release test-db-postgresql"``.
        timeout: seconds; defaults to the policy's timeout.
        policy: intervals and default timeout.
        clock: time source; the self-tests pass a fake one.
        pause: waits between checks instead of ``clock.sleep`` (a watch); it must use *clock*.

    Raises:
        WaitFailed: the check returned ``FAILED``; raised on that poll, without waiting further.
        WaitTimeout: the deadline passed; carries the last observation's message, and says
            "simulated" when *clock* is (an offline scenario run).
    """
    policy = policy or WaitPolicy()
    clock = clock or SystemClock()
    deadline_after = policy.timeout if timeout is None else timeout
    if policy.cap is not None:
        deadline_after = min(deadline_after, policy.cap)
    started = clock.monotonic()
    backoff = tenacity.wait_exponential(multiplier=policy.first_interval, max=policy.max_interval)

    def remaining() -> float:
        return deadline_after - (clock.monotonic() - started)

    def next_sleep(state: tenacity.RetryCallState) -> float:
        # Never sleep past the deadline: the last poll happens at the deadline, not after it.
        return max(0.0, min(backoff(state), remaining()))

    def log_pending(state: tenacity.RetryCallState) -> None:
        if state.outcome is not None and not state.outcome.failed:
            log.debug("pending: %s: %s", subject, state.outcome.result().message)

    def sleep(seconds: float) -> None:
        if pause is None:
            clock.sleep(seconds)
        else:
            pause(seconds, remaining())

    retrying = tenacity.Retrying(
        sleep=sleep,
        stop=lambda _state: remaining() <= 0,
        wait=next_sleep,
        retry=tenacity.retry_if_result(lambda obs: obs.state is State.PENDING),
        before_sleep=log_pending,
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        reraise=True,
    )
    last: Observation | None = retrying(guarded(check))
    if last is None or last.state is State.PENDING:
        message = last.message if last else "no observation"
        raise WaitTimeout(subject, message, clock.monotonic() - started, simulated=clock.simulated)
    if last.state is State.FAILED:
        raise WaitFailed(subject, last.message)
    return last
