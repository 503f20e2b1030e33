"""The in-memory cluster's watch: each look is a poll, and a change that poll causes comes with it.

On the fake clock, a wait that watches notices a controller's change at the look that caused it; a
wait that polls (a cluster without ``watch``, such as the install's serializing wrapper) notices it a
poll interval later. Both see the same states in the same order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from oamconf.errors import ApiError, WaitTimeout
from oamconf.k8s import conditions
from oamconf.k8s.api import Change, Cluster, Ref
from oamconf.k8s.expect import Expect
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.reactions import Match, Reaction
from oamconf.k8s.wait import FakeClock

RELEASE = Ref("helm.crossplane.io/v1beta1", "Release", "test-db-postgresql")
READY = {"conditions": [{"type": "Ready", "status": "True", "reason": "Available"}]}


def release(**status: Any) -> dict[str, Any]:
    return {"apiVersion": RELEASE.api_version, "kind": RELEASE.kind, "metadata": {"name": RELEASE.name}} | {
        "status": status or {"conditions": [{"type": "Ready", "status": "False", "reason": "Creating"}]}
    }


def controller(after_polls: int, **effect: Any) -> MemoryCluster:
    """A cluster whose Release the controller changes once it has been polled *after_polls* times."""
    cluster = MemoryCluster("watch")
    cluster.add_reaction(Reaction(on=Match(kind="Release"), after_polls=after_polls, **effect))
    cluster.seed([release()])  # the status a controller set; apply (which starts the reaction) keeps it
    cluster.apply(release())
    return cluster


class _PollOnly:
    """A cluster whose watch is refused (as the API refuses it for some kinds): waits fall back to polling."""

    def __init__(self, inner: MemoryCluster) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def watch(self, ref: Ref, *, resource_version: str | None, timeout: int) -> Iterator[Change]:
        del resource_version, timeout
        raise ApiError(405, "MethodNotAllowed", f"{ref}: watch refused")


@pytest.mark.parametrize(
    ("wrap", "noticed_at", "sleeps"),
    [
        pytest.param(lambda c: c, 0.2, [0.2], id="watching"),
        pytest.param(_PollOnly, 1.4, [0.2, 0.4, 0.8], id="polling"),
    ],
)
def test_a_status_change_is_noticed_at_the_look_that_caused_it(
    wrap: Any, noticed_at: float, sleeps: list[float]
) -> None:
    cluster: Cluster = wrap(controller(3, set_status=READY))
    clock = FakeClock()

    live = Expect(cluster, clock=clock)(RELEASE, conditions.condition_is("Ready"))

    assert str(live.condition("Ready")) == "Ready=True reason=Available"
    # Watching: the read, a look (nothing yet), an interval, the third look acts and delivers at once.
    # Polling: the third read acts but sees the old state; the fourth, an interval later, the new one.
    assert clock.now == pytest.approx(noticed_at)
    assert clock.sleeps == sleeps


def test_a_look_counts_as_a_poll_and_delivers_only_what_changed() -> None:
    cluster = controller(2, set_status=READY)
    before = cluster.get(RELEASE)  # poll 1
    assert before is not None
    version = before.metadata["resourceVersion"]

    (change,) = cluster.watch(RELEASE, resource_version=version, timeout=60)  # poll 2: the controller acts

    assert change.obj is not None
    assert str(change.obj.condition("Ready")) == "Ready=True reason=Available"
    assert change.resource_version == change.obj.metadata["resourceVersion"] != version
    assert list(cluster.watch(RELEASE, resource_version=change.resource_version, timeout=60)) == []
    assert [c.obj.ref for c in cluster.watch(RELEASE, resource_version=None, timeout=60) if c.obj] == [RELEASE]


def test_a_deletion_a_look_causes_ends_a_wait_for_the_object_to_be_gone() -> None:
    cluster = controller(2, delete=(RELEASE,))
    clock = FakeClock()

    Expect(cluster, clock=clock).gone(RELEASE, timeout=60)

    assert (clock.now, clock.sleeps) == (0, [])
    assert cluster.get(RELEASE) is None


def test_a_wait_that_watches_in_vain_times_out_in_virtual_time_without_spinning() -> None:
    cluster = controller(10_000, set_status=READY)
    clock = FakeClock()

    with pytest.raises(WaitTimeout) as caught:
        Expect(cluster, clock=clock)(RELEASE, conditions.condition_is("Ready"), timeout=300)

    want = "want Ready=True, is Ready=False reason=Creating (waited 300s, simulated)"
    assert str(caught.value) == f"Release {RELEASE.name}: {want}"
    assert clock.now == 300
    assert len(clock.sleeps) < 80  # one look per poll interval, growing to 5 s
