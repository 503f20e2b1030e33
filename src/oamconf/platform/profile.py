"""The platform profile: which names and namespaces the steps check, and how long each wait may take.

It defaults to the reference platform (``fixtures/profile.toml``); a team points the suite at its own
profile to test a platform built differently, with the same strict loading as the versions file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from oamconf.platform import strict_toml
from oamconf.platform.paths import default_profile
from oamconf.platform.pin_forms import Pins


@dataclass(frozen=True)
class Namespaces:
    crossplane: str
    kubevela: str
    argocd: str
    apps: str


@dataclass(frozen=True)
class Crossplane:
    helm_provider: str
    kubernetes_provider: str
    patch_and_transform_function: str
    helm_provider_config: str
    kubernetes_provider_config: str


@dataclass(frozen=True)
class Definitions:
    namespace: str
    postgresql: str
    redis: str


@dataclass(frozen=True)
class VirtualCluster:
    api_version: str
    kind: str
    name: str
    host_namespace: str


@dataclass(frozen=True)
class Applications:
    postgres: str
    redis: str
    argocd: str
    e2e_database: str


@dataclass(frozen=True)
class Credentials:
    """Secret names the steps create before applying the matching Application."""

    postgres: str
    redis: str
    e2e_database: str


@dataclass(frozen=True)
class Timeouts:
    """Seconds per kind of wait."""

    deployment_available: int
    package_healthy: int
    crd_established: int
    release_ready: int
    oam_application_running: int
    vcluster_ready: int
    argocd_cluster_connected: int
    argocd_application_synced: int
    database_accepts_connections: int


@dataclass(frozen=True)
class Budgets:
    """Seconds each phase may take on a fresh kind cluster; the report shows each phase's time against it."""

    phase_1: int
    phase_2: int
    phase_3: int
    phase_4: int
    phase_5: int

    def of(self, phase: int) -> int | None:
        value = getattr(self, f"phase_{phase}", None)
        return int(value) if value is not None else None


@dataclass(frozen=True)
class Profile:
    namespaces: Namespaces
    crossplane: Crossplane
    definitions: Definitions
    virtual_cluster: VirtualCluster
    applications: Applications
    credentials: Credentials
    timeouts: Timeouts
    budgets: Budgets


def load_profile(
    path: Path | None = None, *, overrides_file: Path | None = None, overrides: Sequence[str] = ()
) -> Profile:
    """Load the profile (default: the project's ``fixtures/profile.toml``),
    merging an override file and ``"table.key=value"`` strings over it.

    Raises:
        UsageError: one line naming where the value came from (the file, or ``--profile-set`` as given) and
            the key, for unknown or missing keys, wrong types, an empty name, or a timeout or budget that is
            not a positive number of seconds.
    """
    path = path or default_profile()
    profile, origins = strict_toml.load(
        Profile, path, overrides_file=overrides_file, overrides=overrides, option="--profile-set"
    )
    pins = Pins(origins)
    for table in ("namespaces", "crossplane", "definitions", "virtual_cluster", "applications", "credentials"):
        for key, name in vars(getattr(profile, table)).items():
            pins.text(f"{table}.{key}", name)
    for table in ("timeouts", "budgets"):
        for key, seconds in vars(getattr(profile, table)).items():
            if seconds <= 0:
                raise pins.fail(f"{table}.{key}", f"must be a positive number of seconds, is {seconds}", "raise it")
    return profile
