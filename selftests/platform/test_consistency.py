"""Before installing, overrides the fixtures do not honour are refused, naming the file, the key and both values."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from oamconf.errors import UsageError
from oamconf.platform.consistency import FIX, cue_defaults, ensure_installable, install_mismatches
from oamconf.platform.paths import fixtures_dir
from oamconf.platform.profile import load_profile
from oamconf.platform.versions import load_versions

FIXTURES = fixtures_dir()

PROVIDER_HELM = "xpkg.crossplane.io/crossplane-contrib/provider-helm"


def test_the_default_versions_and_profile_install_as_asked() -> None:
    assert install_mismatches(load_versions(), load_profile()) == []
    ensure_installable(load_versions(), load_profile())


@pytest.mark.parametrize(
    ("override", "file", "key", "in_fixture"),
    [
        pytest.param(
            f"packages.provider_helm={PROVIDER_HELM}:v1.5.0",
            "crossplane/provider-helm.yaml",
            "[packages] provider_helm",
            f"'{PROVIDER_HELM}:v1.4.0'",
            id="provider-helm-tag",
        ),
        pytest.param(
            "vcluster.chart_version=0.37.0",
            "vcluster/composition.yaml",
            "[vcluster] chart_version '0.37.0'",
            "'0.36.1'",
            id="vcluster-chart",
        ),
        pytest.param(
            "vcluster.chart_version=0.37.0",
            "vcluster/xrd.yaml",
            "[vcluster] chart_version '0.37.0'",
            "default chart version '0.36.1'",
            id="vcluster-chart-xrd-default",
        ),
        pytest.param(
            "postgresql.image_tag=18.0.0-debian-12-r0",
            "kubevela/componentdefinition-postgresql.yaml",
            "[postgresql] image_tag '18.0.0-debian-12-r0'",
            "parameter.image.tag default: '17.6.0-debian-12-r4'",
            id="database-image-default",
        ),
        pytest.param(
            "redis.allow_insecure_images=true",
            "kubevela/componentdefinition-redis.yaml",
            "[redis] allow_insecure_images True",
            "parameter.allowInsecureImages default: False",
            id="database-image-check-default",
        ),
        pytest.param(
            "podinfo.chart_version=6.11.0",
            "e2e/argocd-podinfo-vc1.yaml",
            "[podinfo] chart_version '6.11.0'",
            "'6.10.2'",
            id="podinfo-chart",
        ),
    ],
)
def test_a_version_pinned_in_a_fixture_cannot_be_overridden(
    override: str, file: str, key: str, in_fixture: str
) -> None:
    problems = install_mismatches(load_versions(overrides=[override]), load_profile())
    line = next(p for p in problems if p.startswith(f"fixtures/platform/{file}:"))
    assert key in line
    assert in_fixture in line
    assert line.endswith(FIX)


@pytest.mark.parametrize(
    ("override", "file", "in_fixture"),
    [
        pytest.param("namespaces.argocd=gitops", "e2e/argocd-podinfo-vc1.yaml", "metadata.namespace: 'argocd'"),
        pytest.param("namespaces.argocd=gitops", "vcluster/xrd.yaml", "argocdNamespace.default: 'argocd'"),
        pytest.param("namespaces.crossplane=xp", "crossplane/provider-helm.yaml", "subjects[0].namespace"),
        pytest.param("namespaces.apps=apps", "apps/namespace.yaml", "metadata.name: 'conformance'"),
        pytest.param("namespaces.apps=apps", "apps/test-postgres-only.yaml", "metadata.namespace: 'conformance'"),
        pytest.param("namespaces.kubevela=kv", "kubevela/componentdefinition-redis.yaml", "'vela-system'"),
        pytest.param("crossplane.helm_provider_config=hp", "crossplane/provider-configs.yaml", "'helm-provider'"),
        pytest.param("definitions.namespace=defs", "kubevela/componentdefinition-postgresql.yaml", "'vela-system'"),
        pytest.param(
            "virtual_cluster.host_namespace=h", "vcluster/virtualcluster-vc1.yaml", "spec.namespace: 'vc1-ns'"
        ),
        pytest.param("virtual_cluster.name=vc2", "e2e/argocd-podinfo-vc1.yaml", "server name: 'vc1'"),
    ],
)
def test_a_name_the_fixtures_write_out_cannot_be_overridden(override: str, file: str, in_fixture: str) -> None:
    table_key, _, asked = override.partition("=")
    table, _, key = table_key.partition(".")
    problems = install_mismatches(load_versions(), load_profile(overrides=[override]))
    line = next(p for p in problems if p.startswith(f"fixtures/platform/{file}:"))
    assert f"the run's profile [{table}] {key} {asked!r}" in line
    assert in_fixture in line
    assert line.endswith(FIX)


@pytest.mark.parametrize(
    ("override", "what"),
    [
        ("crossplane.kubernetes_provider=pk", "no Provider 'pk'"),
        ("definitions.redis=valkey", "no ComponentDefinition 'valkey'"),
        ("virtual_cluster.kind=VCluster", "no XRD kind 'VCluster'"),
        ("virtual_cluster.api_version=platform.example.org/v1", "no served XRD version 'platform.example.org/v1'"),
    ],
)
def test_a_profile_name_for_no_object_in_the_fixtures_is_refused(override: str, what: str) -> None:
    problems = install_mismatches(load_versions(), load_profile(overrides=[override]))
    assert any(what in p and "the fixtures have" in p for p in problems), problems


@pytest.mark.parametrize(
    "override",
    ["crossplane.chart_version=2.4.0", "kubevela.chart_version=1.10.10", "argocd.chart_version=10.2.0"],
)
def test_the_version_of_a_chart_installed_with_helm_is_free_to_override(override: str) -> None:
    assert install_mismatches(load_versions(overrides=[override]), load_profile()) == []


def test_timeouts_are_free_to_override() -> None:
    profile = load_profile(overrides=["timeouts.release_ready=900", "timeouts.vcluster_ready=1200"])
    assert install_mismatches(load_versions(), profile) == []


def test_the_refusal_is_one_line_with_the_first_problem_and_how_many_more() -> None:
    with pytest.raises(UsageError) as caught:
        ensure_installable(load_versions(), load_profile(overrides=["namespaces.apps=apps"]))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("cannot install the platform as asked: fixtures/platform/apps/namespace.yaml: ")
    assert "edit the fixture, or drop the override (and 4 more)" in message


def test_an_override_is_accepted_once_the_fixture_is_edited_to_match(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "platform", tmp_path / "platform")
    provider = tmp_path / "platform" / "crossplane" / "provider-helm.yaml"
    provider.write_text(provider.read_text(encoding="utf-8").replace(":v1.4.0", ":v1.5.0"), encoding="utf-8")
    versions = load_versions(overrides=[f"packages.provider_helm={PROVIDER_HELM}:v1.5.0"])
    assert install_mismatches(versions, load_profile(), fixtures=tmp_path) == []
    assert install_mismatches(load_versions(), load_profile(), fixtures=tmp_path) != []


HOST_SERVICE_FROM = "spec.hostServices[0].from"


@pytest.mark.parametrize(
    ("mapping", "flagged"),
    [
        pytest.param("from: podinfo-db", [], id="service-of-the-vcluster-s-own-namespace"),
        pytest.param("from: elsewhere/podinfo-db", [HOST_SERVICE_FROM], id="service-of-another-namespace"),
    ],
)
def test_a_host_service_is_checked_against_the_apps_namespace_only_when_it_names_one(
    tmp_path: Path, mapping: str, flagged: list[str]
) -> None:
    shutil.copytree(FIXTURES / "platform", tmp_path / "platform")
    vc1 = tmp_path / "platform" / "vcluster" / "virtualcluster-vc1.yaml"
    text = vc1.read_text(encoding="utf-8")
    assert "from: conformance/podinfo-db" in text
    vc1.write_text(text.replace("from: conformance/podinfo-db", mapping), encoding="utf-8")
    problems = install_mismatches(load_versions(), load_profile(), fixtures=tmp_path)
    assert [HOST_SERVICE_FROM for p in problems if HOST_SERVICE_FROM in p] == flagged, problems


def test_cue_defaults_are_read_from_the_parameter_block_only() -> None:
    template = """\
output: {
    chart: { name: *"not-a-parameter" | string }
}
parameter: {
    // +usage=the chart
    chart: {
        version: *"1.2.3" | string
    }
    allowInsecureImages: *true | bool
    waitTimeout: *"5m" | string & =~"^[0-9]+m$"
    rollbackLimit: *3 | int & >=0
    password?: string
}
other: *"after" | string
"""
    assert cue_defaults(template) == {
        ("chart", "version"): "1.2.3",
        ("allowInsecureImages",): True,
        ("waitTimeout",): "5m",
        ("rollbackLimit",): 3,
    }
