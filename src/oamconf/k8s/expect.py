"""The one way a step waits: ``expect(ref, verdict)`` returns the object once it satisfies the verdict.

Bound to a cluster, the run's wait policy and its clock, like Argo CD's ``Then().Expect(...)`` and
lightkube's ``wait()`` that returns the object. A failure names the object and carries the cluster it
was read from, so the report's diagnostics follow the object in whichever cluster it lives (the host,
or the API server inside a vCluster: ``expect.on(vcluster)``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from oamconf.errors import ApiError, WaitFailed, WaitTimeout
from oamconf.k8s.api import FIELD_MANAGER, Cluster, KubeObject, Ref
from oamconf.k8s.wait import Check, Clock, Observation, SystemClock, WaitPolicy, wait_until

Verdict = Callable[[KubeObject], Observation]
# The API server refuses the manifest itself: retrying cannot help.
_REJECTED: Final = frozenset({400, 422})


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

        def check() -> Observation:
            obj = self.cluster.get(ref)
            if obj is None:
                return Observation.pending("not found yet")
            seen[:] = [obj]
            return verdict(obj)

        self._wait(check, str(ref), timeout, ref)
        return seen[0]

    def on(self, cluster: Cluster) -> Expect:
        """The same waits on another cluster (e.g. the API server inside a vCluster)."""
        return dataclasses.replace(self, cluster=cluster)

    def until(self, check: Check, *, subject: str, timeout: float | None = None) -> Observation:
        """Wait for a check that is not about one object (a probe, a list); returns its last observation."""
        return self._wait(check, subject, timeout, None)

    def gone(self, ref: Ref, *, timeout: float | None = None) -> None:
        """Wait until *ref* no longer exists (deleted, finalizers done)."""

        def check() -> Observation:
            obj = self.cluster.get(ref)
            if obj is None:
                return Observation.succeeded("gone")
            deleting = " (deleting)" if obj.metadata.get("deletionTimestamp") else ""
            return Observation.pending(f"want it gone, it still exists{deleting}")

        self._wait(check, str(ref), timeout, ref)

    def applied(
        self, manifest: Mapping[str, Any], *, timeout: float | None = None, field_manager: str = FIELD_MANAGER
    ) -> KubeObject:
        """Apply *manifest*, retrying while the API cannot take it yet (a CRD just created is not served at
        once; a webhook's Service has no endpoints until its pod is ready). A 400 or 422 fails at once."""
        ref = Ref.of(manifest)
        done: list[KubeObject] = []

        def attempt() -> Observation:
            try:
                done[:] = [self.cluster.apply(manifest, field_manager=field_manager)]
            except ApiError as err:
                if err.status in _REJECTED:
                    return Observation.failed(f"rejected: {err}")
                raise  # wait_until keeps trying, or stops at once on 401/403
            return Observation.succeeded("applied")

        self._wait(attempt, f"apply {ref}", timeout, ref)
        return done[0]

    def _wait(self, check: Check, subject: str, timeout: float | None, ref: Ref | None) -> Observation:
        try:
            return wait_until(check, subject=subject, timeout=timeout, policy=self.policy, clock=self.clock)
        except (WaitTimeout, WaitFailed) as err:
            err.ref = ref  # so the report can show this object's status, events and what it runs
            err.cluster = self.cluster
            raise
