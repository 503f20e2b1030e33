"""What a local-tier run applies is pointed at its loopback chart repository, and only that."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from oamconf.cluster.local_standins import bill_of_materials, rewrite_for
from oamconf.cluster.localcp.charts import ChartRepository
from oamconf.platform.paths import fixtures_dir
from oamconf.platform.versions import load_versions

URL = "http://127.0.0.1:40000"
CHARTS = ChartRepository(Path("/nonexistent"), URL, 40000)


def _composition() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((fixtures_dir() / "platform/vcluster/composition.yaml").read_text())
    return loaded


def _resources(composition: dict[str, Any]) -> dict[str, Any]:
    return {r["name"]: r for r in composition["spec"]["pipeline"][0]["input"]["resources"]}


def test_the_compositions_vcluster_release_names_the_loopback_repository_and_nothing_else_changes() -> None:
    original = _composition()
    kept = copy.deepcopy(original)

    moved = rewrite_for(load_versions(), CHARTS)(original)

    assert original == kept  # the fixture's manifest is not changed in place
    release = _resources(moved)["vcluster-release"]["base"]["spec"]["forProvider"]["chart"]
    assert release == {"name": "vcluster", "repository": URL, "version": "0.36.1"}
    _resources(moved)["vcluster-release"]["base"]["spec"]["forProvider"]["chart"]["repository"] = (
        "https://charts.loft.sh"
    )
    assert moved == kept  # the chart's repository is the one difference


def test_a_release_of_a_chart_not_served_here_is_applied_as_it_is() -> None:
    release = {
        "apiVersion": "helm.crossplane.io/v1beta1",
        "kind": "Release",
        "metadata": {"name": "other"},
        "spec": {"forProvider": {"chart": {"name": "x", "repository": "https://example.org/charts"}}},
    }
    assert rewrite_for(load_versions(), CHARTS)(release) is release


def test_a_database_component_of_an_application_takes_its_chart_from_the_loopback_repository() -> None:
    app = {
        "apiVersion": "core.oam.dev/v1beta1",
        "kind": "Application",
        "metadata": {"name": "a"},
        "spec": {"components": [{"name": "db", "type": "postgresql", "properties": {"chart": {"version": "1"}}},
                                {"name": "web", "type": "webservice", "properties": {}}]},
    }  # fmt: skip
    moved = rewrite_for(load_versions(), CHARTS)(app)
    db, web = moved["spec"]["components"]
    assert db["properties"]["chart"] == {"version": "1", "repository": URL}
    assert web["properties"] == {}


def test_the_bill_of_materials_names_each_stand_in_as_one() -> None:
    rows = bill_of_materials(load_versions())
    assert "stand-in" in rows["podinfo chart"]
    assert "stand-in" in rows["Redis chart"]
    assert "stand-in" not in rows["vCluster chart"]
    assert rows["vCluster chart"].startswith("vcluster 0.36.1 from github.com/loft-sh/vcluster@v0.36.1 chart/")
    # A package served at another version than the pin is named as it ran; the others keep the pinned row.
    assert rows["provider-helm"].startswith("xpkg.crossplane.io/crossplane-contrib/provider-helm:v1.3.0, built from")
    assert "the pinned v1.4.0 is not served" in rows["provider-helm"]
    assert "provider-kubernetes" not in rows
