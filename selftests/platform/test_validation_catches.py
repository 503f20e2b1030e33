"""The offline validator fails on broken manifests, naming file, object and field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from oamconf.errors import UsageError
from oamconf.platform.manifests import load_documents
from oamconf.platform.paths import fixtures_dir
from oamconf.platform.versions import Versions
from oamconf.testkit.validate import load_platform, validate_platform

FIXTURES = fixtures_dir()

RELEASE: dict[str, Any] = {
    "apiVersion": "helm.crossplane.io/v1beta1",
    "kind": "Release",
    "metadata": {"name": "test-db"},
    "spec": {
        "providerConfigRef": {"name": "helm-provider"},
        "forProvider": {
            "chart": {
                "name": "postgresql",
                "repository": "oci://registry-1.docker.io/bitnamicharts",
                "version": "17.1.0",
            },
            "namespace": "conformance",
            "values": {"architecture": "standalone"},
        },
    },
}


def _problems(tmp_path: Path, versions: Versions, *documents: dict[str, Any], name: str = "x.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(documents), encoding="utf-8")
    return validate_platform(load_platform([path]), versions=versions)


def _release(**changes: Any) -> dict[str, Any]:
    """A valid Release with ``changes`` applied at dotted paths (None deletes the key)."""
    release = copy.deepcopy(RELEASE)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = release
        for key in parents:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    return release


@pytest.mark.usefixtures("release_schemas")
def test_a_valid_release_has_no_problems(tmp_path: Path, versions: Versions) -> None:
    assert _problems(tmp_path, versions, RELEASE) == []


@pytest.mark.usefixtures("release_schemas")
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {"spec__forProvider__namespace": None},
            "Release test-db: spec.forProvider: 'namespace' is a required property",
            id="missing-required-field",
        ),
        pytest.param(
            {"spec__deletionPolicy": "Keep"},
            "Release test-db: spec.deletionPolicy: 'Keep' is not one of ['Orphan', 'Delete']",
            id="bad-enum",
        ),
        pytest.param(
            {"spec__forProvider__chart__version": 17},
            "Release test-db: spec.forProvider.chart.version: 17 is not of type 'string'",
            id="wrong-type",
        ),
        pytest.param(
            {"spec__forProvider__chartz": {}},
            "Release test-db: spec.forProvider: Additional properties are not allowed ('chartz' was unexpected)",
            id="unknown-field",
        ),
        pytest.param(
            {"spec__forProvider__values": {"architecture": 3}},
            "Release test-db: spec.forProvider.values.architecture: 3 is not of type 'string'",
            id="bad-chart-value",
        ),
    ],
)
def test_a_broken_release_is_reported_with_file_object_and_field(
    tmp_path: Path, versions: Versions, changes: dict[str, Any], expected: str
) -> None:
    problems = _problems(tmp_path, versions, _release(**changes))
    assert problems == [f"{tmp_path / 'x.yaml'}: {expected}"]


def test_a_kind_with_no_pinned_schema_is_an_error_not_a_pass(tmp_path: Path, versions: Versions) -> None:
    widget = {"apiVersion": "example.org/v1", "kind": "Widget", "metadata": {"name": "w"}}
    (problem,) = _problems(tmp_path, versions, widget)
    assert "Widget w: no pinned schema for apiVersion example.org/v1 kind Widget" in problem


def test_a_core_kind_is_validated_strictly(tmp_path: Path, versions: Versions) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringdata": {"a": "b"}}
    (problem,) = _problems(tmp_path, versions, secret)
    assert problem.endswith("Secret s: Additional properties are not allowed ('stringdata' was unexpected)")


def test_an_object_without_a_name_is_reported(tmp_path: Path, versions: Versions) -> None:
    (problem,) = _problems(tmp_path, versions, _release(metadata={}))
    assert problem.endswith("Release #1: metadata.name: required; every object needs a name")


@pytest.mark.usefixtures("release_schemas")
def test_vcluster_values_with_a_legacy_syncer_key_are_rejected_by_the_chart_schema(
    tmp_path: Path, versions: Versions
) -> None:
    release = _release(
        spec__forProvider__chart={"name": "vcluster", "repository": "https://charts.loft.sh", "version": "0.36.1"}
    )
    release["spec"]["forProvider"]["values"] = {"syncer": {"extraArgs": ["--tls-san=vc1.vc1-ns.svc"]}}
    (problem,) = _problems(tmp_path, versions, release)
    assert problem.endswith(
        "Release test-db: spec.forProvider.values: Additional properties are not allowed ('syncer' was unexpected)"
    )


def test_a_broken_base_inside_the_composition_is_found_at_its_full_path(tmp_path: Path, versions: Versions) -> None:
    (composition,) = [d.body for d in load_documents(FIXTURES / "platform" / "vcluster" / "composition.yaml")]
    resources = composition["spec"]["pipeline"][0]["input"]["resources"]
    resources[0]["base"]["spec"]["forProvider"]["values"]["controlPlane"]["proxy"]["extraSANs"] = "vc1.vc1-ns.svc"
    resources[2]["base"]["type"] = 7
    resources[1]["patches"][0]["type"] = "FromXRFieldPath"
    problems = _problems(tmp_path, versions, composition)
    base = "spec.pipeline[0].input.resources"
    assert [p.partition("Composition virtualcluster-helm-argocd: ")[2].partition(":")[0] for p in problems] == [
        f"{base}[1].patches[0].type",
        f"{base}[0].base.spec.forProvider.values.controlPlane.proxy.extraSANs",
        f"{base}[2].base.type",
    ]


def test_the_composite_resource_is_checked_against_the_fixture_xrd(tmp_path: Path, versions: Versions) -> None:
    xrd = load_documents(FIXTURES / "platform" / "vcluster" / "xrd.yaml")[0].body
    xr = {
        "apiVersion": "platform.example.org/v1alpha1",
        "kind": "VirtualCluster",
        "metadata": {"name": "vc2"},
        "spec": {"hostServices": [{"from": "db/pg"}]},
    }
    problems = _problems(tmp_path, versions, xrd, xr)
    assert [p.partition("VirtualCluster vc2: ")[2] for p in problems] == [
        "spec: 'namespace' is a required property",
        "spec.hostServices[0]: 'to' is a required property",
    ]


def _host_services_problems(tmp_path: Path, versions: Versions, *mappings: dict[str, str]) -> list[str]:
    xrd = load_documents(FIXTURES / "platform" / "vcluster" / "xrd.yaml")[0].body
    xr = {
        "apiVersion": "platform.example.org/v1alpha1",
        "kind": "VirtualCluster",
        "metadata": {"name": "vc2"},
        "spec": {"namespace": "vc2-ns", "hostServices": list(mappings)},
    }
    return [p.partition("VirtualCluster vc2: ")[2] for p in _problems(tmp_path, versions, xrd, xr)]


def test_a_host_service_mapped_to_no_virtual_namespace_is_refused_by_the_xrd(
    tmp_path: Path, versions: Versions
) -> None:
    # vCluster's parseMapping would only fail at start-up (facts §7.3): the XRD refuses it on apply.
    (problem,) = _host_services_problems(tmp_path, versions, {"from": "conformance/podinfo-db", "to": "podinfo-db"})
    assert problem.startswith("spec.hostServices[0].to: 'podinfo-db' does not match ")


@pytest.mark.parametrize(
    "mapping",
    [
        pytest.param({"from": "conformance/podinfo-db", "to": "demo/a/b"}, id="to-three-parts"),
        pytest.param({"from": "conformance/podinfo/db", "to": "demo/podinfo-db"}, id="from-three-parts"),
        pytest.param({"from": "Conformance/podinfo-db", "to": "demo/podinfo-db"}, id="from-not-a-dns-label"),
        pytest.param({"from": "conformance/podinfo-db", "to": "demo/"}, id="to-no-name"),
    ],
)
def test_a_host_service_mapping_vcluster_cannot_parse_is_refused(
    tmp_path: Path, versions: Versions, mapping: dict[str, str]
) -> None:
    (problem,) = _host_services_problems(tmp_path, versions, mapping)
    assert " does not match " in problem


def test_a_host_service_named_without_its_namespace_is_the_vcluster_s_own(tmp_path: Path, versions: Versions) -> None:
    # `from: name` means a Service in the vCluster's host namespace (parseMapping's default namespace).
    mappings = ({"from": "podinfo-db", "to": "demo/podinfo-db"}, {"from": "conformance/pg", "to": "default/pg"})
    assert _host_services_problems(tmp_path, versions, *mappings) == []


def test_a_values_file_for_an_unpinned_chart_is_reported(tmp_path: Path, versions: Versions) -> None:
    (tmp_path / "values").mkdir()
    (problem,) = _problems(tmp_path, versions, {"replicaCount": 1}, name="values/nginx.yaml")
    assert "values of chart nginx: no chart 'nginx' in versions.toml" in problem


def test_a_yaml_syntax_error_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: [x\n", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_documents(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:4: YAML does not parse")
    assert "\n" not in message


@pytest.mark.usefixtures("release_schemas")
def test_a_yaml_syntax_error_is_reported_without_hiding_other_files(tmp_path: Path, versions: Versions) -> None:
    broken, good = tmp_path / "a.yaml", tmp_path / "b.yaml"
    broken.write_text("key: [\n", encoding="utf-8")
    good.write_text(yaml.safe_dump(_release(spec__deletionPolicy="Keep")), encoding="utf-8")
    problems = validate_platform(load_platform([broken, good]), versions=versions)
    assert len(problems) == 2
    assert problems[0].startswith(f"{broken}:2: YAML does not parse")


def test_a_kind_node_image_without_digest_is_reported(tmp_path: Path, versions: Versions) -> None:
    config = {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "nodes": [{"role": "control-plane", "image": "kindest/node:v1.36.1"}],
    }
    (problem,) = _problems(tmp_path, versions, config)
    assert "Cluster #1: nodes[0].image: 'kindest/node:v1.36.1' does not match" in problem
