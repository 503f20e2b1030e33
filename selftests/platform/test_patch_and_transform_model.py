"""The offline model of function-patch-and-transform renders as the function does, and refuses the rest."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from oamconf.testkit.pandt import PatchFailed, Unmodelled, combine_string, render, segments, transform_value
from oamconf.testkit.pandt_order import order_problems

FROM_BASE64 = {"type": "string", "string": {"type": "Convert", "convert": "FromBase64"}}
TO_BASE64 = {"type": "string", "string": {"type": "Convert", "convert": "ToBase64"}}
XR = {"metadata": {"name": "vc1"}, "spec": {"namespace": "vc1-ns"}}
SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "placeholder"}}


def _composition(*resources: dict[str, Any], steps_before: int = 0) -> dict[str, Any]:
    step: dict[str, Any] = {"step": "pt", "input": {"apiVersion": "pt.fn.crossplane.io/v1beta1", "kind": "Resources"}}
    step["input"]["resources"] = list(resources)
    other = [{"step": f"other{i}", "input": {"apiVersion": "x/v1", "kind": "Input"}} for i in range(steps_before)]
    return {"spec": {"mode": "Pipeline", "pipeline": [*other, step]}}


def _writer(name: str = "reader", to: str = "vc.token") -> dict[str, Any]:
    patch = {"type": "ToEnvironmentFieldPath", "fromFieldPath": "status.data[token]", "toFieldPath": to}
    return {"name": name, "base": SECRET, "patches": [patch]}


def _reader(name: str = "consumer", *, policy: str | None = "Required", reads: str = "vc.token") -> dict[str, Any]:
    patch: dict[str, Any] = {
        "type": "CombineFromEnvironment",
        "combine": {"variables": [{"fromFieldPath": reads}], "strategy": "string", "string": {"fmt": "t=%s"}},
        "toFieldPath": "data.config",
    }
    if policy:
        patch["policy"] = {"fromFieldPath": policy}
    return {"name": name, "base": SECRET, "patches": [patch]}


@pytest.mark.parametrize(
    ("path", "parts"),
    [
        (
            "status.atProvider.manifest.data[certificate-authority]",
            ["status", "atProvider", "manifest", "data", "certificate-authority"],
        ),
        (
            "spec.values.exportKubeConfig.additionalSecrets[0].name",
            ["spec", "values", "exportKubeConfig", "additionalSecrets", 0, "name"],
        ),
        (
            "metadata.annotations[crossplane.io/external-name]",
            ["metadata", "annotations", "crossplane.io/external-name"],
        ),
    ],
)
def test_field_paths_are_split_as_crossplane_splits_them(path: str, parts: list[str | int]) -> None:
    assert segments(path) == parts


@pytest.mark.parametrize("path", ["data[token", "data]x"])
def test_a_field_path_that_does_not_parse_is_refused(path: str) -> None:
    with pytest.raises(Unmodelled):
        segments(path)


def test_base64_conversions_are_go_standard_encoding() -> None:
    assert transform_value(TO_BASE64, "vc1") == "dmMx"
    assert transform_value(FROM_BASE64, "dmMx") == "vc1"
    with pytest.raises(PatchFailed, match="not valid base64"):
        transform_value(FROM_BASE64, "dmMx!")
    with pytest.raises(PatchFailed):
        transform_value(FROM_BASE64, "dmM")  # Go's StdEncoding wants the padding


def test_a_transform_the_model_does_not_implement_is_refused_not_skipped() -> None:
    with pytest.raises(Unmodelled):
        transform_value({"type": "string", "string": {"type": "Convert", "convert": "ToSha256"}}, "x")
    with pytest.raises(Unmodelled):
        transform_value({"type": "map", "map": {"a": "b"}}, "a")


def test_a_combine_formats_like_go_and_refuses_a_miscount() -> None:
    assert combine_string('{"a":"%s","p":"100%%"}', ["x"]) == '{"a":"x","p":"100%"}'
    with pytest.raises(PatchFailed, match="has 2 %s for 1 variables"):
        combine_string("%s-%s", ["x"])
    with pytest.raises(Unmodelled):
        combine_string("%d", [1])


def test_a_patch_type_the_model_does_not_implement_is_refused_not_skipped() -> None:
    resource = {"name": "r", "base": SECRET, "patches": [{"type": "ToCompositeFieldPath", "fromFieldPath": "a"}]}
    with pytest.raises(Unmodelled, match="ToCompositeFieldPath"):
        render(_composition(resource), XR, {})


def test_the_environment_flows_only_to_resources_listed_after_the_writer() -> None:
    observed = {"reader": {"status": {"data": {"token": "dG9r"}}}}
    in_order = render(_composition(_writer(), _reader()), XR, observed)
    assert in_order.desired["consumer"]["data"] == {"config": "t=dG9r"}
    reversed_order = render(_composition(_reader(), _writer()), XR, observed)
    assert reversed_order.skipped == ("consumer",)


def test_required_keeps_out_only_a_resource_not_created_yet() -> None:
    composition = _composition(_writer(), _reader())
    assert render(composition, XR, {}).skipped == ("consumer",)
    existing = {"consumer": {"metadata": {"name": "vc1-abcde"}}}
    kept = render(composition, XR, existing)
    assert kept.skipped == ()
    assert kept.desired["consumer"]["metadata"]["name"] == "vc1-abcde"  # associated with what exists
    assert "config" not in kept.desired["consumer"].get("data", {})


def test_an_optional_patch_from_a_missing_value_is_skipped() -> None:
    assert render(_composition(_writer(), _reader(policy=None)), XR, {}).desired["consumer"] == SECRET


def test_a_patch_into_a_list_item_keeps_its_siblings() -> None:
    base = {"values": {"secrets": [{"name": "placeholder", "serviceAccount": {"name": "sa"}}]}}
    patch = {
        "type": "CombineFromComposite",
        "combine": {
            "variables": [{"fromFieldPath": "metadata.name"}],
            "strategy": "string",
            "string": {"fmt": "vc-%s"},
        },
        "toFieldPath": "values.secrets[0].name",
    }
    rendered = render(_composition({"name": "r", "base": base, "patches": [patch]}), XR, {})
    assert rendered.desired["r"] == {"values": {"secrets": [{"name": "vc-vc1", "serviceAccount": {"name": "sa"}}]}}


def test_a_bad_base64_value_fails_the_whole_step_naming_the_patch() -> None:
    writer = _writer()
    writer["patches"][0]["transforms"] = [FROM_BASE64]
    observed = {"reader": {"status": {"data": {"token": base64.b64encode(b"x").decode() + "*"}}}}
    with pytest.raises(PatchFailed, match="resource 'reader' patch 0: FromBase64"):
        render(_composition(writer, _reader()), XR, observed)


def test_order_rules_accept_a_reader_after_its_writer() -> None:
    assert order_problems(_composition(_writer(), _reader())) == []


def test_order_rules_flag_a_reader_before_its_writer() -> None:
    ((path, message),) = order_problems(_composition(_reader(), _writer()))
    assert path == ("spec", "pipeline", 0, "input", "resources", 0, "patches", 0)
    assert message == (
        "reads environment vc.token before resource 'reader' writes it: "
        "list 'reader' before 'consumer' (resources run in order, one environment)"
    )


def test_order_rules_flag_a_field_no_patch_writes_unless_an_earlier_step_may_have() -> None:
    ((_, message),) = order_problems(_composition(_writer(), _reader(reads="vc.caData")))
    assert message == "reads environment vc.caData, which no patch writes"
    assert order_problems(_composition(_writer(), _reader(reads="vc.caData"), steps_before=1)) == []


def test_a_writer_of_the_enclosing_object_feeds_a_reader_of_one_field() -> None:
    assert order_problems(_composition(_writer(to="vc"), _reader(reads="vc.token"))) == []


def test_order_rules_flag_a_read_that_is_not_required() -> None:
    ((path, message),) = order_problems(_composition(_writer(), _reader(policy="Optional")))
    assert path[-4:] == ("resources", 1, "patches", 0)
    assert message == (
        "reads environment vc.token without policy.fromFieldPath: Required, so 'consumer' is created before the "
        "value exists"
    )
