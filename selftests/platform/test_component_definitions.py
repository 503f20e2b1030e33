"""The postgresql/redis ComponentDefinitions, rendered offline by KubeVela's own engine.

Each render is `vela dry-run --offline` (KubeVela v1.10.9, built from hack/tools/kubevela) of an Application
like the phases' own (test-postgres-only / test-db); health and custom status are evaluated by KubeVela's
pkg/cue/definition/health through `velastatus`. A failed render is KubeVela's own error.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from oamconf.cluster.gobuild import Built
from oamconf.platform.loading import Platform
from oamconf.platform.manifests import Document, load_documents
from oamconf.platform.paths import fixtures_dir
from oamconf.platform.profile import load_profile
from oamconf.platform.versions import DatabaseChart, Versions
from oamconf.testkit.schemas import load_index
from oamconf.testkit.validate import validate_platform
from oamconf.testkit.vela import Status, VelaFailed, dry_run, status
from pinned import require_schemas

FIXTURES = fixtures_dir()

DEFINITIONS = FIXTURES / "platform" / "kubevela"


def _definition(name: str) -> Document:
    (doc,) = load_documents(DEFINITIONS / f"componentdefinition-{name}.yaml")
    return doc


NAMESPACE = "conformance"
OTHER_NAMESPACE = "team-b"
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


def _application(definition: str, properties: dict[str, Any], namespace: str) -> dict[str, Any]:
    component = {"name": "test-db", "type": definition, "properties": properties}
    return {
        "apiVersion": "core.oam.dev/v1beta1",
        "kind": "Application",
        "metadata": {"name": "test-postgres-only", "namespace": namespace},
        "spec": {"components": [component]},
    }


def _render(vela: Built, job: tuple[str, dict[str, Any], str]) -> dict[str, Any] | VelaFailed:
    definitions = [_definition(name).body for name in ("postgresql", "redis")]
    try:
        (output,) = dry_run(_application(*job), definitions, vela=vela)
    except VelaFailed as err:
        return err
    return output


@pytest.fixture(scope="module")
def rendered(engines: dict[str, Built]) -> dict[str, Any]:
    """Rendered outputs by RENDERS key; a failed render is KubeVela's error (VelaFailed)."""
    with ThreadPoolExecutor(max_workers=2) as pool:  # one vela process a core
        outputs = list(pool.map(lambda job: _render(engines["vela"], job), RENDERS.values()))
    return dict(zip(RENDERS, outputs, strict=True))


def _validate(tmp_path: Path, versions: Versions, output: dict[str, Any]) -> list[str]:
    source = Document(tmp_path / "rendered.yaml", 0, output)
    return validate_platform(Platform(documents=[source]), versions=versions)


@pytest.mark.parametrize("name", ["postgresql", "redis"])
def test_the_rendered_release_validates_against_the_release_crd_and_the_chart_schema(
    tmp_path: Path, versions: Versions, rendered: dict[str, Any], name: str
) -> None:
    require_schemas(versions, "provider-helm", name)
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
    assert output["metadata"]["annotations"]["crossplane.io/external-name"] == "test-postgres-only-test-db"
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
def test_a_failed_install_is_retried_within_the_step_s_wait_not_ten_minutes_later(
    rendered: dict[str, Any], name: str
) -> None:
    # provider-helm reinstalls one poll interval after the uninstall (platform-facts §9); its 10m default
    # leaves no retry inside release_ready. crossplane-runtime v2.3.3 reads this annotation per resource
    # (pkg/reconciler/managed/reconciler.go:867-875, pkg/meta/meta.go:383-396).
    output = rendered[name]
    poll = _seconds(output["metadata"]["annotations"]["crossplane.io/poll-interval"])
    assert _seconds(output["spec"]["forProvider"]["waitTimeout"]) + poll < load_profile().timeouts.release_ready


@pytest.mark.parametrize("name", ["postgresql", "redis"])
def test_wait_timeout_and_rollback_limit_are_parameters(rendered: dict[str, Any], name: str) -> None:
    spec = rendered[f"{name}-no-wait"]["spec"]
    assert (spec["forProvider"]["wait"], spec["forProvider"]["waitTimeout"], spec["rollbackLimit"]) == (False, "7m", 0)


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("postgresql-bad-timeout", "output.spec.forProvider.waitTimeout"),
        ("redis-bad-timeout", "output.spec.forProvider.waitTimeout"),
        ("postgresql-negative-limit", "output.spec.rollbackLimit"),
    ],
)
def test_a_wait_timeout_that_is_no_duration_or_a_negative_limit_is_refused_by_the_template(
    rendered: dict[str, Any], key: str, field: str
) -> None:
    # provider-helm decodes waitTimeout as a Go duration (metav1.Duration): refuse anything else at the Application.
    # KubeVela v1.10.9 names the output field the property flows into, not the parameter.
    error = rendered[key]
    assert isinstance(error, VelaFailed)
    assert f"{field}: 2 errors in empty disjunction" in str(error)


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


# The Bitnami images a chart pulls besides the database's own, by values key; each is off at the chart defaults
# but would pull docker.io/bitnami/* once enabled (platform-facts §9). Redis's are every image its pinned
# values schema names; PostgreSQL's pinned schema lists only `enabled` under these keys, so its two are the
# chart's (os-shell for volume permissions, postgres-exporter for metrics).
SIDECARS = {
    "postgresql": {"volumePermissions": "os-shell", "metrics": "postgres-exporter"},
    "redis": {
        "volumePermissions": "os-shell",
        "sysctl": "os-shell",
        "metrics": "redis-exporter",
        "kubectl": "kubectl",
        "sentinel": "redis-sentinel",
    },
}


@pytest.mark.parametrize("name", ["postgresql", "redis"])
def test_every_sidecar_image_comes_from_bitnamilegacy_too(rendered: dict[str, Any], name: str) -> None:
    values = rendered[name]["spec"]["forProvider"]["values"]
    for key, image in SIDECARS[name].items():
        assert values.get(key, {}).get("image") == {"registry": "docker.io", "repository": f"bitnamilegacy/{image}"}


def test_the_redis_sidecars_are_every_image_its_pinned_values_schema_names(versions: Versions) -> None:
    require_schemas(versions, "redis")
    schema = load_index(versions).values["redis"].schema
    named = {
        key: prop["properties"]["image"]["properties"]["repository"]["default"].rpartition("/")[2]
        for key, prop in schema["properties"].items()
        if "image" in prop.get("properties", {})
    }
    assert named == SIDECARS["redis"]


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


def test_a_property_of_the_wrong_type_is_refused_by_kubevela_naming_the_field(rendered: dict[str, Any]) -> None:
    error = rendered["postgresql-bad-tag"]
    assert isinstance(error, VelaFailed)
    assert "invalid cue template of workload test-db after merge parameter and context: " in str(error)
    assert "output.spec.forProvider.values.image.tag: 2 errors in empty disjunction" in str(error)


READY = [{"type": "Synced", "status": "True"}, {"type": "Ready", "status": "True"}]
UNAVAILABLE = [{"type": "Ready", "status": "False"}]
# (live Release conditions, atProvider.state) -> the live output KubeVela hands the status templates.
STATUS_CASES: dict[str, tuple[list[dict[str, str]] | None, str | None]] = {
    "healthy": (READY, "deployed"),
    "unavailable": (UNAVAILABLE, "pending-install"),
    "no-conditions": (None, None),
    "message-deployed": ([], "deployed"),
}


def _live(conditions: list[dict[str, str]] | None, state: str | None) -> dict[str, Any]:
    live: dict[str, Any] = {}
    if conditions is not None:
        live["conditions"] = conditions
    if state is not None:
        live["atProvider"] = {"state": state}
    return {"apiVersion": "helm.crossplane.io/v1beta1", "kind": "Release", "status": live}


@pytest.fixture(scope="module", params=["postgresql", "redis"])
def statuses(request: pytest.FixtureRequest, engines: dict[str, Built]) -> dict[str, Status]:
    """The definition's healthPolicy/customStatus, evaluated by KubeVela against each live status."""
    definition = _definition(request.param).body
    return {
        key: status(definition, output=_live(*case), parameter={}, velastatus=engines["velastatus"])
        for key, case in STATUS_CASES.items()
    }


def test_the_component_is_healthy_only_when_the_release_is_ready(statuses: dict[str, Status]) -> None:
    assert statuses["healthy"].healthy is True
    assert statuses["unavailable"].healthy is False
    # No conditions yet: isHealth does not evaluate, which KubeVela counts as unhealthy (facts §2.2).
    assert statuses["no-conditions"].healthy is False
    assert statuses["no-conditions"].health_error


def test_the_custom_status_shows_the_helm_state(statuses: dict[str, Status]) -> None:
    assert statuses["message-deployed"].message == "helm state: deployed"
    assert statuses["no-conditions"].message == "waiting for Release status"
