"""The scenarios the phases run against tell the truth about the reference platform.

A scenario that names a namespace, an Application or a Release differently from fixtures/profile.toml
and fixtures/platform would let a step pass offline and fail on the first real cluster. So the healthy
scenario and every fault scenario of the platform are checked against the fixtures: namespaces from the
profile, objects that are fixtures carry the fixture's spec (or none), the Releases KubeVela renders are
named and configured as the ComponentDefinitions render them, and no password is written inline.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oamconf.k8s.api import Ref
from oamconf.platform.loading import load_platform
from oamconf.platform.paths import fixtures_dir
from oamconf.platform.profile import Profile, load_profile
from offline import SCENARIOS, composed

# Scenarios of the reference platform (the others are small stories of one backend feature).
PLATFORM_SCENARIOS = [SCENARIOS / "healthy", SCENARIOS / "release-stuck-pending.yaml"]
CREDENTIAL_KEYS = {"password", "postgresPassword", "redisPassword", "postgres-password", "redis-password"}


@pytest.fixture(scope="module")
def profile() -> Profile:
    return load_profile()


@pytest.fixture(scope="module")
def fixture_objects() -> dict[tuple[str, str, str, str], dict[str, Any]]:
    """The fixtures' manifests by (group, kind, namespace, name)."""
    platform = load_platform(fixtures=fixtures_dir() / "platform")
    return {_key(doc.body): doc.body for doc in platform.documents if doc.name}


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
    allowed = {*vars(profile.namespaces).values(), profile.definitions.namespace, "{namespace}"}
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


@pytest.mark.parametrize("scenario", PLATFORM_SCENARIOS, ids=lambda p: p.stem)
def test_applications_and_their_releases_are_named_as_the_fixtures_render_them(
    scenario: Path, profile: Profile, fixture_objects: dict[tuple[str, str, str, str], dict[str, Any]]
) -> None:
    reactions = list(app_reactions(composed(scenario)))
    assert reactions, "a platform scenario plays KubeVela for at least one Application"
    for reaction in reactions:
        on = reaction["on"]
        assert on["namespace"] == profile.namespaces.apps
        assert on["name"] in vars(profile.applications).values()
        app = fixture_objects[("core.oam.dev", "Application", on["namespace"], on["name"])]
        rendered = {f"{on['name']}-{c['name']}" for c in app["spec"]["components"]}
        for release in (o for o in reaction.get("create", []) if o["kind"] == "Release"):
            assert release["metadata"]["name"] in rendered, f"the postgresql/redis definitions render {rendered}"
            assert release["spec"]["forProvider"]["values"]["fullnameOverride"] == release["metadata"]["name"]


@pytest.mark.parametrize("scenario", PLATFORM_SCENARIOS, ids=lambda p: p.stem)
def test_a_seeded_release_of_an_application_is_named_as_the_fixtures_render_it(
    scenario: Path, fixture_objects: dict[tuple[str, str, str, str], dict[str, Any]]
) -> None:
    for release in (o for o in composed(scenario).get("objects", []) if o["kind"] == "Release"):
        labels = release["metadata"].get("labels", {})
        if "app.oam.dev/name" not in labels:
            continue
        app = fixture_objects[
            ("core.oam.dev", "Application", labels["app.oam.dev/namespace"], labels["app.oam.dev/name"])
        ]
        rendered = {f"{labels['app.oam.dev/name']}-{c['name']}" for c in app["spec"]["components"]}
        assert release["metadata"]["name"] in rendered
        assert release["spec"]["forProvider"]["values"]["fullnameOverride"] == release["metadata"]["name"]


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
