"""Versions written in manifests must be the versions in ``fixtures/versions.toml``.

Manifests repeat versions where YAML cannot read a TOML file: a Release's chart, a package tag, an Argo CD
Application's chart, a ComponentDefinition's parameter defaults (checked through their rendered output).
``pin_mismatches`` finds every place one of them drifted from the versions file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oamconf.platform.loading import Platform
from oamconf.platform.manifests import field_path
from oamconf.platform.versions import Chart, DatabaseChart, Versions


def _walk(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every mapping inside ``node`` with its path, so embedded objects (Composition bases) are seen too."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def _repository(package: str) -> str:
    """``xpkg.io/org/name:v1.0`` or ``...@sha256:...`` → ``xpkg.io/org/name`` (a registry port is kept)."""
    name = package.partition("@")[0]
    head, colon, tag = name.rpartition(":")
    return head if colon and "/" not in tag else name


def _group(node: dict[str, Any]) -> str:
    return str(node.get("apiVersion", "")).partition("/")[0]


def pin_mismatches(
    platform: Platform, versions: Versions, *, source: str = "versions.toml", fix: str = "make them agree"
) -> list[str]:
    """One line per version in a manifest that differs from the versions file.

    Parameters:
        source: how the lines name where *versions* came from (a run's overrides are not the file).
        fix: the advice that ends each line.
    """
    checker = _Pins(versions, source, fix)
    for doc in platform.documents:
        checker.check(f"{doc.where}: {doc.ref}", doc.body)
    for output in platform.rendered:
        checker.check(f"{output.source.where}: {output.ref}", output.output)
    return checker.errors


class _Pins:
    def __init__(self, versions: Versions, source: str, fix: str) -> None:
        self.versions = versions
        self.source = source
        self.fix = fix
        self.charts = {chart.chart: (table, chart) for table, chart in versions.charts().items()}
        self.packages: dict[str, str] = dict(vars(versions.packages))
        self.errors: list[str] = []

    def differ(self, where: str, path: tuple[Any, ...], *, what: str, seen: Any, pin: tuple[str, str, Any]) -> None:
        """Report ``seen`` at ``path`` unless it equals ``pin`` = (versions table, key, pinned value)."""
        table, key, want = pin
        if seen != want:
            self.errors.append(
                f"{where}: {field_path(list(path))}: {what} {seen!r} differs from {self.source} "
                f"[{table}] {key} {want!r}; {self.fix}"
            )

    def check(self, where: str, body: dict[str, Any]) -> None:
        for path, node in _walk(body):
            group, kind = _group(node), node.get("kind")
            if group in {"helm.crossplane.io", "helm.m.crossplane.io"} and kind == "Release":
                self.release(where, path, node)
            elif group == "argoproj.io" and kind == "Application":
                source = node.get("spec", {}).get("source", {})
                self.chart(
                    where,
                    (*path, "spec", "source"),
                    source.get("chart"),
                    source.get("repoURL"),
                    source.get("targetRevision"),
                )
            elif group == "pkg.crossplane.io" and kind in {"Provider", "Function"}:
                self.package(where, (*path, "spec", "package"), node.get("spec", {}).get("package"))
            elif group == "apiextensions.crossplane.io" and kind == "CompositeResourceDefinition":
                self.xrd(where, path, node)

    def chart(self, where: str, path: tuple[Any, ...], name: Any, repository: Any, version: Any) -> Chart | None:
        if name not in self.charts:
            self.errors.append(
                f"{where}: {field_path([*path, 'chart'])}: chart {name!r} is not in {self.source}; {self.fix}"
            )
            return None
        table, chart = self.charts[name]
        self.differ(where, path, what="chart repository", seen=repository, pin=(table, "repository", chart.repository))
        self.differ(where, path, what="chart version", seen=version, pin=(table, "chart_version", chart.chart_version))
        return chart

    def package(self, where: str, path: tuple[Any, ...], package: Any) -> None:
        """A package is compared with the pin of the same repository, so the line names its key."""
        if package in self.packages.values():
            return
        same = [key for key, pin in self.packages.items() if _repository(pin) == _repository(str(package))]
        if same:
            self.differ(where, path, what="package", seen=package, pin=("packages", same[0], self.packages[same[0]]))
        else:
            self.errors.append(
                f"{where}: {field_path(list(path))}: {package!r} is not one of {self.source} [packages]; {self.fix}"
            )

    def release(self, where: str, path: tuple[Any, ...], node: dict[str, Any]) -> None:
        for_provider = node.get("spec", {}).get("forProvider", {})
        spec_chart = for_provider.get("chart", {})
        chart_path = (*path, "spec", "forProvider", "chart")
        chart = self.chart(
            where, chart_path, spec_chart.get("name"), spec_chart.get("repository"), spec_chart.get("version")
        )
        if isinstance(chart, DatabaseChart):
            table = self.charts[chart.chart][0]
            self.image(where, (*path, "spec", "forProvider", "values"), for_provider.get("values", {}), table)

    def image(self, where: str, path: tuple[Any, ...], values: dict[str, Any], table: str) -> None:
        """The Bitnami image override must be the one pinned, and the image-check flag as versions say."""
        chart = getattr(self.versions, table)
        image = values.get("image", {})
        for key in ("registry", "repository", "tag"):
            pin = (table, f"image_{key}", getattr(chart, f"image_{key}"))
            self.differ(where, (*path, "image", key), what="image", seen=image.get(key), pin=pin)
        allow = values.get("global", {}).get("security", {}).get("allowInsecureImages")
        pin = (table, "allow_insecure_images", chart.allow_insecure_images)
        self.differ(where, (*path, "global", "security", "allowInsecureImages"), what="flag", seen=allow, pin=pin)

    def xrd(self, where: str, path: tuple[Any, ...], node: dict[str, Any]) -> None:
        """The VirtualCluster XRD defaults the vcluster chart version its Composition patches in."""
        for index, version in enumerate(node.get("spec", {}).get("versions", [])):
            spec = version.get("schema", {}).get("openAPIV3Schema", {}).get("properties", {}).get("spec", {})
            default = spec.get("properties", {}).get("chartVersion", {}).get("default")
            if default is not None:
                prop = (*path, "spec", "versions", index, "schema", "openAPIV3Schema", "properties", "spec")
                prop += ("properties", "chartVersion", "default")
                pin = ("vcluster", "chart_version", self.versions.vcluster.chart_version)
                self.differ(where, prop, what="default chart version", seen=default, pin=pin)
