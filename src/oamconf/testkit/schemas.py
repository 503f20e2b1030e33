"""The pinned upstream schemas (from the pinned Go modules, ``schema_sources``) as JSON Schema validators.

A CRD's ``openAPIV3Schema`` is OpenAPI v3 with Kubernetes extensions, not JSON Schema; ``openapi_to_json_schema``
translates the parts that change what is valid:

- ``nullable: true`` lets ``null`` through; ``x-kubernetes-int-or-string`` accepts an integer or a string;
- an object with ``properties`` rejects unknown fields unless ``x-kubernetes-preserve-unknown-fields`` says
  otherwise, as ``kubectl apply`` does with strict field validation (the server would prune them silently);
- ``x-kubernetes-embedded-resource`` requires ``apiVersion`` and ``kind``, as the API server does.

``required``, ``enum``, ``type``, ``pattern`` and the size limits pass through unchanged. CEL rules
(``x-kubernetes-validations``) and ``format`` are NOT checked: there is no CEL evaluator here.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from oamconf.platform.versions import Versions
from oamconf.testkit.schema_sources import resolve, schema_sources, shared_folder
from oamconf.yamlio import load_all_fast

# Keywords whose value is one schema, a list of schemas, or a map of schemas.
_ONE = ("items", "not", "additionalProperties")
_MANY = ("anyOf", "allOf", "oneOf")
_MAP = ("properties", "patternProperties")
_DROPPED = ("nullable", "format", "description", "default", "example", "externalDocs", "title")

Gvk = tuple[str, str]  # (apiVersion, kind)


def openapi_to_json_schema(node: dict[str, Any]) -> dict[str, Any]:
    """Translate one OpenAPI v3 (CRD structural) schema node, recursively, into JSON Schema."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-") or key in _DROPPED:
            continue
        if key in _ONE and isinstance(value, dict):
            out[key] = openapi_to_json_schema(value)
        elif key in _MANY:
            out[key] = [openapi_to_json_schema(item) for item in value]
        elif key in _MAP:
            out[key] = {name: openapi_to_json_schema(item) for name, item in value.items()}
        else:
            out[key] = value
    _apply_extensions(node, out)
    return out


def _apply_extensions(node: dict[str, Any], out: dict[str, Any]) -> None:
    """What the Kubernetes extensions and ``nullable`` mean for validation, applied to ``out``."""
    if node.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
    if node.get("x-kubernetes-embedded-resource"):
        _require_type_meta(out)
    preserve = node.get("x-kubernetes-preserve-unknown-fields", False)
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    if node.get("nullable") and "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = [*types, "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]


def _require_type_meta(out: dict[str, Any]) -> None:
    properties = out.setdefault("properties", {})
    properties.setdefault("apiVersion", {"type": "string"})
    properties.setdefault("kind", {"type": "string"})
    properties.setdefault("metadata", {"type": "object"})
    out["required"] = sorted({*out.get("required", []), "apiVersion", "kind"})


def object_schema(openapi: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a whole custom resource: its root schema plus apiVersion/kind/metadata."""
    schema = openapi_to_json_schema(openapi)
    _require_type_meta(schema)
    return schema


@dataclass(frozen=True)
class ValuesSchema:
    """A chart's values.schema.json, plus its default values.yaml when pinned (Helm validates the merge)."""

    schema: dict[str, Any]
    defaults: dict[str, Any] | None

    def validator(self) -> jsonschema.protocols.Validator:
        # Bitnami's "$schema: http://json-schema.org/schema#" names no draft; fall back to draft 7.
        cls = jsonschema.validators.validator_for(self.schema, default=jsonschema.Draft7Validator)
        return cls(self.schema)


@dataclass
class SchemaIndex:
    """Validators for custom resources by (apiVersion, kind), and chart values schemas by chart name."""

    crds: dict[Gvk, dict[str, Any]] = field(default_factory=dict)
    values: dict[str, ValuesSchema] = field(default_factory=dict)
    # component -> where its schemas were read, or why they could not be (then its checks are not run)
    origins: dict[str, str] = field(default_factory=dict)
    not_run: dict[str, str] = field(default_factory=dict)
    unavailable_groups: dict[str, str] = field(default_factory=dict)  # API group -> component
    unavailable_charts: dict[str, str] = field(default_factory=dict)  # chart -> component

    def add_crd(self, crd: dict[str, Any]) -> None:
        spec = crd["spec"]
        for version in spec["versions"]:
            openapi = version.get("schema", {}).get("openAPIV3Schema")
            if openapi is not None:
                self.crds[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = object_schema(openapi)

    def add_xrd(self, xrd: dict[str, Any]) -> None:
        """A Crossplane XRD defines a CRD too: register its composite resource's schema."""
        spec = xrd.get("spec", {})
        for version in spec.get("versions", []):
            openapi = version.get("schema", {}).get("openAPIV3Schema")
            if openapi is not None:
                self.crds[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = object_schema(openapi)

    def crd_validator(self, gvk: Gvk) -> jsonschema.protocols.Validator | None:
        schema = self.crds.get(gvk)
        return None if schema is None else jsonschema.Draft202012Validator(schema)


def load_index(versions: Versions, *, shared: Path | None = None) -> SchemaIndex:
    """Read the CRDs and values schemas of exactly the pinned versions (``schema_sources``); a component
    whose schemas are not available here is listed in ``not_run`` with the reason."""
    index = SchemaIndex()
    for source in schema_sources(versions):
        resolved = resolve(source, shared_folder(shared))
        index.origins[source.component] = resolved.origin
        if resolved.folder is None:
            index.not_run[source.component] = resolved.origin
            index.unavailable_groups.update(dict.fromkeys(source.groups, source.component))
            if source.chart:
                index.unavailable_charts[source.chart] = source.component
            continue
        crds, values = _read_folder(resolved.folder.resolve())
        index.crds.update(crds)
        if values is not None and source.chart:
            index.values[source.chart] = values
    return index


@functools.cache
def _read_folder(folder: Path) -> tuple[dict[Gvk, dict[str, Any]], ValuesSchema | None]:
    """Parse one pinned folder once per process: the CRDs are megabytes of YAML and never change."""
    index = SchemaIndex()
    for path in sorted(folder.glob("*.yaml")):
        for doc in load_all_fast(path.read_text(encoding="utf-8")):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                index.add_crd(doc)
    schema_file = folder / "values.schema.json"
    if not schema_file.is_file():
        return index.crds, None
    defaults_file = folder / "values.yaml"
    defaults = load_all_fast(defaults_file.read_text(encoding="utf-8"))[0] if defaults_file.is_file() else None
    return index.crds, ValuesSchema(json.loads(schema_file.read_text(encoding="utf-8")), defaults)
