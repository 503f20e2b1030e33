"""The one wait primitive: bounded, tri-state, and it says what it last saw."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from oamconf.errors import AccessDenied, ApiError, ClusterUnreachable, WaitFailed, WaitTimeout
from oamconf.k8s.wait import Check, FakeClock, Observation, SystemClock, WaitPolicy, wait_until


def scripted(*observations: Observation | Exception) -> tuple[Check, list[int]]:
    """A check that returns (or raises) the given items in turn, repeating the last; counts polls."""
    polls: list[int] = []
    items: Iterator[Observation | Exception] = iter(observations)
    last: list[Observation | Exception] = [observations[-1]]

    def check() -> Observation:
        polls.append(1)
        item = next(items, last[0])
        if isinstance(item, Exception):
            raise item
        return item

    return check, polls


def test_a_check_that_succeeds_at_once_is_polled_once_without_sleeping() -> None:
    clock = FakeClock()
    check, polls = scripted(Observation.succeeded("Ready=True"))
    seen = wait_until(check, subject="Release db", clock=clock)
    assert seen.message == "Ready=True"
    assert (len(polls), clock.sleeps) == (1, [])


def test_pending_observations_are_polled_with_growing_capped_intervals() -> None:
    clock = FakeClock()
    check, polls = scripted(*[Observation.pending("want Ready=True, is Ready=False")] * 8, Observation.succeeded("ok"))
    wait_until(check, subject="Release db", clock=clock, policy=WaitPolicy(first_interval=0.5, max_interval=2.0))
    assert len(polls) == 9
    assert clock.sleeps == sorted(clock.sleeps)
    assert clock.sleeps[0] == 0.5
    assert max(clock.sleeps) == 2.0


def test_a_failed_observation_stops_the_wait_at_once() -> None:
    clock = FakeClock()
    check, polls = scripted(
        Observation.pending("want Synced, is Progressing"), Observation.failed("operation phase Failed")
    )
    with pytest.raises(WaitFailed, match=r"^Application podinfo: operation phase Failed$"):
        wait_until(check, subject="Application podinfo", clock=clock, timeout=600)
    assert len(polls) == 2
    assert clock.now < 1


def test_a_timeout_names_the_object_what_was_wanted_and_the_last_state() -> None:
    clock = FakeClock()
    states = [Observation.pending(f"want Ready=True, is Ready=False reason=Unavailable poll={n}") for n in range(500)]
    check, _ = scripted(*states)
    with pytest.raises(WaitTimeout) as caught:
        wait_until(check, subject="Release test-db-postgresql", clock=clock, timeout=300)
    err = caught.value
    assert str(err).startswith("Release test-db-postgresql: want Ready=True, is Ready=False reason=Unavailable poll=")
    assert str(err).endswith("(waited 300s, simulated)")  # a fake clock's seconds are not real ones
    assert err.waited == 300  # the last poll happens at the deadline, not after it


def test_a_timeout_in_real_time_does_not_say_simulated() -> None:
    check, polls = scripted(Observation.pending("want Ready=True, is Ready=False"))
    with pytest.raises(WaitTimeout) as caught:
        wait_until(check, subject="Release db", clock=SystemClock(), timeout=0.05)
    assert str(caught.value) == "Release db: want Ready=True, is Ready=False (waited 0s)"
    assert len(polls) >= 2  # it really polled again after sleeping


def test_the_policy_timeout_applies_when_the_wait_names_none() -> None:
    clock = FakeClock()
    check, _ = scripted(Observation.pending("not yet"))
    with pytest.raises(WaitTimeout, match=r"\(waited 42s, simulated\)$"):
        wait_until(check, subject="x", clock=clock, policy=WaitPolicy(timeout=42))


def test_not_found_and_server_errors_are_worth_waiting_for() -> None:
    clock = FakeClock()
    check, polls = scripted(
        ApiError(500, "InternalError", "etcdserver: request timed out"),
        ClusterUnreachable("connection refused by https://127.0.0.1:6443"),
        Observation.succeeded("Ready=True"),
    )
    assert wait_until(check, subject="Release db", clock=clock).message == "Ready=True"
    assert len(polls) == 3


def test_the_last_api_error_is_reported_on_timeout() -> None:
    check, _ = scripted(ClusterUnreachable("connection refused by https://127.0.0.1:6443"))
    with pytest.raises(WaitTimeout, match=r"API error: Unreachable: connection refused by https://127.0.0.1:6443"):
        wait_until(check, subject="Release db", clock=FakeClock(), timeout=10)


def test_access_denied_fails_at_once_with_a_hint() -> None:
    clock = FakeClock()
    check, polls = scripted(AccessDenied(403, "Forbidden", 'releases.helm.crossplane.io is forbidden: User "ci"'))
    with pytest.raises(WaitFailed, match=r"access denied .*forbidden.*check the kubeconfig's credentials and RBAC"):
        wait_until(check, subject="Release db", clock=clock)
    assert (len(polls), clock.sleeps) == (1, [])


def test_other_exceptions_are_bugs_and_propagate() -> None:
    check, _ = scripted(KeyError("status"))
    with pytest.raises(KeyError):
        wait_until(check, subject="x", clock=FakeClock())


def test_a_cap_bounds_even_a_wait_with_its_own_deadline() -> None:
    check, _ = scripted(Observation.pending("want Healthy=True, is Healthy=False"))
    with pytest.raises(WaitTimeout, match=r"\(waited 42s, simulated\)$"):
        wait_until(check, subject="Provider provider-helm", clock=FakeClock(), timeout=300, policy=WaitPolicy(cap=42))


def test_a_pause_replaces_the_sleep_and_is_told_the_interval_and_the_time_left() -> None:
    clock = FakeClock()
    told: list[tuple[float, float]] = []

    def pause(interval: float, left: float) -> None:  # a change arrives 1 s into every pause
        told.append((interval, left))
        clock.sleep(1.0)

    check, polls = scripted(*[Observation.pending("not yet")] * 3, Observation.succeeded("ok"))
    wait_until(check, subject="x", clock=clock, timeout=60, pause=pause)
    assert told == [(0.2, 60), (0.4, 59), (0.8, 58)]
    assert (len(polls), clock.now) == (4, 3)


def test_a_pause_cannot_outlast_the_deadline() -> None:
    clock = FakeClock()
    check, _ = scripted(Observation.pending("want Ready=True, is Ready=False"))
    with pytest.raises(WaitTimeout, match=r"\(waited 10s, simulated\)$"):
        wait_until(check, subject="x", clock=clock, timeout=10, pause=lambda _interval, left: clock.sleep(left))
    assert clock.sleeps == [10]
