"""Versions given on the command line (or in a file) have the pinned forms, and a bad one is one line that
names where it was given: the ``--set``/``--profile-set`` option as typed, or the file, never the pinned file
the user did not touch."""

from __future__ import annotations

from pathlib import Path

import pytest

from oamconf.errors import UsageError
from oamconf.platform.profile import load_profile
from oamconf.platform.versions import load_versions

DIGEST = "@sha256:" + "a" * 64
PACKAGE = "xpkg.crossplane.io/crossplane-contrib/provider-helm"


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        pytest.param("crossplane.chart_version=", "[crossplane] chart_version: is empty", id="empty-chart"),
        pytest.param("vcluster.chart_version=latest", "'latest' is not a semantic version", id="latest"),
        pytest.param("argocd.chart_version=10.1", "'10.1' is not a semantic version", id="two-parts"),
        pytest.param("argocd.app_version=v3.4.4 ", "", id="trailing-space-is-trimmed-ok"),
        pytest.param("tools.helm.version=", "[tools.helm] version: is empty", id="empty-tool"),
        pytest.param("cluster.kubernetes_version=1.36.x", "'1.36.x' is not a semantic version", id="k8s"),
        pytest.param("redis.image_tag=latest", "[redis] image_tag: 'latest' is not a semantic version", id="tag"),
        pytest.param(f"packages.provider_helm={PACKAGE}", "is not a pinned package", id="untagged-package"),
        pytest.param(f"packages.provider_helm={PACKAGE}:latest", "is not a pinned package", id="latest-package"),
        pytest.param("cluster.node_image=kindest/node:v1.36.1", "pin the kind node image by digest", id="node-image"),
        pytest.param("crossplane.repository=", "[crossplane] repository: is empty", id="empty-repository"),
    ],
)
def test_a_bad_version_override_names_the_option_as_typed(override: str, problem: str) -> None:
    if not problem:
        load_versions(overrides=[override])
        return
    with pytest.raises(UsageError) as caught:
        load_versions(overrides=[override])
    message = str(caught.value)
    assert message.startswith(f"--set {override}: ")
    assert problem in message
    assert "versions.toml" not in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "override",
    [
        "crossplane.chart_version=2.3.5",
        "crossplane.chart_version=v2.4.0-rc.1+build.7",
        f"packages.provider_helm={PACKAGE}:v1.5.0",
        f"packages.provider_helm={PACKAGE}{DIGEST}",
        f"packages.provider_helm={PACKAGE}:v1.5.0{DIGEST}",
        f"cluster.node_image=registry.local:5000/kindest/node:v1.36.1{DIGEST}",
        "postgresql.image_tag=17.6.0-debian-12-r4",
    ],
)
def test_pinned_forms_are_accepted(override: str) -> None:
    load_versions(overrides=[override])


def test_a_bad_value_in_an_override_file_names_that_file(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('[kubevela]\nchart_version = ""\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"^.*mine\.toml: \[kubevela\] chart_version: is empty"):
        load_versions(overrides_file=mine)


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        pytest.param("timeouts.release_ready=0", "[timeouts] release_ready: must be a positive", id="timeout"),
        pytest.param("budgets.phase_2=-5", "[budgets] phase_2: must be a positive", id="budget"),
        pytest.param("namespaces.argocd=", "[namespaces] argocd: is empty", id="empty-name"),
    ],
)
def test_a_bad_profile_override_names_profile_set(override: str, problem: str) -> None:
    with pytest.raises(UsageError) as caught:
        load_profile(overrides=[override])
    message = str(caught.value)
    assert message.startswith(f"--profile-set {override}: ")
    assert problem in message
    assert "profile.toml" not in message
