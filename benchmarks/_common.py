"""What the benchmarks share: output, statistics, and the stand-in API server of the self-tests.

The benchmarks are scripts (``python benchmarks/<name>.py``), not tests: each prints its figures and
exits 0. They use the real clock; where they must wait they wait on a ``threading.Event``, since only
``oamconf.k8s.wait`` sleeps.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Final

from oamconf.k8s.kube import KubeCluster

ROOT: Final = Path(__file__).resolve().parents[1]
# The stand-in API server lives with the self-tests (selftests/k8s/fakeapi.py), importable as ``k8s``.
sys.path.insert(0, str(ROOT / "selftests"))

from k8s.fakeapi import FakeApiServer, write_kubeconfig  # noqa: E402 - importable once the path is set

__all__ = ["ROOT", "FakeApiServer", "fake_api", "percentile", "say", "summary"]


def say(line: str = "") -> None:
    """One line of the benchmark's output (stdout is what a benchmark is for)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def percentile(values: Sequence[float], fraction: float) -> float:
    """The *fraction* quantile (0.9 for p90), interpolated between the nearest samples."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: Sequence[float]) -> str:
    return f"median {statistics.median(values):.3f} s, p90 {percentile(values, 0.9):.3f} s, max {max(values):.3f} s"


@contextlib.contextmanager
def fake_api() -> Iterator[tuple[FakeApiServer, Callable[[], KubeCluster]]]:
    """The stand-in API server on a free port, and a factory of real backends pointed at it (one per thread:
    the dynamic client's discovery cache is not meant to be shared between threads)."""
    server = FakeApiServer()
    server.start()
    clusters: list[KubeCluster] = []
    with tempfile.TemporaryDirectory(prefix="oamconf-bench-") as folder:
        kubeconfig = write_kubeconfig(Path(folder, "kubeconfig"), server.url)

        def connect() -> KubeCluster:
            cluster = KubeCluster.from_kubeconfig(kubeconfig, "fake")
            clusters.append(cluster)
            return cluster

        try:
            yield server, connect
        finally:
            for cluster in clusters:
                cluster.close()
            server.stop()
