"""Server-side apply as the real API server does it, where selftests/k8s/fakeapi.py only checked the request:
forced conflicts, field managers, fields dropped from a manifest, refusals and kinds that are not served."""

from __future__ import annotations

import time
from typing import Any

import pytest

from oamconf.errors import ApiError, UsageError, WaitFailed
from oamconf.k8s.api import FIELD_MANAGER, KubeObject, Ref
from oamconf.k8s.expect import Expect
from oamconf.k8s.kube import KubeCluster


def config_map(namespace: str, data: dict[str, Any], name: str = "settings") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace}, "data": data}


def owners(obj: KubeObject) -> dict[str, set[str]]:
    """Each field manager's ``Apply`` entries: the ``data`` keys it owns."""
    found: dict[str, set[str]] = {}
    for entry in obj.metadata.get("managedFields") or []:
        keys = (entry.get("fieldsV1") or {}).get("f:data") or {}
        found.setdefault(entry["manager"], set()).update(key.removeprefix("f:") for key in keys)
    return found


def test_apply_takes_over_a_field_another_manager_owns_because_the_suite_forces_conflicts(
    cluster: KubeCluster, namespace: str
) -> None:
    cluster.apply(config_map(namespace, {"mode": "theirs", "other": "kept"}), field_manager="platform-team")

    live = cluster.apply(config_map(namespace, {"mode": "ours"}))

    assert live.raw["data"] == {"mode": "ours", "other": "kept"}
    assert owners(live) == {"platform-team": {"other"}, FIELD_MANAGER: {"mode"}}


def test_a_field_the_suite_stops_applying_is_removed_and_another_managers_stays(
    cluster: KubeCluster, namespace: str
) -> None:
    cluster.apply(config_map(namespace, {"theirs": "1"}), field_manager="platform-team")
    cluster.apply(config_map(namespace, {"a": "1", "b": "2"}))

    live = cluster.apply(config_map(namespace, {"a": "1"}))

    assert live.raw["data"] == {"a": "1", "theirs": "1"}


def test_the_answer_to_an_apply_names_its_kind_and_namespace(cluster: KubeCluster, namespace: str) -> None:
    live = cluster.apply(config_map(namespace, {"a": "1"}))

    assert live.ref == Ref("v1", "ConfigMap", "settings", namespace)
    assert live.metadata.get("resourceVersion")


def test_a_manifest_the_server_refuses_fails_the_apply_wait_at_once(cluster: KubeCluster, namespace: str) -> None:
    bad = config_map(namespace, {"a": "1"}, name="Not_A_Name")

    with pytest.raises(WaitFailed) as caught:
        Expect(cluster).applied(bad, timeout=30)

    assert 'rejected: 422 Invalid: ConfigMap "Not_A_Name" is invalid: metadata.name: Invalid value' in str(caught.value)


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        pytest.param({"data": {"replicas": 3}}, ".data.replicas: expected string", id="wrong-type"),
        pytest.param({"spec": {"x": 1}}, ".spec: field not declared in schema", id="unknown-field"),
    ],
)
def test_a_field_the_schema_refuses_is_a_500_and_fails_the_apply_wait_at_once(
    cluster: KubeCluster, namespace: str, fields: dict[str, Any], why: str
) -> None:
    manifest = {**config_map(namespace, {"a": "1"}), **fields}
    started = time.monotonic()

    with pytest.raises(WaitFailed) as caught:
        Expect(cluster).applied(manifest, timeout=30)

    # Not a 400 or 422: server-side apply reports a schema refusal as an internal error.
    assert "rejected: 500 InternalServerError: failed to create typed patch object " in str(caught.value)
    assert why in str(caught.value)
    assert time.monotonic() - started < 5


def test_a_kind_without_its_crd_is_named_as_not_served(cluster: KubeCluster) -> None:
    release = {"apiVersion": "helm.crossplane.io/v1beta1", "kind": "Release", "metadata": {"name": "db"}}

    with pytest.raises(ApiError) as caught:
        cluster.apply(release)

    assert (caught.value.status, caught.value.reason) == (404, "KindNotServed")
    assert "does not serve helm.crossplane.io/v1beta1 Release (is its CRD installed?)" in str(caught.value)


def test_a_manifest_without_a_name_is_a_usage_error_before_anything_is_sent(
    cluster: KubeCluster, namespace: str
) -> None:
    nameless = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": namespace}}

    with pytest.raises(UsageError, match=r"^a ConfigMap \(v1\) without metadata.name: set it in its manifest$"):
        cluster.apply(nameless)


def widget_crd(group: str) -> dict[str, Any]:
    size = {"type": "object", "properties": {"size": {"type": "integer"}}}
    schema = {"openAPIV3Schema": {"type": "object", "properties": {"spec": size}}}
    names = {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {"group": group, "names": names, "scope": "Namespaced",
                 "versions": [{"name": "v1", "served": True, "storage": True, "schema": schema}]},
    }  # fmt: skip


def test_a_custom_resource_is_applied_as_soon_as_its_new_crd_is_served_and_its_schema_enforced(
    cluster: KubeCluster, namespace: str
) -> None:
    group = f"{namespace}.oamconf.example"  # a CRD of this test's own: CRDs are cluster-wide
    cluster.get(Ref("v1", "Namespace", namespace))  # discovery read before the CRD exists, as an install does
    crd = cluster.apply(widget_crd(group))
    widget = {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": namespace}}
    try:
        live = Expect(cluster).applied({**widget, "spec": {"size": 1}}, timeout=60)
        with pytest.raises(WaitFailed, match=r"\.spec\.size: expected numeric"):
            Expect(cluster).applied({**widget, "spec": {"size": "big"}}, timeout=60)
    finally:
        cluster.delete(crd.ref)

    assert live.field("spec.size") == 1
