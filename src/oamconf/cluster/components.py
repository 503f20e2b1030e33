"""The reference platform as data: what each component installs, when it is ready, what it waits for.

``install.install_platform`` runs these; nothing here talks to a cluster. Readiness is a list of
``Ready`` items, each an object plus a small verdict on it (Deployment Available, StatefulSet
replicas ready, CRD Established, Crossplane package Installed and Healthy), so the one-line
failure can name the object and what it last looked like.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from oamconf.errors import UsageError
from oamconf.k8s.api import KubeObject, Ref
from oamconf.k8s.conditions import Verdict, all_of, condition_is
from oamconf.k8s.wait import Observation
from oamconf.platform.manifests import load_documents, yaml_files
from oamconf.platform.paths import FIXTURES, shown
from oamconf.platform.profile import Profile
from oamconf.platform.versions import Chart, Versions

# Names of ``profile.Timeouts`` fields: each wait takes the timeout of its kind from the profile.
WaitKind = Literal["deployment_available", "package_healthy", "crd_established"]

CRD_API: Final = "apiextensions.k8s.io/v1"
# Release names are ours to choose; the charts derive their object names from them (facts §2.1, §4.1).
CROSSPLANE_RELEASE: Final = "crossplane"
KUBEVELA_RELEASE: Final = "kubevela"
ARGOCD_RELEASE: Final = "argocd"


# -- verdicts ------------------------------------------------------------------------------------


def _generation_observed(obj: KubeObject) -> Observation | None:
    """Pending while the controller has not seen the latest spec: after `helm upgrade` the old
    status (Available=True of the previous rollout) would otherwise pass for the new one."""
    want = obj.metadata.get("generation")
    seen = obj.status.get("observedGeneration")
    if want is None or seen is None or int(seen) >= int(want):
        return None
    return Observation.pending(f"want observedGeneration {want}, is {seen}")


def condition_true(type_: str) -> Verdict:
    """``type_=True``; unlike ``condition_is`` the message leaves out the condition's message,
    which for Deployments and CRDs only repeats the reason."""

    def verdict(obj: KubeObject) -> Observation:
        lagging = _generation_observed(obj)
        if lagging is not None:
            return lagging
        found = obj.condition(type_)
        if found is None:
            return Observation.pending(f"want {type_}=True, is no {type_} condition yet")
        seen = f"{found.type}={found.status}" + (f" reason={found.reason}" if found.reason else "")
        return Observation.simple(found.status == "True", f"want {type_}=True, is {seen}")

    return verdict


def statefulset_ready(obj: KubeObject) -> Observation:
    """Every wanted replica is ready (``status.readyReplicas == spec.replicas``)."""
    lagging = _generation_observed(obj)
    if lagging is not None:
        return lagging
    wanted = int(obj.field("spec.replicas", 1))
    ready = int(obj.status.get("readyReplicas") or 0)
    return Observation.simple(ready == wanted, f"want readyReplicas={wanted}, is readyReplicas={ready}")


deployment_available: Final = condition_true("Available")
established: Final = condition_true("Established")
# Healthy=False messages say why a package is unhealthy (pull errors, dependencies), so keep them.
package_healthy: Final = all_of(condition_is("Installed"), condition_is("Healthy"))


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
                wanted.append(doc.body)
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
    return Ready(Ref(CRD_API, "CustomResourceDefinition", name), established, "crd_established")


def deployments(namespace: str, *names: str) -> tuple[Ready, ...]:
    return tuple(
        Ready(Ref("apps/v1", "Deployment", n, namespace), deployment_available, "deployment_available") for n in names
    )


def packages(*refs: tuple[str, str]) -> tuple[Ready, ...]:
    return tuple(
        Ready(Ref("pkg.crossplane.io/v1", kind, name), package_healthy, "package_healthy") for kind, name in refs
    )


def reference_platform(versions: Versions, profile: Profile, *, fixtures: Path = FIXTURES) -> tuple[Component, ...]:
    """The components of the reference platform (facts §1, §2.1, §4.1), named from *profile*.

    Raises:
        UsageError: a fixture file the platform needs is missing.
    """
    ns, xp = profile.namespaces, profile.crossplane
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
                    ("Provider", xp.helm_provider),
                    ("Provider", xp.kubernetes_provider),
                    ("Function", xp.patch_and_transform_function),
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
    controller = Ref("apps/v1", "StatefulSet", f"{ARGOCD_RELEASE}-application-controller", namespace)
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
        Ready(Ref(doc.api_version, doc.kind, doc.name), established, "crd_established")
        for path in files
        for doc in load_documents(path)
        if doc.kind == "CompositeResourceDefinition"
    )
