"""OpenAPI v3 (CRD) → JSON Schema: the Kubernetes extensions change what is valid, so they are translated."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from oamconf.testkit.schemas import openapi_to_json_schema


def _valid(openapi: dict[str, Any], instance: Any) -> bool:
    return bool(jsonschema.Draft202012Validator(openapi_to_json_schema(openapi)).is_valid(instance))


def test_nullable_lets_null_through_and_nothing_else() -> None:
    schema = {"type": "string", "nullable": True}
    assert _valid(schema, None)
    assert _valid(schema, "x")
    assert not _valid(schema, 3)
    assert not _valid({"type": "string"}, None)


def test_int_or_string_accepts_both_and_rejects_a_list() -> None:
    schema = {"x-kubernetes-int-or-string": True}
    assert _valid(schema, 8080)
    assert _valid(schema, "http")
    assert not _valid(schema, [1])


def test_unknown_fields_are_rejected_unless_preserved() -> None:
    closed = {"type": "object", "properties": {"a": {"type": "string"}}}
    preserved = {**closed, "x-kubernetes-preserve-unknown-fields": True}
    assert not _valid(closed, {"a": "x", "b": 1})
    assert _valid(preserved, {"a": "x", "b": 1})
    assert not _valid(preserved, {"a": 1})


def test_an_object_without_properties_stays_free_form() -> None:
    assert _valid({"type": "object"}, {"anything": [1, 2]})


def test_an_embedded_resource_needs_api_version_and_kind() -> None:
    schema = {"type": "object", "x-kubernetes-embedded-resource": True, "x-kubernetes-preserve-unknown-fields": True}
    assert _valid(schema, {"apiVersion": "v1", "kind": "Secret", "data": {}})
    assert not _valid(schema, {"kind": "Secret"})


@pytest.mark.parametrize(
    ("openapi", "instance"),
    [
        pytest.param({"type": "object", "required": ["a"], "properties": {"a": {}}}, {}, id="required"),
        pytest.param({"type": "string", "enum": ["A", "B"]}, "C", id="enum"),
        pytest.param({"type": "string", "pattern": "^sha256:[a-f0-9]{64}$"}, "sha256:x", id="pattern"),
        pytest.param({"type": "array", "items": {"type": "integer"}}, ["1"], id="items"),
    ],
)
def test_required_enum_pattern_and_items_are_enforced(openapi: dict[str, Any], instance: Any) -> None:
    assert not _valid(openapi, instance)


def test_cel_rules_and_descriptions_are_dropped_not_misread_as_keywords() -> None:
    schema = openapi_to_json_schema(
        {"type": "object", "description": "d", "x-kubernetes-validations": [{"rule": "false"}], "format": "int32"}
    )
    assert schema == {"type": "object"}
