"""fixtures/profile.toml: the names the steps check, loaded as strictly as the versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from oamconf.errors import UsageError
from oamconf.platform.paths import default_profile
from oamconf.platform.profile import load_profile

DEFAULT_PROFILE = default_profile()


def test_the_default_profile_describes_the_reference_platform() -> None:
    profile = load_profile()
    assert (profile.definitions.namespace, profile.definitions.postgresql, profile.definitions.redis) == (
        "vela-system",
        "postgresql",
        "redis",
    )
    assert profile.namespaces.crossplane == "crossplane-system"
    assert profile.crossplane.helm_provider_config == "helm-provider"
    assert (profile.virtual_cluster.api_version, profile.virtual_cluster.kind) == (
        "platform.example.org/v1alpha1",
        "VirtualCluster",
    )
    assert profile.applications.postgres == "test-postgres-only"
    assert (profile.timeouts.crd_established, profile.timeouts.package_healthy) == (120, 300)


def test_an_unknown_key_in_the_profile_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "profile.toml"
    path.write_text(DEFAULT_PROFILE.read_text(encoding="utf-8") + "\n[extras]\nfoo = 1\n", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_profile(path)
    assert str(caught.value).startswith(f"{path}: unknown key 'extras'; remove it or use one of: ")
    assert "\n" not in str(caught.value)


def test_a_timeout_must_be_a_positive_number_of_seconds() -> None:
    with pytest.raises(UsageError, match=r"\[timeouts\] release_ready: must be a positive number of seconds"):
        load_profile(overrides=["timeouts.release_ready=0"])


def test_a_timeout_override_is_converted_to_an_integer() -> None:
    assert load_profile(overrides=["timeouts.release_ready=900"]).timeouts.release_ready == 900


def test_a_timeout_written_as_text_is_refused() -> None:
    with pytest.raises(UsageError, match=r"must be an integer"):
        load_profile(overrides=["timeouts.release_ready=ten"])
