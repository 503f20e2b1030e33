"""The pinned versions of the reference platform, loaded strictly from ``fixtures/versions.toml``.

Every component version the suite installs or checks comes from here; the report header prints
``Versions.bill_of_materials()`` so a reader knows exactly what was tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from oamconf.platform import strict_toml
from oamconf.platform.paths import default_versions
from oamconf.platform.pin_forms import Pins


@dataclass(frozen=True)
class Cluster:
    node_image: str
    kubernetes_version: str
    # More node images the nightly matrix runs (each built for the pinned kind release, pinned by digest).
    matrix_node_images: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chart:
    repository: str
    chart: str
    chart_version: str


@dataclass(frozen=True)
class ArgoCdChart(Chart):
    app_version: str


@dataclass(frozen=True)
class DatabaseChart(Chart):
    """A database chart and the image it must run (Bitnami's images moved, facts §5)."""

    image_registry: str
    image_repository: str
    image_tag: str
    allow_insecure_images: bool


@dataclass(frozen=True)
class Packages:
    provider_helm: str
    provider_kubernetes: str
    function_patch_and_transform: str


@dataclass(frozen=True)
class Checksums:
    """sha256 of the download per platform; an empty string means not verified yet."""

    linux_amd64: str
    linux_arm64: str
    darwin_amd64: str
    darwin_arm64: str


@dataclass(frozen=True)
class Tool:
    version: str
    url: str
    sha256: Checksums

    def download_url(self, os: str, arch: str) -> str:
        return self.url.format(version=self.version, os=os, arch=arch)


@dataclass(frozen=True)
class Tools:
    kind: Tool
    helm: Tool
    kubectl: Tool


@dataclass(frozen=True)
class Versions:
    cluster: Cluster
    crossplane: Chart
    packages: Packages
    kubevela: Chart
    vcluster: Chart
    argocd: ArgoCdChart
    postgresql: DatabaseChart
    redis: DatabaseChart
    podinfo: Chart
    tools: Tools

    def charts(self) -> dict[str, Chart]:
        """The Helm charts by their table name in the versions file."""
        return {
            "crossplane": self.crossplane,
            "kubevela": self.kubevela,
            "vcluster": self.vcluster,
            "argocd": self.argocd,
            "postgresql": self.postgresql,
            "redis": self.redis,
            "podinfo": self.podinfo,
        }

    def bill_of_materials(self) -> list[tuple[str, str]]:
        """(component, pinned version) rows for the report header, in install order."""
        pkgs = self.packages
        return [
            ("kind node image", self.cluster.node_image),
            _chart_row("Crossplane", self.crossplane),
            ("provider-helm", pkgs.provider_helm),
            ("provider-kubernetes", pkgs.provider_kubernetes),
            ("function-patch-and-transform", pkgs.function_patch_and_transform),
            _chart_row("KubeVela", self.kubevela),
            _chart_row("vCluster", self.vcluster),
            _chart_row("Argo CD", self.argocd),
            ("Argo CD", self.argocd.app_version),
            _chart_row("PostgreSQL", self.postgresql),
            ("PostgreSQL image", _image(self.postgresql)),
            _chart_row("Redis", self.redis),
            ("Redis image", _image(self.redis)),
            _chart_row("podinfo", self.podinfo),
            *((f"{name} CLI", tool.version) for name, tool in vars(self.tools).items()),
        ]


def _chart_row(name: str, chart: Chart) -> tuple[str, str]:
    return (f"{name} chart", f"{chart.chart} {chart.chart_version} ({chart.repository})")


def _image(db: DatabaseChart) -> str:
    return f"{db.image_registry}/{db.image_repository}:{db.image_tag}"


def load_versions(
    path: Path | None = None, *, overrides_file: Path | None = None, overrides: Sequence[str] = ()
) -> Versions:
    """Load the versions file (default: the project's ``fixtures/versions.toml``),
    merge ``overrides_file`` and ``"table.key=value"`` overrides (``--set``) over it.

    Raises:
        UsageError: one line naming where the value came from (the file, or ``--set`` as given) and the key,
            for unknown or missing keys, wrong types, an empty value, a chart or tool version that is not a
            semantic version, a package or node image not pinned, or a checksum that is neither empty nor
            64 hex digits.
    """
    path = path or default_versions()
    versions, origins = strict_toml.load(Versions, path, overrides_file=overrides_file, overrides=overrides)
    _check_pins(versions, Pins(origins))
    return versions


def _check_pins(versions: Versions, pins: Pins) -> None:
    pins.digest("cluster.node_image", versions.cluster.node_image, "the kind node image")
    for image in versions.cluster.matrix_node_images:
        pins.digest("cluster.matrix_node_images", image, image)
    pins.semver("cluster.kubernetes_version", versions.cluster.kubernetes_version)
    for table, chart in versions.charts().items():
        for key in ("repository", "chart"):
            pins.text(f"{table}.{key}", getattr(chart, key))
        pins.semver(f"{table}.chart_version", chart.chart_version)
    pins.semver("argocd.app_version", versions.argocd.app_version)
    for table, db in (("postgresql", versions.postgresql), ("redis", versions.redis)):
        pins.text(f"{table}.image_registry", db.image_registry)
        pins.text(f"{table}.image_repository", db.image_repository)
        pins.semver(f"{table}.image_tag", db.image_tag)
    for key, package in vars(versions.packages).items():
        pins.package(f"packages.{key}", package)
    for name, tool in vars(versions.tools).items():
        pins.semver(f"tools.{name}.version", tool.version)
        pins.text(f"tools.{name}.url", tool.url)
        for platform, digest in vars(tool.sha256).items():
            pins.sha256(f"tools.{name}.sha256.{platform}", digest)
