"""The local tier's stand-ins: charts the suite writes, served on loopback, and real database servers behind them.

No chart registry is reachable here, so the charts the platform installs from one (podinfo for 1.1's smoke
Release, Bitnami PostgreSQL and Redis for phase 3) are stand-ins of the same name, version and object names
(``fixtures/local/charts``), served by a loopback chart repository (``localcp.charts``). What a run applies is
pointed at that repository (``rewrite``): a Release naming the pinned podinfo repository, and an Application's
postgresql/redis component (its ``chart.repository`` property; the ComponentDefinitions stay as they are).
provider-helm then installs them for real; kwok simulates their pods, and for the database pods the supervisor
(``localcp.standins``) starts a real PostgreSQL or Redis with the credentials the pod's environment names and
points kwok's port-forward at it, so phase 3 connects through the API server's port-forward as on kind.
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

from oamconf.cluster import gobuild
from oamconf.cluster.localcp.charts import ChartRepository, package, serving
from oamconf.cluster.localcp.controlplane import CONTEXT, LocalControlPlane
from oamconf.cluster.localcp.databases import ENGINES
from oamconf.cluster.localcp.standins import Supervisor, supervising
from oamconf.k8s.kube import KubeCluster
from oamconf.platform.paths import fixtures_dir
from oamconf.platform.versions import Versions

STAND_IN_CHARTS: Final = fixtures_dir() / "local" / "charts"
Rewrite = Callable[[dict[str, Any]], dict[str, Any]]


@contextlib.contextmanager
def stand_in_repository(versions: Versions, cache_dir: Path, folder: Path) -> Iterator[ChartRepository]:
    """The stand-in charts at their pinned versions, packaged into *folder* and served until the block ends."""
    (helm,) = gobuild.ensure_all(["helm"], cache_dir=cache_dir)
    for chart in (versions.podinfo, versions.postgresql, versions.redis):
        package(helm.path, STAND_IN_CHARTS / chart.chart, chart.chart_version, folder)
    with serving(helm.path, folder) as repository:
        yield repository


def rewrite_for(versions: Versions, charts: ChartRepository) -> Rewrite:
    """What a run applies, pointed at the stand-in repository (the header says so)."""

    def rewrite(manifest: dict[str, Any]) -> dict[str, Any]:
        if manifest.get("kind") == "Release":
            chart = ((manifest.get("spec") or {}).get("forProvider") or {}).get("chart") or {}
            if chart.get("repository") != versions.podinfo.repository:
                return manifest
            moved = copy.deepcopy(manifest)
            moved["spec"]["forProvider"]["chart"]["repository"] = charts.url
            return moved
        if manifest.get("kind") == "Application" and manifest.get("apiVersion", "").startswith("core.oam.dev/"):
            moved = copy.deepcopy(manifest)
            for component in (moved.get("spec") or {}).get("components") or []:
                if component.get("type") in ENGINES:
                    properties = component.setdefault("properties", {})
                    properties["chart"] = {**(properties.get("chart") or {}), "repository": charts.url}
            return moved
        return manifest

    return rewrite


def describe(versions: Versions, charts: ChartRepository) -> str:
    """The header line naming every stand-in chart and what was pointed at it."""
    names = ", ".join(f"{c.chart} {c.chart_version}" for c in (versions.podinfo, versions.postgresql, versions.redis))
    return (
        f"{names} are stand-ins the suite writes (fixtures/local/charts: no chart registry is reachable here), "
        f"served at {charts.url}; a Release naming {versions.podinfo.repository}, and an Application's "
        f"{' and '.join(ENGINES)} components, are applied naming it instead"
    )


@contextlib.contextmanager
def databases(plane: LocalControlPlane, cache_dir: Path, folder: Path) -> Iterator[Supervisor]:
    """Real servers behind the stand-in database pods for the whole run, and kubectl v1.36.1 first on PATH for the
    port-forwards that reach them through the API server (``KubeCluster.port_forward`` runs kubectl by name)."""
    (kubectl,) = gobuild.ensure_all(["kubectl"], cache_dir=cache_dir)
    path = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([str(kubectl.path.parent), path])
    cluster = KubeCluster.from_kubeconfig(plane.kubeconfig, CONTEXT)
    try:
        with supervising(cluster, folder) as supervisor:
            yield supervisor
    finally:
        cluster.close()
        os.environ["PATH"] = path
