"""Bootstrap concurrency: does the install take as long as its slowest chain, not the sum of its parts?

``install_platform`` runs six stand-in components shaped like the reference platform (Crossplane ->
packages -> ProviderConfigs -> platform definitions; KubeVela and Argo CD beside them). Each takes a
known time: its "helm" call waits, then its Deployment turns Available some time later, read by the
install's readiness wait on the real clock with the default wait policy. No cluster, no processes.

Two runs: *scheduler*, where all of a component's time is in helm (readiness is immediate), measures
the scheduling alone; *with readiness waits* puts part of the time after helm, so it also measures how
late the install's waits notice readiness: at once if they watch, up to a poll interval late if they
poll (the install's serialized cluster passes no watch on, so they poll; the output says which).

Prints, per run: the measured time, the slowest chain, their ratio (target <= 1.2) and the sequential sum.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final, cast

from _common import say

from oamconf.cluster.commands import Completed
from oamconf.cluster.components import Component, HelmInstall, Install, Ready
from oamconf.cluster.helm import Helm
from oamconf.cluster.install import install_platform
from oamconf.k8s.api import Change, Cluster, KubeObject, Ref
from oamconf.k8s.verdicts.workloads import deployment_available
from oamconf.k8s.wait import SystemClock, WaitPolicy
from oamconf.platform.profile import load_profile
from oamconf.platform.versions import Chart

NAMESPACE: Final = "bench"
# name: (seconds in helm, seconds from helm's end to Available, needs); the reference platform's shape.
PLATFORM: Final[dict[str, tuple[float, float, tuple[str, ...]]]] = {
    "crossplane": (0.6, 0.4, ()),
    "crossplane-packages": (0.3, 0.5, ("crossplane",)),
    "provider-configs": (0.1, 0.2, ("crossplane-packages",)),
    "kubevela": (0.8, 0.4, ()),
    "argocd": (1.0, 0.5, ()),
    "platform": (0.1, 0.3, ("kubevela", "provider-configs", "argocd")),
}


class TimedCluster:
    """Deployments named after the components, Available from the moment their helm run says; ``watch``
    delivers that moment as a watch would, and ``watched`` tells whether the install's waits used it."""

    name = "benchmark"

    def __init__(self) -> None:
        self.available_at: dict[str, float] = {}
        self.watched = False
        self._lock = threading.Lock()

    def make_available(self, name: str, at: float) -> None:
        with self._lock:
            self.available_at[name] = at

    def get(self, ref: Ref) -> KubeObject:
        with self._lock:
            at = self.available_at.get(ref.name)
        available = at is not None and time.monotonic() >= at
        meta = {"name": ref.name, "namespace": ref.namespace, "generation": 1, "resourceVersion": str(1 + available)}
        conditions = [{"type": "Available", "status": str(available)}]
        status = {"observedGeneration": 1, "conditions": conditions}
        return KubeObject({"apiVersion": ref.api_version, "kind": ref.kind, "metadata": meta, "status": status})

    def watch(self, ref: Ref, *, resource_version: str | None, timeout: int) -> Iterator[Change]:
        with self._lock:
            at = self.available_at.get(ref.name)
            self.watched = True
        if at is not None:
            threading.Event().wait(max(0.0, min(at - time.monotonic(), timeout)))
        now = self.get(ref)
        if now.metadata["resourceVersion"] != resource_version:
            yield Change(now, now.metadata["resourceVersion"])


class TimedHelm(Helm):
    """``helm upgrade --install`` that takes the component's helm time, then starts its Deployment's clock."""

    def __init__(self, cluster: TimedCluster, times: Mapping[str, tuple[float, float]]) -> None:
        super().__init__(Path("helm"), kubeconfig=None, context=None)
        self.cluster = cluster
        self.times = times

    def upgrade_install(
        self, release: str, chart: Chart, *, namespace: str, values_files: Sequence[Path] = (), timeout: float
    ) -> Completed:
        del chart, namespace, values_files, timeout
        in_helm, to_ready = self.times[release]
        threading.Event().wait(in_helm)
        self.cluster.make_available(release, time.monotonic() + to_ready)
        return Completed(("helm", "upgrade", "--install", release), "", "")


def components(times: Mapping[str, tuple[float, float]]) -> tuple[Component, ...]:
    chart = Chart("https://charts.example.org", "standin", "1.0.0")
    return tuple(
        Component(
            name,
            Install(helm=HelmInstall(name, chart, NAMESPACE)),
            (Ready(Ref("apps/v1", "Deployment", name, NAMESPACE), deployment_available, "deployment_available"),),
            needs=needs,
        )
        for name, (_, _, needs) in PLATFORM.items()
        if name in times
    )


def slowest_chain(times: Mapping[str, tuple[float, float]]) -> float:
    finish: dict[str, float] = {}
    for name, (_, _, needs) in PLATFORM.items():  # in dependency order
        finish[name] = max((finish[n] for n in needs), default=0.0) + sum(times[name])
    return max(finish.values())


def run(title: str, times: Mapping[str, tuple[float, float]]) -> float:
    cluster = TimedCluster()
    started = time.monotonic()
    install_platform(
        components(times),
        cluster=cast("Cluster", cluster),  # get and watch are all the waits use
        helm=TimedHelm(cluster, times),
        profile=load_profile(),
        policy=WaitPolicy(),
        clock=SystemClock(),
    )
    elapsed = time.monotonic() - started
    chain, total = slowest_chain(times), sum(sum(t) for t in times.values())
    ratio = elapsed / chain
    how = "watched" if cluster.watched else "polled"
    say(f"{title}: {elapsed:.2f} s; slowest chain {chain:.2f} s -> ratio {ratio:.2f} (target <= 1.2); waits {how}")
    say(f"  sequential sum {total:.2f} s -> concurrency saves {total - elapsed:.2f} s ({total / elapsed:.1f}x)")
    return ratio


def main() -> int:
    say(f"bootstrap concurrency: {len(PLATFORM)} stand-in components, real clock, default wait policy")
    run("scheduler (all time in helm)", {n: (h + r, 0.0) for n, (h, r, _) in PLATFORM.items()})
    run("with readiness waits", {n: (h, r) for n, (h, r, _) in PLATFORM.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
