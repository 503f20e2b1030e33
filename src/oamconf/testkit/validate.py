"""Offline validation of the reference platform: every fixture against the pinned upstream schemas.

- core Kubernetes kinds: ``kubernetes_validate`` (strict) at the schema version nearest the kind node;
- custom resources: the pinned CRD's ``openAPIV3Schema`` (``schemas.py``), including the objects embedded
  in them (P&T inputs and bases inside a Composition, provider-kubernetes Object manifests);
- Helm values: each chart's pinned ``values.schema.json`` (values inside Releases, and ``fixtures/values``);
- ComponentDefinitions: what KubeVela's own engine renders from them (``render.py``, ``vela dry-run``),
  validated like any manifest. Compositions are run by Crossplane's own render engine in the self-tests
  (``xrender.py``), not checked here.

Every problem is one line: ``file: Kind name: field.path: what is wrong``. A kind with no pinned schema is a
problem, never a silent pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import kubernetes_validate

from oamconf.cluster import gobuild
from oamconf.cluster.gobuild import Built
from oamconf.cluster.tools import default_cache_dir
from oamconf.errors import ConformanceError
from oamconf.platform import loading
from oamconf.platform.loading import Platform
from oamconf.platform.manifests import Document, field_path
from oamconf.platform.paths import fixtures_dir, shown
from oamconf.platform.strict_toml import merge
from oamconf.platform.versions import Versions, load_versions
from oamconf.testkit.render import render_fixtures
from oamconf.testkit.schemas import SchemaIndex, load_index

# kubernetes-validate ships schemas per minor; 1.36 matches the pinned kind node (v1.36.1).
KUBERNETES_SCHEMA_VERSION: Final = "1.36.0"
# Values schemas of these charts are not pinned in ../shared/crds: their values files are only checked
# to name a pinned chart and to be a mapping. Say so rather than pretend they were validated.
VALUES_WITHOUT_PINNED_SCHEMA: Final = frozenset({"crossplane", "vela-core", "argo-cd"})
_MAX_MESSAGE: Final = 240

# The one non-Kubernetes config kind in the fixtures. kind publishes no JSON schema; this one is ours and
# covers the v1alpha4 fields a conformance cluster may use. Node images must be pinned by digest.
_ARRAY: Final = {"type": "array"}
_KIND_NODE: Final = {
    "type": "object",
    "additionalProperties": False,
    "required": ["role"],
    "properties": {
        "role": {"enum": ["control-plane", "worker"]},
        "image": {"type": "string", "pattern": "@sha256:[0-9a-f]{64}$"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        **dict.fromkeys(("extraMounts", "extraPortMappings", "kubeadmConfigPatches"), _ARRAY),
    },
}
KIND_CLUSTER_SCHEMA: Final = {
    "type": "object",
    "additionalProperties": False,
    "required": ["apiVersion", "kind"],
    "properties": {
        "apiVersion": {"const": "kind.x-k8s.io/v1alpha4"},
        "kind": {"const": "Cluster"},
        "name": {"type": "string"},
        "nodes": {"type": "array", "minItems": 1, "items": _KIND_NODE},
        **{key: {"type": "object"} for key in ("networking", "featureGates", "runtimeConfig")},
        **dict.fromkeys(("kubeadmConfigPatches", "containerdConfigPatches"), _ARRAY),
    },
}
_CONFIG_KINDS: Final = {("kind.x-k8s.io/v1alpha4", "Cluster")}


def load_platform(paths: Sequence[Path] | None = None, *, vela: Built | None = None) -> Platform:
    """Load the given YAML files (default: all under the project's fixtures/); with *vela*, render the
    ComponentDefinitions and Applications with it."""
    platform = loading.load_platform(paths, fixtures=None if paths is not None else fixtures_dir())
    if vela is not None:
        platform.rendered, errors = render_fixtures(platform.documents, vela=vela)
        platform.problems.extend(errors)
    return platform


def validate_platform(platform: Platform, *, versions: Versions, crds_dir: Path | None = None) -> list[str]:
    """Every schema problem of a loaded platform, one line each; ``[]`` means it validates."""
    index = load_index(versions, shared=crds_dir)
    platform.not_validated = dict(index.not_run)
    index.crds.update(dict.fromkeys(_CONFIG_KINDS, KIND_CLUSTER_SCHEMA))
    for doc in platform.documents:
        if doc.api_version.startswith("apiextensions.crossplane.io/") and doc.kind == "CompositeResourceDefinition":
            index.add_xrd(doc.body)
    checker = _Checker(index, versions)
    for doc in platform.documents:
        checker.check_top(doc)
    for values in platform.values_files:
        checker.check_values_file(values)
    for output in platform.rendered:
        checker.check_object(output.source.where, output.ref, output.output, ())
    return [*platform.problems, *checker.errors]


def validate_tree(paths: Sequence[Path] | None = None, *, versions: Versions | None = None) -> list[str]:
    """Load, render with KubeVela (built into the tool cache if needed) and validate (default: everything
    under fixtures/, with fixtures/versions.toml)."""
    vela = gobuild.ensure(gobuild.load_tools()["vela"], cache_dir=default_cache_dir())
    return validate_platform(load_platform(paths, vela=vela), versions=versions or load_versions())


class _Checker:
    def __init__(self, index: SchemaIndex, versions: Versions) -> None:
        self.index = index
        self.versions = versions
        self.errors: list[str] = []

    def report(self, where: str, ref: str, path: Sequence[Any], message: str) -> None:
        if len(message) > _MAX_MESSAGE:
            message = message[: _MAX_MESSAGE - 3] + "..."
        location = field_path(list(path))
        self.errors.append(f"{where}: {ref}: {location}: {message}" if location else f"{where}: {ref}: {message}")

    def check_top(self, doc: Document) -> None:
        gvk = (doc.api_version, doc.kind)
        if gvk not in _CONFIG_KINDS and not doc.name:
            self.report(doc.where, doc.ref, ["metadata", "name"], "required; every object needs a name")
        self.check_object(doc.where, doc.ref, doc.body, ())

    def check_object(self, where: str, ref: str, body: dict[str, Any], prefix: tuple[Any, ...]) -> None:
        """Validate one object (top-level or embedded at ``prefix``), then the objects embedded in it."""
        api_version, kind = body.get("apiVersion"), body.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            self.report(where, ref, prefix, "apiVersion and kind are required strings")
            return
        validator = self.index.crd_validator((api_version, kind))
        if validator is None and api_version.partition("/")[0] in self.index.unavailable_groups:
            self._check_embedded(where, ref, body, prefix)  # not run for this kind: listed in not_validated
            return
        if validator is not None:
            for err in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
                self.report(where, ref, (*prefix, *err.absolute_path), err.message)
        else:
            self._check_core(where, ref, body, prefix)
        self._check_embedded(where, ref, body, prefix)

    def _check_core(self, where: str, ref: str, body: dict[str, Any], prefix: tuple[Any, ...]) -> None:
        try:
            kubernetes_validate.validate(body, KUBERNETES_SCHEMA_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            message = f"no pinned schema for apiVersion {body['apiVersion']} kind {body['kind']}"
            self.report(where, ref, prefix, f"{message}; fix apiVersion/kind or add its module to schema_sources")
        except kubernetes_validate.ValidationError as err:
            self.report(where, ref, (*prefix, *err.path), err.message)

    def _check_embedded(self, where: str, ref: str, body: dict[str, Any], prefix: tuple[Any, ...]) -> None:
        group = body["apiVersion"].partition("/")[0]
        spec: dict[str, Any] = body["spec"] if isinstance(body.get("spec"), dict) else {}
        if group == "apiextensions.crossplane.io" and body["kind"] == "Composition":
            for i, step in enumerate(spec.get("pipeline", [])):
                if isinstance(step.get("input"), dict):
                    self.check_object(where, ref, step["input"], (*prefix, "spec", "pipeline", i, "input"))
        elif group == "pt.fn.crossplane.io" and body["kind"] == "Resources":
            for i, resource in enumerate(body.get("resources", [])):
                if isinstance(resource.get("base"), dict):
                    self.check_object(where, ref, resource["base"], (*prefix, "resources", i, "base"))
        elif group in {"kubernetes.crossplane.io", "kubernetes.m.crossplane.io"} and body["kind"] == "Object":
            manifest = spec.get("forProvider", {}).get("manifest")
            if isinstance(manifest, dict):
                self.check_object(where, ref, manifest, (*prefix, "spec", "forProvider", "manifest"))
        elif group in {"helm.crossplane.io", "helm.m.crossplane.io"} and body["kind"] == "Release":
            for_provider = spec.get("forProvider", {})
            chart = for_provider.get("chart", {}).get("name", "")
            values_path = (*prefix, "spec", "forProvider", "values")
            self.check_values(where, ref, chart, for_provider.get("values"), values_path)

    def check_values(self, where: str, ref: str, chart: str, values: Any, path: tuple[Any, ...]) -> None:
        """Validate Helm values as Helm does: the chart's defaults merged with them, against its schema."""
        if not values:
            return
        schema = self.index.values.get(chart)
        if schema is None and chart in self.index.unavailable_charts:
            return  # not run: listed in platform.not_validated with the reason
        if schema is None:
            self.report(where, ref, path, f"no pinned values schema for chart '{chart}'; pin its values.schema.json")
            return
        merged = merge(schema.defaults, values) if schema.defaults else values
        for err in sorted(schema.validator().iter_errors(merged), key=lambda e: list(map(str, e.absolute_path))):
            self.report(where, ref, (*path, *err.absolute_path), err.message)

    def check_values_file(self, doc: Document) -> None:
        """``fixtures/values/<chart>.yaml``: the chart must be pinned in versions.toml."""
        charts = {chart.chart for chart in self.versions.charts().values()}
        chart = doc.path.stem
        ref = f"values of chart {chart}"
        if chart not in charts:
            self.report(doc.where, ref, (), f"no chart '{chart}' in versions.toml; name the file <chart>.yaml")
        elif chart not in VALUES_WITHOUT_PINNED_SCHEMA:
            self.check_values(doc.where, ref, chart, doc.body, ())


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m oamconf.testkit.validate [files...]``: print problems, exit 1 if any."""
    import sys  # noqa: PLC0415 - only the command line needs it

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        problems = validate_tree([Path(arg) for arg in args] or None)
    except ConformanceError as err:
        sys.stderr.write(f"{err}\n")
        return 2
    for problem in problems:
        sys.stdout.write(f"{problem}\n")
    sys.stdout.write(f"{len(problems)} problem(s) in {shown(fixtures_dir()) if not args else len(args)}\n")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
