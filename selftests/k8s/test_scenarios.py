"""Scenario files set up a platform's story, and the suite's waits read it as they would a cluster.

What a scenario or manifest file may say, and the errors for what it may not, are in
test_scenario_files.py.
"""

from __future__ import annotations

import socket
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from oamconf.errors import ApiError, ServerNotGiven, UsageError, WaitFailed, WaitTimeout
from oamconf.k8s.api import Endpoint, KubeObject, Ref
from oamconf.k8s.conditions import condition_is
from oamconf.k8s.expect import Expect
from oamconf.k8s.scenario import load_scenario
from oamconf.k8s.wait import FakeClock, Observation
from oamconf.yamlio import load_all_fast

SCENARIOS = Path(__file__).parent.parent / "scenarios"
# The pinned upstream CRDs live next to the project (see shared/README.md), not in it.
PINNED_CRDS = Path(__file__).resolve().parents[2].parent / "shared" / "crds"
APP = Ref("core.oam.dev/v1beta1", "Application", "test-postgres-only", "conformance")
RELEASE = Ref("helm.crossplane.io/v1beta1", "Release", "test-db-postgresql")  # of the small inline scenarios
APP_RELEASE = Ref(
    "helm.crossplane.io/v1beta1", "Release", "conformance-test-postgres-only-test-db"
)  # the Application's


def application() -> dict[str, Any]:
    properties = {"username": "testuser", "database": "testdb", "existingSecret": "test-postgres-only-credentials"}
    component = {"name": "test-db", "type": "postgresql", "properties": properties}
    meta = {"name": APP.name, "namespace": APP.namespace}
    return {"apiVersion": APP.api_version, "kind": APP.kind, "metadata": meta, "spec": {"components": [component]}}


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server


# -- the example scenarios -----------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SCENARIOS.rglob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_scenario_loads_under_its_file_name_with_a_description(path: Path) -> None:
    cluster = load_scenario(path)

    assert cluster.name == path.stem or path.parent.name == "healthy"  # a part of the healthy platform
    assert cluster.description


def test_a_folder_composes_its_files_into_one_cluster() -> None:
    cluster = load_scenario(SCENARIOS / "healthy")

    parts = ("healthy-foundation", "healthy-vclusters", "healthy-databases", "healthy-argocd", "healthy-e2e")
    assert cluster.name == " + ".join(parts)
    assert cluster.get(Ref("pkg.crossplane.io/v1", "Provider", "provider-helm")) is not None  # from phase 1
    assert cluster.get(Ref("v1", "Namespace", "conformance")) is not None  # from phase 3


def test_the_healthy_application_runs_once_the_suite_has_looked_twice() -> None:
    cluster = load_scenario(SCENARIOS / "healthy")
    seen: list[str] = []
    clock = FakeClock()

    def phase_is_running(obj: KubeObject) -> Observation:
        phase = obj.field("status.status", "none")
        seen.append(phase)
        return Observation.simple(phase == "running", f"want status running, is {phase}")

    cluster.apply(application())
    Expect(cluster, clock=clock)(APP, phase_is_running)

    # The read sees the workflow running; the watch's first look is the second poll (after_polls: 2),
    # and it delivers the change that poll caused at once, with no poll interval waited.
    assert seen == ["runningWorkflow", "running"]
    assert clock.now == 0
    release = cluster.get(APP_RELEASE)
    assert release is not None
    assert str(release.condition("Ready")) == "Ready=True reason=Available"
    assert release.field("status.atProvider") == {
        "state": "deployed",
        "revision": 1,
        "version": "17.1.0",
        "releaseDescription": "Install complete",
    }
    assert release.labels["app.oam.dev/name"] == "test-postgres-only"


def test_the_stuck_release_times_out_saying_what_it_last_saw() -> None:
    cluster = load_scenario(SCENARIOS / "release-stuck-pending.yaml")
    clock = FakeClock()

    stuck = Ref("helm.crossplane.io/v1beta1", "Release", "conformance-test-postgres-only-test-db")
    with pytest.raises(WaitTimeout) as caught:
        Expect(cluster, clock=clock)(stuck, condition_is("Ready"), timeout=300)

    want = "want Ready=True, is Ready=False reason=Unavailable (waited 300s, simulated)"
    assert str(caught.value) == f"Release conformance-test-postgres-only-test-db: {want}"
    assert clock.now == 300


def test_a_forbidden_release_fails_the_wait_on_the_first_poll() -> None:
    cluster = load_scenario(SCENARIOS / "forbidden.yaml")
    clock = FakeClock()

    with pytest.raises(WaitFailed) as caught:
        Expect(cluster, clock=clock)(RELEASE, condition_is("Ready"))

    assert clock.now == 0
    assert 'releases.helm.crossplane.io "test-db-postgresql" is forbidden' in str(caught.value)
    with pytest.raises(ApiError, match=r"^403 Forbidden: releases\.helm\.crossplane\.io is forbidden"):
        cluster.list(RELEASE.api_version, "Release")


def test_server_errors_twice_then_success_ends_the_wait_on_the_third_poll(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        name: flaky-api
        objects:
          - apiVersion: helm.crossplane.io/v1beta1
            kind: Release
            metadata: {name: test-db-postgresql}
            status: {conditions: [{type: Ready, status: "True", reason: Available}]}
        failures:
          - {verb: get, match: {kind: Release}, error: server-error, times: 2}
        """,
    )
    cluster = load_scenario(path)
    clock = FakeClock()

    live = Expect(cluster, clock=clock)(RELEASE, condition_is("Ready"))

    assert str(live.condition("Ready")) == "Ready=True reason=Available"
    assert len(clock.sleeps) == 2  # the two server errors were retried after a pause each


def test_a_port_forward_reaches_the_server_bound_to_the_scenarios_endpoint(listening: socket.socket) -> None:
    address = Endpoint("127.0.0.1", listening.getsockname()[1])
    cluster = load_scenario(SCENARIOS / "healthy", endpoints={"postgresql": address})

    with cluster.port_forward("conformance", "test-postgres-only-test-db", 5432) as endpoint:
        client = socket.create_connection((endpoint.host, endpoint.port), timeout=5)
    accepted, _ = listening.accept()
    with client, accepted:
        accepted.sendall(b"R")
        assert client.recv(1) == b"R"


def test_a_service_whose_endpoint_the_test_did_not_bind_says_how_to_bind_it() -> None:
    cluster = load_scenario(SCENARIOS / "healthy")

    with (
        pytest.raises(ServerNotGiven) as caught,
        cluster.port_forward("conformance", "test-postgres-only-test-db", 5432),
    ):
        pass

    assert str(caught.value) == (
        "Service conformance/test-postgres-only-test-db port 5432 of scenario healthy-foundation + healthy-vclusters "
        "+ healthy-databases + healthy-argocd + healthy-e2e stands for a real postgresql server and none was given: "
        "run with --endpoint postgresql=HOST:PORT to test it (from Python: load_scenario(endpoints=...) or bind())"
    )


def test_binding_an_endpoint_no_service_uses_is_a_usage_error() -> None:
    uses = r"they use: argocd, postgresql, redis, vcluster-api"
    with pytest.raises(UsageError, match=rf"endpoint 'postgres' is used by no service \({uses}\)"):
        load_scenario(SCENARIOS / "healthy", endpoints={"postgres": Endpoint("127.0.0.1", 1)})


@pytest.fixture(scope="module")
def pinned_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """``(apiVersion, kind)`` -> the CRD's OpenAPI schema, for every pinned upstream CRD."""
    if not PINNED_CRDS.is_dir():
        pytest.skip(f"pinned CRDs not found at {PINNED_CRDS}")
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for file in PINNED_CRDS.rglob("*.yaml"):
        (crd,) = load_all_fast(file.read_text(encoding="utf-8"))
        if isinstance(crd, dict) and crd.get("kind") == "CustomResourceDefinition":
            spec = crd["spec"]
            for version in spec["versions"]:
                found[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = version["schema"][
                    "openAPIV3Schema"
                ]
    return found


@pytest.mark.parametrize("path", sorted([*SCENARIOS.glob("*.yaml"), SCENARIOS / "healthy"]), ids=lambda p: p.stem)
def test_example_custom_resources_match_the_pinned_crds(
    path: Path, pinned_schemas: dict[tuple[str, str], dict[str, Any]]
) -> None:
    cluster = load_scenario(path)
    cluster.apply(application())
    for _ in range(3):  # play the story to its end, so statuses set by reactions are checked too
        cluster.get(APP)

    checked = []
    for raw in cluster._objects.values():
        schema = pinned_schemas.get((raw["apiVersion"], raw["kind"]))
        if schema is not None:
            error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(raw))
            assert error is None, f"{raw['kind']} {raw['metadata']['name']}: {error.message} at {error.json_path}"
            checked.append(raw["kind"])

    assert "Release" in checked
