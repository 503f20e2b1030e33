"""fixtures/versions.toml and its strict loader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from oamconf.errors import UsageError
from oamconf.platform.paths import default_versions
from oamconf.platform.versions import DatabaseChart, load_versions

DEFAULT_VERSIONS = default_versions()


def _write(tmp_path: Path, text: str, name: str = "versions.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _defaults_with(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_VERSIONS.read_text(encoding="utf-8")
    assert old in text
    return _write(tmp_path, text.replace(old, new, 1))


def test_the_kind_node_image_is_pinned_by_digest() -> None:
    versions = load_versions()
    assert re.fullmatch(r"kindest/node:v1\.36\.1@sha256:[0-9a-f]{64}", versions.cluster.node_image)


def test_the_database_charts_run_the_bitnamilegacy_images_with_the_image_check_on() -> None:
    versions = load_versions()
    for chart in (versions.postgresql, versions.redis):
        assert isinstance(chart, DatabaseChart)
        # bitnami/common 2.31.4 accepts docker.io/bitnamilegacy/* with a warning; any other substitute fails it.
        assert (chart.image_registry, chart.image_repository) == ("docker.io", f"bitnamilegacy/{chart.chart}")
        assert chart.allow_insecure_images is False


def test_the_argo_cd_chart_is_the_one_that_ships_argo_cd_v3_4_4() -> None:
    versions = load_versions()
    assert (versions.argocd.chart_version, versions.argocd.app_version) == ("10.1.1", "v3.4.4")


def test_the_bill_of_materials_names_every_pinned_component_once() -> None:
    rows = load_versions().bill_of_materials()
    names = [name for name, _ in rows]
    assert len(names) == len(set(names))
    assert ("Crossplane chart", "crossplane 2.3.4 (https://charts.crossplane.io/stable)") in rows
    assert dict(rows)["provider-helm"].endswith(":v1.4.0")
    assert dict(rows)["PostgreSQL image"] == "docker.io/bitnamilegacy/postgresql:17.6.0-debian-12-r4"


def test_tool_checksums_are_empty_or_sha256() -> None:
    tools = load_versions().tools
    for tool in (tools.kind, tools.helm, tools.kubectl):
        for digest in vars(tool.sha256).values():
            assert re.fullmatch(r"([0-9a-f]{64})?", digest)
    assert tools.kind.download_url("linux", "amd64").endswith("/v0.32.0/kind-linux-amd64")


def test_an_unknown_key_is_one_line_naming_the_file_table_and_key(tmp_path: Path) -> None:
    path = _defaults_with(tmp_path, 'chart_version = "2.3.4"', 'chart_version = "2.3.4"\nchart_verison = "x"')
    with pytest.raises(UsageError) as caught:
        load_versions(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: [crossplane] unknown key 'chart_verison'")


def test_a_missing_key_is_named(tmp_path: Path) -> None:
    path = _defaults_with(tmp_path, 'chart = "vela-core"\n', "")
    with pytest.raises(UsageError, match=r"\[kubevela\] missing key 'chart'"):
        load_versions(path)


def test_a_wrong_type_is_named_with_its_dotted_key(tmp_path: Path) -> None:
    path = _defaults_with(tmp_path, "allow_insecure_images = false", 'allow_insecure_images = "yes"')
    with pytest.raises(UsageError, match=r"'postgresql.allow_insecure_images' must be true or false"):
        load_versions(path)


def test_a_node_image_without_digest_is_refused(tmp_path: Path) -> None:
    path = _defaults_with(tmp_path, "@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5", "")
    with pytest.raises(UsageError, match=r"node_image: pin the kind node image by digest"):
        load_versions(path)


def test_a_toml_syntax_error_is_one_line_with_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "[crossplane\n")
    with pytest.raises(UsageError, match=r"versions.toml: not valid TOML") as caught:
        load_versions(path)
    assert "\n" not in str(caught.value)


def test_a_per_key_override_replaces_one_value() -> None:
    versions = load_versions(overrides=["crossplane.chart_version=2.3.5", "redis.allow_insecure_images=true"])
    assert versions.crossplane.chart_version == "2.3.5"
    assert versions.redis.allow_insecure_images is True
    assert versions.crossplane.repository == load_versions().crossplane.repository


@pytest.mark.parametrize(
    ("override", "error"),
    [
        pytest.param("crossplane.chart_versio=2.3.5", r"unknown key 'chart_versio' in crossplane", id="unknown-key"),
        pytest.param("crossplane=2.3.5", r"'crossplane' is a table", id="table"),
        pytest.param("crossplane.chart_version", r"write it as table.key=value", id="no-equals"),
        pytest.param("redis.allow_insecure_images=yes", r"must be true or false", id="bad-bool"),
    ],
)
def test_a_bad_per_key_override_is_one_line(override: str, error: str) -> None:
    with pytest.raises(UsageError, match=error) as caught:
        load_versions(overrides=[override])
    assert str(caught.value).startswith(f"--set {override}: ")


def test_an_override_file_merges_over_the_defaults(tmp_path: Path) -> None:
    mine = _write(tmp_path, '[postgresql]\nchart = "postgres"\nimage_repository = "library/postgres"\n', "my.toml")
    versions = load_versions(overrides_file=mine)
    assert (versions.postgresql.chart, versions.postgresql.image_repository) == ("postgres", "library/postgres")
    assert versions.postgresql.chart_version == "17.1.0"


def test_an_override_file_with_an_unknown_key_names_that_file(tmp_path: Path) -> None:
    mine = _write(tmp_path, '[postgres]\nchart = "postgres"\n', "my.toml")
    with pytest.raises(UsageError, match=r"my.toml: unknown key 'postgres'"):
        load_versions(overrides_file=mine)


def test_matrix_node_images_must_be_pinned_by_digest(tmp_path: Path) -> None:
    override = tmp_path / "matrix.toml"
    override.write_text('[cluster]\nmatrix_node_images = ["kindest/node:v1.35.5"]\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"\[cluster\] matrix_node_images: pin kindest/node:v1.35.5 by digest"):
        load_versions(overrides_file=override)


def test_the_nightly_matrix_images_are_read_from_the_versions_file() -> None:
    images = load_versions().cluster.matrix_node_images
    assert images
    assert all("@sha256:" in image for image in images)
    with pytest.raises(UsageError, match="is an array: set it in a --versions or --profile file"):
        load_versions(overrides=["cluster.matrix_node_images=kindest/node:v1"])
