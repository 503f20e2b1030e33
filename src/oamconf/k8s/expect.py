"""The one way a step waits: ``expect(ref, verdict)`` returns the object once it satisfies the verdict.

Bound to a cluster, the run's wait policy and its clock, like Argo CD's ``Then().Expect(...)`` and
lightkube's ``wait()`` that returns the object. A failure names the object and carries the cluster it
was read from, so the report's diagnostics follow the object in whichever cluster it lives (the host,
or the API server inside a vCluster: ``expect.on(vcluster)``).

A wait on one object (``expect(ref, ...)``, ``expect.gone(ref)``) reads it once, then follows it with
the cluster's watch when the cluster has one (``api.Watchable``), judging every change as it arrives:
a status change is noticed at once instead of up to a poll interval later, and a long wait costs one
request per watch instead of one per poll. A refused or failed watch falls back to polling. Either way
the wait means the same: the reports cannot tell, and need not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from oamconf.errors import ApiError, WaitFailed, WaitTimeout
from oamconf.k8s.api import FIELD_MANAGER, Change, Cluster, KubeObject, Ref, Watchable
from oamconf.k8s.wait import Check, Clock, Observation, Pause, SystemClock, WaitPolicy, wait_until

Verdict = Callable[[KubeObject], Observation]
# The API server refuses the manifest itself: retrying cannot help.
_REJECTED: Final = frozenset({400, 422})
# Server-side apply answers a field of the wrong type, or one its schema does not declare, with a 500 and this
# text (kube-apiserver 1.36, selftests/localcp/test_real_apply.py): a refusal of the manifest, not an outage.
_TYPED_PATCH_REFUSED: Final = "failed to create typed patch object"
# The resourceVersion a watch resumed from is older than the server keeps (an object unchanged for long):
# watch again without one, which starts with the object's current state.
_EXPIRED: Final = 410


@dataclass(frozen=True)
class Expect:
    """Waits on one cluster; every wait is bounded by *policy* and measured by *clock*."""

    cluster: Cluster
    policy: WaitPolicy = dataclasses.field(default_factory=WaitPolicy)
    clock: Clock = dataclasses.field(default_factory=SystemClock)

    def __call__(self, ref: Ref, verdict: Verdict, *, timeout: float | None = None) -> KubeObject:
        """Wait until *ref* exists and satisfies *verdict*; return the object as last read.

        A missing object is pending (``not found yet``); a verdict's *failed* ends the wait at once.

        Raises:
            WaitFailed, WaitTimeout: naming *ref*, with the last observation; ``err.ref`` and
                ``err.cluster`` say where the report's diagnostics should look.
        """
        seen: list[KubeObject] = []

        def judge(obj: KubeObject | None) -> Observation:
            if obj is None:
                return Observation.pending("not found yet")
            seen[:] = [obj]
            return verdict(obj)

        self._follow(ref, judge, timeout)
        return seen[0]

    def on(self, cluster: Cluster) -> Expect:
        """The same waits on another cluster (e.g. the API server inside a vCluster)."""
        return dataclasses.replace(self, cluster=cluster)

    def until(self, check: Check, *, subject: str, timeout: float | None = None) -> Observation:
        """Wait for a check that is not about one object (a probe, a list); returns its last observation."""
        return self._wait(check, subject, timeout, None)

    def gone(self, ref: Ref, *, timeout: float | None = None) -> None:
        """Wait until *ref* no longer exists (deleted, finalizers done)."""

        def judge(obj: KubeObject | None) -> Observation:
            if obj is None:
                return Observation.succeeded("gone")
            deleting = " (deleting)" if obj.metadata.get("deletionTimestamp") else ""
            return Observation.pending(f"want it gone, it still exists{deleting}")

        self._follow(ref, judge, timeout)

    def applied(
        self, manifest: Mapping[str, Any], *, timeout: float | None = None, field_manager: str = FIELD_MANAGER
    ) -> KubeObject:
        """Apply *manifest*, retrying while the API cannot take it yet (a CRD just created is not served at
        once; a webhook's Service has no endpoints until its pod is ready). A 400 or 422 fails at once, and so
        does the 500 server-side apply answers for a field of the wrong type or one its schema lacks."""
        ref = Ref.of(manifest)
        done: list[KubeObject] = []

        def attempt() -> Observation:
            try:
                done[:] = [self.cluster.apply(manifest, field_manager=field_manager)]
            except ApiError as err:
                if err.status in _REJECTED or err.message.startswith(_TYPED_PATCH_REFUSED):
                    return Observation.failed(f"rejected: {err}")
                raise  # wait_until keeps trying, or stops at once on 401/403
            return Observation.succeeded("applied")

        self._wait(attempt, f"apply {ref}", timeout, ref)
        return done[0]

    def _follow(self, ref: Ref, judge: Callable[[KubeObject | None], Observation], timeout: float | None) -> None:
        follower = _Follower(self.cluster, ref, self.clock)
        try:
            self._wait(lambda: judge(follower.read()), str(ref), timeout, ref, pause=follower.pause)
        finally:
            follower.close()

    def _wait(
        self, check: Check, subject: str, timeout: float | None, ref: Ref | None, *, pause: Pause | None = None
    ) -> Observation:
        try:
            return wait_until(
                check, subject=subject, timeout=timeout, policy=self.policy, clock=self.clock, pause=pause
            )
        except (WaitTimeout, WaitFailed) as err:
            err.ref = ref  # so the report can show this object's status, events and what it runs
            err.cluster = self.cluster
            raise


class _Follower:
    """One object as a wait sees it: read with a ``get``, then kept current by the cluster's watch.

    ``read`` answers from the last change the watch delivered (no request) and reads the object only
    when nothing current is known: at the start, and after a watch failed. ``pause`` returns as soon as
    a change arrives; without a usable watch it sleeps the poll interval. A watch resumes from the last
    resourceVersion seen; one that is refused or fails is not tried again in this wait (the wait polls),
    except when that version has expired (410). A stream that ends with nothing new before half its
    time is up (the server closed it; the in-memory backend ends each after one look) is reopened only
    after the poll interval, so a server that keeps closing streams cannot make the wait spin.
    """

    def __init__(self, cluster: Cluster, ref: Ref, clock: Clock) -> None:
        self._cluster = cluster
        self._watchable = cluster if isinstance(cluster, Watchable) else None
        self._ref = ref
        self._clock = clock
        self._known = False  # whether _obj is current: a read or a watch delivered it
        self._obj: KubeObject | None = None
        self._version: str | None = None
        self._stream: Iterator[Change] | None = None
        self._opened_at = 0.0
        self._opened_for = 0
        self._delivered = False

    def read(self) -> KubeObject | None:
        """The object as last seen; raises ``ApiError`` as ``Cluster.get`` does when it has to read."""
        if self._watchable is None or not self._known:  # polling, or nothing current: read it
            self._obj = self._cluster.get(self._ref)
            self._version = _version_of(self._obj)
            self._known = True
        return self._obj

    def pause(self, interval: float, left: float) -> None:
        """Until the object changes, at most *left* seconds; the poll *interval* without a usable watch."""
        until = self._clock.monotonic() + left
        try:
            if self._watchable is not None and self._known and self._next_change(self._watchable, until):
                return
        except ApiError:
            self._drop_stream()
            self._watchable = None  # poll from here on; the next check reads the object
        rest = until - self._clock.monotonic()
        if rest > 0:
            self._clock.sleep(min(interval, rest))

    def close(self) -> None:
        self._drop_stream()

    def _next_change(self, watchable: Watchable, until: float) -> bool:
        """Wait on the watch for the next change before *until*; ``False`` when the caller should sleep."""
        while True:
            stream = self._stream
            if stream is None:
                # timeoutSeconds is whole seconds, rounded down so that no request outlives the deadline.
                seconds = int(until - self._clock.monotonic())
                if seconds < 1:
                    return False  # the last second is slept, not watched
                self._opened_at, self._opened_for, self._delivered = self._clock.monotonic(), seconds, False
            try:
                if stream is None:
                    stream = self._stream = watchable.watch(self._ref, resource_version=self._version, timeout=seconds)
                change = next(stream, None)
            except ApiError as err:
                if err.status != _EXPIRED or self._version is None:
                    raise
                self._drop_stream()
                self._version = None
                continue
            if change is not None:
                self._obj, self._version, self._delivered = change.obj, change.resource_version, True
                return True
            ended_early = not self._delivered and self._clock.monotonic() - self._opened_at < self._opened_for / 2
            self._drop_stream()
            if ended_early:
                return False

    def _drop_stream(self) -> None:
        stream, self._stream = self._stream, None
        close = getattr(stream, "close", None)  # a generator's close ends its request
        if close is not None:
            close()


def _version_of(obj: KubeObject | None) -> str | None:
    if obj is None:
        return None
    version = obj.metadata.get("resourceVersion")
    return str(version) if version else None
