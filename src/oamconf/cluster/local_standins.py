"""The local tier's charts on loopback: the real vcluster chart and the stand-ins the suite writes, and real
database servers behind the stand-ins.

No chart registry is reachable here. The vcluster chart ships in its Go module (github.com/loft-sh/vcluster,
``chart/``): it is packaged at the pinned version as vCluster's release pipeline does, so phase 2 installs the
real chart. The charts that ship in no module (podinfo for 1.1's smoke Release, Bitnami PostgreSQL and Redis
for phase 3) are stand-ins of the same name, version and object names (``fixtures/local/charts``). All are
served by one loopback chart repository (``localcp.charts``), and what a run applies is pointed at it
(``rewrite_for``): a Release naming the pinned podinfo or vcluster repository, the same Release as a
Composition's base, and an Application's postgresql/redis component (its ``chart.repository`` property; the
ComponentDefinitions stay as they are).
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
from oamconf.cluster.localcp.registry import UPSTREAM_REGISTRY, local_packages
from oamconf.cluster.localcp.standins import Supervisor, supervising
from oamconf.k8s.kube import KubeCluster
from oamconf.platform.paths import fixtures_dir
from oamconf.platform.versions import Versions

STAND_IN_CHARTS: Final = fixtures_dir() / "local" / "charts"
Rewrite = Callable[[dict[str, Any]], dict[str, Any]]


VCLUSTER_MODULE: Final = "github.com/loft-sh/vcluster"
VCLUSTER_CHART: Final = "chart"  # the chart's folder in the module


@contextlib.contextmanager
def chart_repository(versions: Versions, cache_dir: Path, folder: Path) -> Iterator[ChartRepository]:
    """The vcluster chart from its module and the stand-in charts, at their pinned versions, packaged into
    *folder* and served until the block ends.

    Raises:
        ModuleUnavailable: the module proxy does not serve the vcluster module at the pinned version.
        ChartRepositoryError: helm could not package or index a chart (its last error line).
    """
    (helm,) = gobuild.ensure_all(["helm"], cache_dir=cache_dir)
    vcluster = versions.vcluster
    source = gobuild.module_dir(VCLUSTER_MODULE, f"v{vcluster.chart_version}") / VCLUSTER_CHART
    package(helm.path, source, vcluster.chart_version, folder)
    for chart in (versions.podinfo, versions.postgresql, versions.redis):
        package(helm.path, STAND_IN_CHARTS / chart.chart, chart.chart_version, folder)
    with serving(helm.path, folder) as repository:
        yield repository


def rewrite_for(versions: Versions, charts: ChartRepository) -> Rewrite:
    """What a run applies, pointed at the loopback chart repository (the header says so)."""
    served = frozenset({versions.podinfo.repository, versions.vcluster.repository})

    def rewrite(manifest: dict[str, Any]) -> dict[str, Any]:
        kind = manifest.get("kind")
        if kind == "Release":
            return _release(manifest, served, charts.url)
        if kind == "Composition":
            moved = copy.deepcopy(manifest)
            for resource in _pipeline_resources(moved):
                if isinstance(resource.get("base"), dict) and resource["base"].get("kind") == "Release":
                    resource["base"] = _release(resource["base"], served, charts.url)
            return moved
        if kind == "Application" and manifest.get("apiVersion", "").startswith("core.oam.dev/"):
            return _application(manifest, charts.url)
        return manifest

    return rewrite


def _release(manifest: dict[str, Any], served: frozenset[str], url: str) -> dict[str, Any]:
    """A Release whose chart comes from one of the *served* repositories, naming *url* instead."""
    chart = ((manifest.get("spec") or {}).get("forProvider") or {}).get("chart") or {}
    if chart.get("repository") not in served:
        return manifest
    moved = copy.deepcopy(manifest)
    moved["spec"]["forProvider"]["chart"]["repository"] = url
    return moved


def _application(manifest: dict[str, Any], url: str) -> dict[str, Any]:
    """A KubeVela Application whose database components take their chart from *url*."""
    moved = copy.deepcopy(manifest)
    for component in (moved.get("spec") or {}).get("components") or []:
        if component.get("type") in ENGINES:
            properties = component.setdefault("properties", {})
            properties["chart"] = {**(properties.get("chart") or {}), "repository": url}
    return moved


def _pipeline_resources(composition: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The resources of a Composition's patch-and-transform steps (``input.resources``), to rewrite in place."""
    for step in (composition.get("spec") or {}).get("pipeline") or []:
        for resource in ((step or {}).get("input") or {}).get("resources") or []:
            if isinstance(resource, dict):
                yield resource


def describe(versions: Versions, charts: ChartRepository) -> str:
    """The header line naming the served charts, which are stand-ins, and what was pointed at them."""
    names = ", ".join(f"{c.chart} {c.chart_version}" for c in (versions.podinfo, versions.postgresql, versions.redis))
    vcluster = versions.vcluster
    return (
        f"served at {charts.url}: the real {vcluster.chart} chart {vcluster.chart_version} (packaged from "
        f"{VCLUSTER_MODULE}@v{vcluster.chart_version} {VCLUSTER_CHART}/); {names} are stand-ins the suite writes "
        f"(fixtures/local/charts: no chart registry is reachable here). A Release naming "
        f"{versions.podinfo.repository} or {vcluster.repository} (also as a Composition's base), and an "
        f"Application's {' and '.join(ENGINES)} components, are applied naming it instead"
    )


def bill_of_materials(versions: Versions) -> dict[str, str]:
    """The report's rows for the charts, images and packages the local tier serves otherwise: the real vcluster
    chart from its module, the stand-ins named as stand-ins, the database images replaced by Debian's servers, and
    a package served at another version than the pin."""
    vcluster = versions.vcluster
    rows = {
        "vCluster chart": (
            f"{vcluster.chart} {vcluster.chart_version} from {VCLUSTER_MODULE}@v{vcluster.chart_version} "
            f"{VCLUSTER_CHART}/ (the real chart, served on loopback)"
        )
    }
    for label, chart in (("podinfo", versions.podinfo), ("PostgreSQL", versions.postgresql), ("Redis", versions.redis)):
        rows[f"{label} chart"] = (
            f"{chart.chart} {chart.chart_version}: a stand-in the suite writes (fixtures/local/charts/{chart.chart}), "
            "not the upstream chart"
        )
    rows["PostgreSQL image"] = "not run: PostgreSQL 15 from Debian's packages serves the stand-in's pod"
    rows["Redis image"] = "not run: Redis 7 from Debian's packages serves the stand-in's pod"
    for served in local_packages(versions):  # the row names what ran, not only the pin it replaced
        if served.instead_of:
            rows[served.repository.rsplit("/", 1)[-1]] = (
                f"{UPSTREAM_REGISTRY}/{served.repository}:{served.tag}, built from its module: the pinned "
                f"{served.instead_of} is not served by the Go module proxy"
            )
    return rows


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
