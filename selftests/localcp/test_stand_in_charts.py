"""The local tier's stand-in database charts, checked by helm v4 (``lint``, ``template``) with the values the
platform's real ComponentDefinitions render (``vela dry-run``): they carry the pinned chart versions, say they
are stand-ins, render the object names and labels the steps read, and refuse what the Bitnami charts refuse."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from localcp.rendered import rendered_release
from oamconf.cluster import gobuild
from oamconf.cluster.localcp.databases import stand_in_chart
from oamconf.cluster.tools import default_cache_dir
from oamconf.errors import ConformanceError
from oamconf.platform.versions import load_versions
from oamconf.steps.hints import matching_rule

NAMESPACE = "conformance"
# (definition, application, component): as the phases' own Applications (fixtures/platform/apps).
APPS = {"postgresql": ("test-postgres-only", "test-db"), "redis": ("test-redis-only", "cache")}
SECRET_PROPS = {
    "postgresql": {"username": "testuser", "database": "testdb", "existingSecret": "creds"},
    "redis": {"existingSecret": "creds"},
}


@pytest.fixture(scope="module")
def helm() -> Path:
    try:
        (built,) = gobuild.ensure_all(("helm",), cache_dir=default_cache_dir())
    except ConformanceError as err:
        pytest.fail(str(err), pytrace=False)
    return built.path


def _values(chart: str, props: dict[str, Any], folder: Path) -> tuple[str, Path]:
    """The release name and a values file, as provider-helm gets them from the rendered Release."""
    app, component = APPS[chart]
    release = rendered_release(chart, app=app, component=component, namespace=NAMESPACE, props=props)
    path = folder / f"{chart}-values.yaml"
    path.write_text(yaml.safe_dump(release["spec"]["forProvider"]["values"]), encoding="utf-8")
    return release["metadata"]["annotations"]["crossplane.io/external-name"], path


def _helm(helm: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(helm), *args], capture_output=True, text=True, timeout=60, check=False)  # noqa: S603


def _objects(helm: Path, chart: str, props: dict[str, Any], folder: Path) -> dict[tuple[str, str], dict[str, Any]]:
    name, values = _values(chart, props, folder)
    done = _helm(helm, "template", name, str(stand_in_chart(chart)), "-n", NAMESPACE, "-f", str(values))
    assert done.returncode == 0, done.stderr
    docs = [doc for doc in yaml.safe_load_all(done.stdout) if doc]
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in docs}


@pytest.mark.parametrize("chart", ["postgresql", "redis"])
def test_a_stand_in_chart_names_itself_and_carries_the_pinned_version(chart: str) -> None:
    """Chart.yaml: the version a Release asks for, and a description that says it is a stand-in."""
    meta = yaml.safe_load((stand_in_chart(chart) / "Chart.yaml").read_text(encoding="utf-8"))
    pinned = getattr(load_versions(), chart)
    assert meta["version"] == pinned.chart_version
    assert meta["description"].startswith("STAND-IN for Bitnami's"), meta["description"]


@pytest.mark.parametrize("props", [{}, "secret"], ids=["defaults", "existing-secret"])
@pytest.mark.parametrize("chart", ["postgresql", "redis"])
def test_helm_lints_a_stand_in_chart_with_the_values_the_definition_renders(
    helm: Path, chart: str, props: Any, tmp_path: Path
) -> None:
    """``helm lint`` (values schema included) passes with the definition's defaults and with an existingSecret."""
    _, values = _values(chart, SECRET_PROPS[chart] if props == "secret" else {}, tmp_path)
    done = _helm(helm, "lint", str(stand_in_chart(chart)), "-f", str(values))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_postgresql_stand_in_renders_the_names_the_steps_read(helm: Path, tmp_path: Path) -> None:
    """Service and StatefulSet ``<fullname>``, pods labelled with the instance, passwords from existingSecret."""
    objects = _objects(helm, "postgresql", SECRET_PROPS["postgresql"], tmp_path)
    fullname = "test-postgres-only-test-db"
    assert set(objects) == {("Service", fullname), ("Service", f"{fullname}-hl"), ("StatefulSet", fullname)}
    pod = objects["StatefulSet", fullname]["spec"]["template"]
    assert pod["metadata"]["labels"]["app.kubernetes.io/instance"] == fullname
    (container,) = pod["spec"]["containers"]
    assert container["image"] == "docker.io/bitnamilegacy/postgresql:17.6.0-debian-12-r4"
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e}
    assert refs == {
        "POSTGRES_PASSWORD": {"name": "creds", "key": "password"},
        "POSTGRES_POSTGRES_PASSWORD": {"name": "creds", "key": "postgres-password"},
    }
    claim = objects["StatefulSet", fullname]["spec"]["volumeClaimTemplates"][0]["metadata"]["name"]
    assert f"{claim}-{fullname}-0" == "data-test-postgres-only-test-db-0"  # the PVC the hint catalogue names


def test_the_redis_stand_in_renders_the_names_the_steps_read(helm: Path, tmp_path: Path) -> None:
    """Standalone: Service and StatefulSet ``<fullname>-master``, the password from existingSecret's key."""
    objects = _objects(helm, "redis", SECRET_PROPS["redis"], tmp_path)
    fullname = "test-redis-only-cache"
    assert set(objects) == {
        ("Service", f"{fullname}-headless"),
        ("Service", f"{fullname}-master"),
        ("StatefulSet", f"{fullname}-master"),
    }
    (container,) = objects["StatefulSet", f"{fullname}-master"]["spec"]["template"]["spec"]["containers"]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e}
    assert refs == {"REDIS_PASSWORD": {"name": "creds", "key": "redis-password"}}


@pytest.mark.parametrize("chart", ["postgresql", "redis"])
def test_a_stand_in_refuses_a_substituted_image_as_bitnami_s_check_does(helm: Path, chart: str, tmp_path: Path) -> None:
    """Another registry fails the render (the hint catalogue knows the text); allowInsecureImages lets it through."""
    props: dict[str, Any] = {"image": {"registry": "quay.io"}}
    name, values = _values(chart, props, tmp_path)
    refused = _helm(helm, "template", name, str(stand_in_chart(chart)), "-f", str(values))
    assert refused.returncode != 0
    rule = matching_rule(refused.stderr)
    assert rule is not None, refused.stderr
    assert rule[0].name == "bitnami-image-check"
    name, values = _values(chart, {**props, "allowInsecureImages": True}, tmp_path)
    allowed = _helm(helm, "template", name, str(stand_in_chart(chart)), "-f", str(values))
    assert allowed.returncode == 0, allowed.stderr


@pytest.mark.parametrize(("chart", "values", "said"), [
    ("postgresql", ["--set", "auth.password=5"], "at '/auth/password': got number, want string"),
    ("redis", ["--set", "auth.enabled=yes"], "at '/auth/enabled': got string, want boolean"),
])  # fmt: skip
def test_a_stand_in_refuses_a_value_of_the_wrong_type_by_its_schema(
    helm: Path, chart: str, values: list[str], said: str
) -> None:
    """The values schema types what Bitnami's schema types: helm refuses the release before rendering."""
    done = _helm(helm, "template", "x", str(stand_in_chart(chart)), "--set", "architecture=standalone", *values)
    assert done.returncode != 0
    assert said in done.stderr, done.stderr
