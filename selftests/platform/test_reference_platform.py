"""THE offline CI check of the reference platform: every fixture validates against the pinned schemas."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from oamconf.platform.loading import Platform
from oamconf.platform.manifests import Document
from oamconf.platform.paths import default_versions, fixtures_dir
from oamconf.platform.pins import pin_mismatches
from oamconf.platform.profile import load_profile
from oamconf.platform.versions import Versions, load_versions
from oamconf.testkit.schema_sources import resolve, schema_sources, shared_folder
from oamconf.testkit.validate import validate_platform

FIXTURES = fixtures_dir()

# `insecure: true`, `"insecure":true`, insecureSkipTLSVerify: true ... in YAML or in embedded JSON.
_INSECURE = re.compile(r"insecure\w*\"?\s*:\s*\"?true", re.IGNORECASE)


def _objects(platform: Platform, kind: str) -> dict[str, Document]:
    return {doc.name: doc for doc in platform.documents if doc.kind == kind}


def test_every_fixture_validates_against_the_pinned_schemas(platform: Platform, versions: Versions) -> None:
    assert validate_platform(platform, versions=versions) == []


def test_the_fixtures_hold_every_part_of_the_reference_platform(platform: Platform) -> None:
    kinds = {(doc.kind, doc.name) for doc in platform.documents}
    assert {
        ("Provider", "provider-helm"),
        ("Provider", "provider-kubernetes"),
        ("Function", "function-patch-and-transform"),
        ("ProviderConfig", "helm-provider"),
        ("ComponentDefinition", "postgresql"),
        ("ComponentDefinition", "redis"),
        ("CompositeResourceDefinition", "virtualclusters.platform.example.org"),
        ("Composition", "virtualcluster-helm-argocd"),
        ("Cluster", ""),
    } <= kinds
    assert len(platform.rendered) >= 5


def test_chart_versions_in_manifests_agree_with_versions_toml(platform: Platform, versions: Versions) -> None:
    assert pin_mismatches(platform, versions) == []


def test_a_version_bump_in_versions_toml_shows_every_manifest_to_change(platform: Platform) -> None:

    bumped = load_versions(overrides=["vcluster.chart_version=0.37.0"])
    problems = pin_mismatches(platform, bumped)
    assert any("composition.yaml" in p and "chart version '0.36.1'" in p for p in problems)
    assert any("xrd.yaml" in p and "default chart version '0.36.1'" in p for p in problems)


@pytest.mark.parametrize("component", [source.component for source in schema_sources(load_versions())])
def test_each_component_s_schemas_are_read_at_the_pinned_version(versions: Versions, component: str) -> None:
    """From the component's own Go module where the proxy serves it, else ../shared/crds; where neither is
    here, this test is reported as not run (skipped with the reason) and so are that component's checks."""
    (source,) = [s for s in schema_sources(versions) if s.component == component]
    resolved = resolve(source, shared_folder())
    if resolved.folder is None:
        pytest.skip(resolved.origin)
    assert resolved.folder.is_dir()
    assert source.version.removeprefix("v") in resolved.origin
    assert any(resolved.folder.glob("*.yaml")) or (resolved.folder / "values.schema.json").is_file()


def test_a_version_bump_takes_the_schemas_of_the_new_version(tmp_path: Path) -> None:
    bumped = tmp_path / "versions.toml"
    bumped.write_text(
        default_versions().read_text(encoding="utf-8").replace('chart_version = "0.36.1"', 'chart_version = "0.36.0"'),
        encoding="utf-8",
    )
    (before,) = [s for s in schema_sources(load_versions()) if s.component == "vcluster"]
    (after,) = [s for s in schema_sources(load_versions(bumped)) if s.component == "vcluster"]
    old, new = resolve(before, tmp_path / "no-shared"), resolve(after, tmp_path / "no-shared")
    assert (old.origin, new.origin) == (
        "github.com/loft-sh/vcluster@v0.36.1/chart",
        "github.com/loft-sh/vcluster@v0.36.0/chart",
    )
    assert old.folder != new.folder


def test_a_component_in_no_module_and_not_in_shared_is_not_run_with_the_reason(tmp_path: Path) -> None:
    (postgresql,) = [s for s in schema_sources(load_versions()) if s.component == "postgresql"]
    resolved = resolve(postgresql, tmp_path)
    assert resolved.folder is None
    assert resolved.origin == (
        "postgresql 17.1.0 schemas not run: in no Go module, and no ../shared/crds/bitnami-postgresql-17.1.0 "
        "beside the project"
    )


def test_the_checks_of_a_component_whose_schemas_are_missing_are_not_run_rather_than_passed(
    platform: Platform, versions: Versions, tmp_path: Path
) -> None:
    copy = Platform(documents=platform.documents, rendered=platform.rendered)
    problems = validate_platform(copy, versions=versions, crds_dir=tmp_path)
    assert problems == []
    assert set(copy.not_validated) >= {"postgresql", "redis"}
    assert all("schemas not run" in why for why in copy.not_validated.values())


def test_no_fixture_turns_off_tls_verification() -> None:
    offenders = [
        f"{path.relative_to(FIXTURES)}:{number}"
        for path in sorted(FIXTURES.rglob("*"))
        if path.is_file()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if _INSECURE.search(line)
    ]
    assert offenders == []


def test_the_argo_cd_server_host_is_one_of_the_vcluster_extra_sans(platform: Platform) -> None:
    resources = _objects(platform, "Composition")["virtualcluster-helm-argocd"].body["spec"]["pipeline"][0]["input"]
    patches = {r["name"]: r["patches"] for r in resources["resources"]}
    sans = {p["combine"]["string"]["fmt"] for p in patches["vcluster-release"] if "extraSANs" in p["toFieldPath"]}
    server = next(
        p["combine"]["string"]["fmt"] for p in patches["argocd-cluster-secret"] if p["toFieldPath"].endswith("server")
    )
    host = server.removeprefix("https://").rpartition(":")[0]
    assert sans == {"%s.%s.svc", "%s.%s.svc.cluster.local"}
    assert host in sans


def test_the_vcluster_values_use_oss_service_replication_not_pro_custom_resource_sync(platform: Platform) -> None:
    resources = _objects(platform, "Composition")["virtualcluster-helm-argocd"].body["spec"]["pipeline"][0]["input"]
    release = next(r for r in resources["resources"] if r["name"] == "vcluster-release")
    values = release["base"]["spec"]["forProvider"]["values"]
    assert "replicateServices" in values["networking"]
    assert values["networking"]["advanced"]["fallbackHostCluster"] is True
    assert "customResources" not in str(values)


def test_the_names_in_the_profile_exist_in_the_fixtures(platform: Platform) -> None:
    profile = load_profile()
    applications = _objects(platform, "Application")
    assert {
        profile.applications.postgres,
        profile.applications.redis,
        profile.applications.argocd,
        profile.applications.e2e_database,
    } <= set(applications)
    assert _objects(platform, "ComponentDefinition")[profile.definitions.postgresql].body["metadata"]["namespace"] == (
        profile.definitions.namespace
    )
    xr = _objects(platform, profile.virtual_cluster.kind)[profile.virtual_cluster.name]
    assert xr.api_version == profile.virtual_cluster.api_version
    assert xr.body["spec"]["namespace"] == profile.virtual_cluster.host_namespace
    secrets = {
        c["properties"].get("existingSecret")
        for a in applications.values()
        for c in a.body["spec"].get("components", [])
    }
    assert {profile.credentials.postgres, profile.credentials.redis, profile.credentials.e2e_database} <= secrets


@pytest.mark.parametrize(
    "line",
    ["insecure: true", '{"tlsClientConfig":{"insecure":true}}', "insecureSkipTLSVerify: true", 'insecure: "true"'],
)
def test_the_tls_check_recognises_every_way_of_turning_verification_off(line: str) -> None:
    assert _INSECURE.search(line)
