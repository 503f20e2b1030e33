"""The local tier's database supervisor: every stand-in chart pod gets its real server while it exists.

Phase 3 installs the stand-in charts through provider-helm and then reaches the databases through a
port-forward, as on kind; nothing in the steps knows the tier. So for the whole run a thread of the suite
watches (by polling: a few pods, a second apart) for pods of the stand-in charts (label ``oamconf.dev/stand-in``
and a container named ``postgresql`` or ``redis``): a new one is served (``databases.serving``: the real server
with the credentials its environment names, and kwok's PortForward to it) before its claim is bound (a stand-in
claim is held until then, even before its pod exists), so that it is scheduled and made Ready only then; one that
is gone has its server stopped; and every other pending claim gets a PersistentVolume (``databases.bind_claims``:
the tier has no provisioner, and the vCluster's StatefulSet claims one too). A pod that cannot be served (its
Secret is missing, initdb failed) is recorded with the reason, and tried again only when it is replaced by a new
pod (a new uid), as a kubelet reports CreateContainerConfigError and retries.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from oamconf.cluster.localcp.databases import ENGINES, ServedPod, bind_claims, claims_of, serving
from oamconf.errors import ConformanceError, one_line
from oamconf.k8s.api import Cluster, KubeObject, Ref

STAND_IN_LABEL: Final = "oamconf.dev/stand-in"
POLL_SECONDS: Final = 1.0


@dataclass
class Supervisor:
    """What the supervisor did: the pods served now, the volumes it made, and why a pod could not be served."""

    served: dict[str, ServedPod] = field(default_factory=dict)  # by pod uid
    failures: dict[str, str] = field(default_factory=dict)  # by "namespace/name (uid)"
    volumes: list[Ref] = field(default_factory=list)
    _stacks: dict[str, contextlib.ExitStack] = field(default_factory=dict, repr=False)

    def sync(self, cluster: Cluster, workdir: Path) -> None:
        """One round: serve new stand-in pods, stop the servers of pods that are gone, bind pending claims.

        A stand-in pod is served before its claim is bound: unbound, its claim keeps it unscheduled, so kwok
        makes it Ready only once its server runs and its PortForward exists, as a kubelet makes a pod Ready only
        once its container answers (a pod made Ready first was reached through kwok before its server had
        finished initdb, and kwok hung up). So every stand-in claim (the charts label their claim templates) is
        held until its pod is served: the StatefulSet controller creates the claim before the pod, and a claim
        bound in a round between the two let kwok run the pod before its server (a CI run's 3.2: "no forward
        found for port 5432"). The claim of a pod that cannot be served stays pending.
        """
        pods = {_uid(pod): pod for pod in cluster.list("v1", "Pod", labels={STAND_IN_LABEL: "true"})}
        for uid in [uid for uid in self._stacks if uid not in pods]:
            self._stop(uid)
        for uid, pod in pods.items():
            if uid not in self._stacks and _has_engine(pod) and _failure_key(pod) not in self.failures:
                self._serve(cluster, pod, workdir)
        held = {claim.ref for claim in cluster.list("v1", "PersistentVolumeClaim", labels={STAND_IN_LABEL: "true"})}
        for uid, pod in pods.items():
            if uid in self._stacks:
                held -= claims_of(pod)
            elif _has_engine(pod):
                held |= claims_of(pod)
        self.volumes += [v for v in bind_claims(cluster, hold=held) if v not in self.volumes]

    def close(self) -> list[str]:
        """Stop every server; the lines of those that did not stop cleanly."""
        left = []
        for uid in list(self._stacks):
            try:
                self._stop(uid)
            except ConformanceError as err:
                left.append(one_line(str(err)))
        return left

    def _serve(self, cluster: Cluster, pod: KubeObject, workdir: Path) -> None:
        stack = contextlib.ExitStack()
        try:
            self.served[_uid(pod)] = stack.enter_context(serving(cluster, pod.ref, workdir))
        except ConformanceError as err:
            stack.close()
            self.failures[_failure_key(pod)] = one_line(str(err))
            return
        self._stacks[_uid(pod)] = stack

    def _stop(self, uid: str) -> None:
        self.served.pop(uid, None)
        self._stacks.pop(uid).close()


@contextlib.contextmanager
def supervising(cluster: Cluster, workdir: Path, *, interval: float = POLL_SECONDS) -> Iterator[Supervisor]:
    """Run the supervisor in a thread until the context ends; then stop every server it started.

    Parameters:
        cluster: a backend of its own (the thread uses it alone).
        workdir: the servers' data folders go under it.

    Raises:
        ConformanceError: at the end, a server that did not stop (by pid).
    """
    supervisor = Supervisor()
    stop = threading.Event()
    lock = threading.Lock()

    def run() -> None:
        while not stop.is_set():
            with lock:
                try:
                    supervisor.sync(cluster, workdir)
                except ConformanceError as err:  # the API server hiccuped: the next round tries again
                    supervisor.failures["sync"] = one_line(str(err))
            stop.wait(interval)

    thread = threading.Thread(target=run, name="oamconf-standin-databases", daemon=True)
    thread.start()
    try:
        yield supervisor
    finally:
        stop.set()
        thread.join()
        with lock:
            left = supervisor.close()
            for volume in supervisor.volumes:
                cluster.delete(volume)
        if left:
            raise ConformanceError(f"stand-in database servers: {'; '.join(left)}")


def _uid(pod: KubeObject) -> str:
    return str(pod.metadata.get("uid", ""))


def _failure_key(pod: KubeObject) -> str:
    return f"{pod.ref.namespace}/{pod.ref.name} ({_uid(pod)})"


def _has_engine(pod: KubeObject) -> bool:
    return any(c.get("name") in ENGINES for c in pod.field("spec.containers") or [])
