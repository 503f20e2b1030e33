"""The reference platform as data: what each component installs, when it is ready, what it waits for.

``install.install_platform`` runs these; nothing here talks to a cluster. Readiness is a list of
``Ready`` items, each an object plus a small verdict on it (Deployment Available, StatefulSet
replicas ready, CRD Established, Crossplane package Installed and Healthy), so the one-line
failure can name the object and what it last looked like.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from oamconf.errors import UsageError
from oamconf.k8s import kinds
from oamconf.k8s.api import Ref
from oamconf.k8s.conditions import Verdict
from oamconf.k8s.verdicts.crossplane import package_healthy, xrd_established
from oamconf.k8s.verdicts.workloads import deployment_available, established, statefulset_ready
from oamconf.platform.manifests import load_documents, yaml_files
from oamconf.platform.paths import fixtures_dir, shown
from oamconf.platform.profile import Profile
from oamconf.platform.versions import Chart, Versions

# Names of ``profile.Timeouts`` fields: each wait takes the timeout of its kind from the profile.
WaitKind = Literal["deployment_available", "package_healthy", "crd_established"]

CRD_API: Final = "apiextensions.k8s.io/v1"
# Release names are ours to choose; the charts derive their object names from them (facts §2.1, §4.1).
CROSSPLANE_RELEASE: Final = "crossplane"
KUBEVELA_RELEASE: Final = "kubevela"
ARGOCD_RELEASE: Final = "argocd"


# -- the data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    """One thing that must be true of one object, waited for with the profile's timeout of *wait*."""

    ref: Ref
    verdict: Verdict
    wait: WaitKind

    @property
    def subject(self) -> str:
        return str(self.ref)


@dataclass(frozen=True)
class HelmInstall:
    release: str
    chart: Chart
    namespace: str
    values_files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Manifests:
    """YAML files to server-side apply, in order; optionally only or all but some kinds."""

    files: tuple[Path, ...]
    only_kinds: frozenset[str] | None = None
    skip_kinds: frozenset[str] = frozenset()
    # What the local tier changes in a manifest before it is applied (a package tag it serves instead).
    rewrite: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def documents(self) -> list[dict[str, Any]]:
        """The manifests to apply, file by file and in each file's order.

        Raises:
            UsageError: a file is missing or its YAML does not parse.
        """
        wanted = []
        for path in self.files:
            if not path.is_file():
                raise UsageError(f"{shown(path)}: manifest file not found")
            for doc in load_documents(path):
                if doc.kind in self.skip_kinds or (self.only_kinds is not None and doc.kind not in self.only_kinds):
                    continue
                wanted.append(self.rewrite(doc.body) if self.rewrite is not None else doc.body)
        return wanted


@dataclass(frozen=True)
class Install:
    """A Helm chart, then manifests; ``before_apply`` is waited for between the two (the CRDs
    the manifests' kinds need, which controllers create some time after they start)."""

    helm: HelmInstall | None = None
    before_apply: tuple[Ready, ...] = ()
    manifests: Manifests | None = None


@dataclass(frozen=True)
class Component:
    """A piece of the platform. It starts once every component in *needs* is ready."""

    name: str
    install: Install
    ready: tuple[Ready, ...]
    needs: tuple[str, ...] = ()


# -- the reference platform ----------------------------------------------------------------------


def crd(name: str) -> Ready:
    return Ready(kinds.CRD.ref(name), established, "crd_established")


def deployments(namespace: str, *names: str) -> tuple[Ready, ...]:
    return tuple(Ready(kinds.DEPLOYMENT.ref(n, namespace), deployment_available, "deployment_available") for n in names)


def packages(*refs: tuple[kinds.Kind, str]) -> tuple[Ready, ...]:
    return tuple(Ready(kind.ref(name), package_healthy, "package_healthy") for kind, name in refs)


def reference_platform(versions: Versions, profile: Profile, *, fixtures: Path | None = None) -> tuple[Component, ...]:
    """The components of the reference platform (facts §1, §2.1, §4.1), named from *profile*.

    Raises:
        UsageError: a fixture file the platform needs is missing.
    """
    ns, xp = profile.namespaces, profile.crossplane
    fixtures = fixtures or fixtures_dir()
    platform = fixtures / "platform"
    crossplane_files = _existing(yaml_files(platform / "crossplane"), platform / "crossplane")
    config_kinds = frozenset({"ProviderConfig"})
    definitions = (
        *_existing(yaml_files(platform / "kubevela"), platform / "kubevela"),
        *_existing([platform / "vcluster" / "xrd.yaml", platform / "vcluster" / "composition.yaml"]),
    )
    return (
        Component(
            "crossplane",
            Install(
                helm=HelmInstall(
                    CROSSPLANE_RELEASE, versions.crossplane, ns.crossplane, _values(fixtures, "crossplane")
                )
            ),
            deployments(ns.crossplane, "crossplane", "crossplane-rbac-manager"),
        ),
        Component(
            "crossplane-packages",
            Install(
                # Crossplane creates its own CRDs when it starts (facts §1.1), not the chart.
                before_apply=tuple(
                    crd(f"{plural}.pkg.crossplane.io")
                    for plural in ("providers", "functions", "deploymentruntimeconfigs")
                ),
                manifests=Manifests(crossplane_files, skip_kinds=config_kinds),
            ),
            (
                *packages(
                    (kinds.PROVIDER, xp.helm_provider),
                    (kinds.PROVIDER, xp.kubernetes_provider),
                    (kinds.FUNCTION, xp.patch_and_transform_function),
                ),
                crd("releases.helm.crossplane.io"),
                crd("objects.kubernetes.crossplane.io"),
            ),
            needs=("crossplane",),
        ),
        Component(
            "provider-configs",
            Install(
                before_apply=(
                    crd("providerconfigs.helm.crossplane.io"),
                    crd("providerconfigs.kubernetes.crossplane.io"),
                ),
                manifests=Manifests(crossplane_files, only_kinds=config_kinds),
            ),
            (),
            needs=("crossplane-packages",),
        ),
        Component(
            "kubevela",
            Install(helm=HelmInstall(KUBEVELA_RELEASE, versions.kubevela, ns.kubevela)),
            (
                *deployments(ns.kubevela, f"{KUBEVELA_RELEASE}-vela-core", f"{KUBEVELA_RELEASE}-cluster-gateway"),
                crd("applications.core.oam.dev"),
            ),
        ),
        _argocd(versions, profile, fixtures),
        Component(
            "platform",
            Install(manifests=Manifests(definitions)),
            _xrds_established(definitions),
            needs=("kubevela", "provider-configs", "argocd"),
        ),
    )


def _argocd(versions: Versions, profile: Profile, fixtures: Path) -> Component:
    namespace = profile.namespaces.argocd
    # With a release name containing "argocd" the chart's fullname is the release name (facts §4.1).
    controller = kinds.STATEFUL_SET.ref(f"{ARGOCD_RELEASE}-application-controller", namespace)
    return Component(
        "argocd",
        Install(helm=HelmInstall(ARGOCD_RELEASE, versions.argocd, namespace, _values(fixtures, "argo-cd"))),
        (
            *deployments(
                namespace,
                f"{ARGOCD_RELEASE}-server",
                f"{ARGOCD_RELEASE}-repo-server",
                f"{ARGOCD_RELEASE}-applicationset-controller",
            ),
            Ready(controller, statefulset_ready, "deployment_available"),
        ),
    )


def _values(fixtures: Path, name: str) -> tuple[Path, ...]:
    return _existing([fixtures / "values" / f"{name}.yaml"])


def _existing(paths: Iterable[Path], folder: Path | None = None) -> tuple[Path, ...]:
    found = tuple(paths)
    if folder is not None and not found:
        raise UsageError(f"{shown(folder)}: no manifests found; the reference platform needs them")
    for path in found:
        if not path.is_file():
            raise UsageError(f"{shown(path)}: file not found; the reference platform needs it")
    return found


def _xrds_established(files: Iterable[Path]) -> tuple[Ready, ...]:
    """Every XRD among *files* Established: Crossplane sets that once the XR's CRD is served."""
    return tuple(
        Ready(Ref(doc.api_version, doc.kind, doc.name), xrd_established, "crd_established")
        for path in files
        for doc in load_documents(path)
        if doc.kind == "CompositeResourceDefinition"
    )
