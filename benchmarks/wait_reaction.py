"""Wait reaction time: from a status change to the wait that waits for it returning.

The real backend (``KubeCluster``) against the self-tests' stand-in API server (selftests/k8s/fakeapi.py,
in threads of this process), default wait policy, real clock. Each of N waits waits for its own
Application to turn Ready; a timer turns it Ready after a delay spread evenly over 0.5-20 s (so changes
fall at every point of the poll schedule), and the reaction time is from that change to the wait's
return. Polling (the cluster without its watch, as every wait was before) and watching run side by side.

Prints median and p90 per transport, and the ratio of the medians (target: watching median <= 0.5 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Final, cast

from _common import FakeApiServer, fake_api, say, summary

from oamconf.k8s import conditions
from oamconf.k8s.api import Cluster, KubeObject, Ref
from oamconf.k8s.expect import Expect
from oamconf.k8s.kube import KubeCluster

APPS: Final = "/apis/core.oam.dev/v1beta1/namespaces/demo/applications"


class Polling:
    """The cluster without its watch: how every wait behaved before waits watched."""

    def __init__(self, inner: KubeCluster) -> None:
        self._inner = inner
        self.name = inner.name

    def get(self, ref: Ref) -> KubeObject | None:
        return self._inner.get(ref)


def status(ready: str) -> dict[str, Any]:
    return {"conditions": [{"type": "Ready", "status": ready, "reason": "Bench"}]}


def one_wait(api: FakeApiServer, cluster: Cluster, name: str, delay: float, results: list[float]) -> None:
    path = f"{APPS}/{name}"
    meta = {"name": name, "namespace": "demo"}
    api.live.store(
        path,
        {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application", "metadata": meta} | {"status": status("False")},
    )
    ref = Ref("core.oam.dev/v1beta1", "Application", name, "demo")
    cluster.get(ref)  # discovery first: with all threads starting at once it can take longer than a delay
    changed: list[float] = []

    def change() -> None:
        changed.append(time.monotonic())
        api.live.set_status(path, status("True"))

    timer = threading.Timer(delay, change)
    timer.start()
    Expect(cluster)(ref, conditions.condition_is("Ready"))
    results.append(time.monotonic() - changed[0])


def run(runs: int, longest: float) -> tuple[list[float], list[float]]:
    polled: list[float] = []
    watched: list[float] = []
    delays = [0.5 + (longest - 0.5) * i / max(1, runs - 1) for i in range(runs)]
    with fake_api() as (api, connect):
        threads: list[threading.Thread] = []
        for i, delay in enumerate(delays):
            # A backend per wait: the dynamic client's discovery cache is not shared between threads.
            plans: list[tuple[Callable[[], Cluster], list[float]]] = [
                (lambda: cast("Cluster", Polling(connect())), polled),
                (connect, watched),
            ]
            for transport, (make, results) in zip(("poll", "watch"), plans, strict=True):
                args = (api, make(), f"{transport}-{i}", delay, results)
                threads.append(threading.Thread(target=one_wait, args=args))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return polled, watched


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="waits per transport (default 20)")
    parser.add_argument("--longest", type=float, default=20.0, help="longest delay before the change, s")
    args = parser.parse_args()
    say(f"wait reaction time: {args.runs} waits per transport, changes 0.5-{args.longest:g} s after the start")
    polled, watched = run(args.runs, args.longest)
    say(f"  polling : {summary(polled)}")
    say(f"  watching: {summary(watched)}")
    ratio = statistics.median(polled) / statistics.median(watched)
    verdict = "met" if statistics.median(watched) <= 0.5 else "NOT met"  # noqa: PLR2004 - the target
    say(f"  median ratio polling/watching: {ratio:.0f}x; target watching median <= 0.5 s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
