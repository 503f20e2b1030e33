"""The scenarios the phases run against tell the truth about the reference platform.

A scenario that names a namespace, an Application or a Release differently from fixtures/profile.toml
and fixtures/platform would let a step pass offline and fail on the first real cluster. So the healthy
scenario and every fault scenario of the platform are checked against the fixtures: namespaces from the
profile, objects that are fixtures carry the fixture's spec (or none), the Releases KubeVela renders are
exactly what the ComponentDefinitions render (KubeVela's own engine, offline), and no password is written inline.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oamconf.cluster.gobuild import Built
from oamconf.k8s.api import Ref
from oamconf.platform.loading import load_platform
from oamconf.platform.manifests import yaml_files
from oamconf.platform.oam import Rendered
from oamconf.platform.paths import fixtures_dir
from oamconf.platform.profile import Profile, load_profile
from oamconf.testkit.validate import load_platform as render_platform
from offline import SCENARIOS, composed

# Scenarios of the reference platform (the others are small stories of one backend feature).
PLATFORM_SCENARIOS = [SCENARIOS / "healthy", SCENARIOS / "release-stuck-pending.yaml"]
# The healthy platform's Releases are exactly the rendering; a fault scenario's differ on purpose.
HEALTHY = [SCENARIOS / "healthy"]
CREDENTIAL_KEYS = {"password", "postgresPassword", "redisPassword", "postgres-password", "redis-password"}


@pytest.fixture(scope="module")
def profile() -> Profile:
    return load_profile()


@pytest.fixture(scope="module")
def fixture_objects() -> dict[tuple[str, str, str, str], dict[str, Any]]:
    """The fixtures' manifests by (group, kind, namespace, name)."""
    platform = load_platform(fixtures=fixtures_dir() / "platform")
    return {_key(doc.body): doc.body for doc in platform.documents if doc.name}


@pytest.fixture(scope="module")
def rendered(engines: dict[str, Built]) -> list[Rendered]:
    """What the fixtures' ComponentDefinitions render for the fixtures' Applications (KubeVela's vela)."""
    platform = render_platform(yaml_files(fixtures_dir() / "platform"), vela=engines["vela"])
    assert not platform.problems, platform.problems
    return platform.rendered


def _key(manifest: dict[str, Any]) -> tuple[str, str, str, str]:
    ref = Ref.of(manifest)
    return ref.group, ref.kind, ref.namespace or "", ref.name


def every_object(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Seeded objects, and those reactions create (with ``{name}``/``{namespace}`` as written)."""
    yield from doc.get("objects", [])
    for reaction in doc.get("reactions", []):
        yield from reaction.get("create", [])


def app_reactions(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for reaction in doc.get("reactions", []):
        if (reaction["on"].get("apiVersion", "").startswith("core.oam.dev/"), reaction["on"].get("kind")) == (
            True,
            "Application",
        ):
            yield reaction


@pytest.mark.parametrize("scenario", PLATFORM_SCENARIOS, ids=lambda p: p.stem)
def test_namespaces_are_the_profile_s(scenario: Path, profile: Profile) -> None:
    allowed = {
        *vars(profile.namespaces).values(),
        profile.definitions.namespace,
        profile.virtual_cluster.host_namespace,
        f"{profile.virtual_cluster.name}-e2e-ns",  # phase 5's fresh vCluster (fixtures/cluster.py e2e_vcluster)
        "{namespace}",
    }
    doc = composed(scenario)
    used = {o["metadata"].get("namespace") for o in every_object(doc)} - {None}
    used |= {o["metadata"]["name"] for o in every_object(doc) if o["kind"] == "Namespace"}
    used |= {s["namespace"] for s in doc.get("services", [])} | {log["namespace"] for log in doc.get("logs", [])}
    assert used <= allowed, f"namespaces not in fixtures/profile.toml: {sorted(used - allowed)}"


@pytest.mark.parametrize("scenario", PLATFORM_SCENARIOS, ids=lambda p: p.stem)
def test_an_object_that_is_a_fixture_carries_the_fixture_s_spec_or_none(
    scenario: Path, fixture_objects: dict[tuple[str, str, str, str], dict[str, Any]]
) -> None:
    drifted = [
        _key(obj)
        for obj in every_object(composed(scenario))
        if _key(obj) in fixture_objects and "spec" in obj and obj["spec"] != fixture_objects[_key(obj)].get("spec")
    ]
    assert drifted == [], "scenario objects whose spec differs from fixtures/platform (drop the spec or copy it)"


@pytest.mark.parametrize("scenario", HEALTHY, ids=lambda p: p.stem)
def test_applications_and_their_releases_are_what_the_fixtures_render(
    scenario: Path,
    profile: Profile,
    fixture_objects: dict[tuple[str, str, str, str], dict[str, Any]],
    rendered: list[Rendered],
) -> None:
    reactions = list(app_reactions(composed(scenario)))
    assert reactions, "a platform scenario plays KubeVela for at least one Application"
    for reaction in reactions:
        on = reaction["on"]
        assert on["namespace"] == profile.namespaces.apps
        assert on["name"] in vars(profile.applications).values()
        app = fixture_objects[("core.oam.dev", "Application", on["namespace"], on["name"])]
        for release in (o for o in reaction.get("create", []) if o["kind"] == "Release"):
            _named_as_rendered(release, app, rendered)


@pytest.mark.parametrize("scenario", HEALTHY, ids=lambda p: p.stem)
def test_a_seeded_release_of_an_application_is_what_the_fixtures_render(
    scenario: Path, fixture_objects: dict[tuple[str, str, str, str], dict[str, Any]], rendered: list[Rendered]
) -> None:
    for release in (o for o in composed(scenario).get("objects", []) if o["kind"] == "Release"):
        labels = release["metadata"].get("labels", {})
        if "app.oam.dev/name" not in labels:
            continue
        key = ("core.oam.dev", "Application", labels["app.oam.dev/namespace"], labels["app.oam.dev/name"])
        _named_as_rendered(release, fixture_objects[key], rendered)


def _named_as_rendered(release: dict[str, Any], app: dict[str, Any], rendered: list[Rendered]) -> None:
    """The Release is exactly what the fixture's ComponentDefinition renders for the fixture Application:
    name, external-name annotation and spec (``{name}``/``{namespace}`` filled in as the reaction would)."""
    name, namespace = app["metadata"]["name"], app["metadata"]["namespace"]
    filled = _fill(release, name=name, namespace=namespace)
    outputs = [r.output for r in rendered if r.source.name == name and r.output.get("kind") == "Release"]
    match = [o for o in outputs if o["metadata"]["name"] == filled["metadata"]["name"]]
    assert match, (
        f"Release {filled['metadata']['name']}: the fixtures render {[o['metadata']['name'] for o in outputs]}"
    )
    (output,) = match
    assert filled["metadata"].get("annotations", {}) == output["metadata"].get("annotations", {})
    assert filled["spec"] == output["spec"], "the Release's spec differs from what its ComponentDefinition renders"


def _fill(node: Any, *, name: str, namespace: str) -> Any:
    if isinstance(node, str):
        return node.replace("{name}", name).replace("{namespace}", namespace)
    if isinstance(node, dict):
        return {k: _fill(v, name=name, namespace=namespace) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill(v, name=name, namespace=namespace) for v in node]
    return node


@pytest.mark.parametrize("scenario", PLATFORM_SCENARIOS, ids=lambda p: p.stem)
def test_no_password_is_written_inline(scenario: Path) -> None:
    def inline(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in CREDENTIAL_KEYS and isinstance(value, str):
                    yield key
                yield from inline(value)
        elif isinstance(node, list):
            for item in node:
                yield from inline(item)

    releases = [o for o in every_object(composed(scenario)) if o["kind"] == "Release"]
    assert [key for release in releases for key in inline(release.get("spec", {}))] == []
