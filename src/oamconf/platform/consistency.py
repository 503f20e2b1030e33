"""Before the suite installs the platform: refuse the overrides the fixtures would not honour.

The bootstrap installs three Helm charts from ``Versions`` and ``Profile`` (Crossplane, KubeVela, Argo CD),
so their chart versions and namespaces may be overridden. Everything under ``fixtures/platform/`` is applied
as written, though: package tags, the vcluster, database and podinfo charts, and the names and namespaces
in those manifests. An override of one of those changes the report's bill of materials, or the names the
steps look for, but not what is installed. Timeouts are always free to override.

The check reads the files only; the ComponentDefinitions' parameter defaults are read from their CUE text
(no CUE run, so it needs no Node.js: ``fixture_values``). ``selftests/platform`` renders them and checks the same pins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from oamconf.errors import UsageError
from oamconf.platform.fixture_values import (
    api_group,
    composition_bases,
    cue_defaults,
    docs_of,
    get_in,
    is_gvk,
    xrd_kind,
)
from oamconf.platform.loading import load_platform
from oamconf.platform.manifests import Document, field_path, yaml_files
from oamconf.platform.oam import COMPONENT_DEFINITION, OAM_APPLICATION, template_of
from oamconf.platform.paths import fixtures_dir, shown
from oamconf.platform.pins import pin_mismatches
from oamconf.platform.profile import Profile
from oamconf.platform.versions import Versions

__all__ = ["FIX", "cue_defaults", "ensure_installable", "install_mismatches"]  # cue_defaults: re-exported

FIX: Final = "the install applies the fixtures as written: edit the fixture, or drop the override"
VERSIONS_SOURCE: Final = "the run's versions"
PROFILE_SOURCE: Final = "the run's profile"
PLATFORM_FOLDER: Final = "platform"
APPS_FOLDER: Final = "apps"
# Database ComponentDefinition parameter (CUE path) -> field of the versions table of the same name.
DATABASE_PARAMETERS: Final = {
    ("chart", "name"): "chart",
    ("chart", "repository"): "repository",
    ("chart", "version"): "chart_version",
    ("image", "registry"): "image_registry",
    ("image", "repository"): "image_repository",
    ("image", "tag"): "image_tag",
    ("allowInsecureImages",): "allow_insecure_images",
}
DATABASE_TABLES: Final = ("postgresql", "redis")  # names in both Versions and profile [definitions]

# An Argo CD destination inside the host cluster: a vCluster's Service, https://<name>.<namespace>.svc:443.
_IN_CLUSTER_SERVICE = re.compile(r"^https://([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?(:\d+)?/?$")


def install_mismatches(versions: Versions, profile: Profile, *, fixtures: Path | None = None) -> list[str]:
    """One line per override that ``fixtures/platform/**`` does not honour; ``[]`` means install as asked.

    Parameters:
        versions: the run's versions, overrides merged.
        profile: the run's profile, overrides merged.
        fixtures: the fixtures folder whose ``platform/`` the bootstrap applies (default: the project's).
    """
    fixtures = fixtures or fixtures_dir()
    platform = load_platform(yaml_files(fixtures / PLATFORM_FOLDER))
    docs = platform.documents
    return [
        *platform.problems,
        *pin_mismatches(platform, versions, source=VERSIONS_SOURCE, fix=FIX),
        *_database_defaults(docs, versions, profile),
        *_Names(docs, profile, fixtures / PLATFORM_FOLDER).mismatches(),
    ]


def ensure_installable(versions: Versions, profile: Profile, *, fixtures: Path | None = None) -> None:
    """Refuse to install a platform that would differ from what the run's versions and profile say.

    Raises:
        UsageError: one line: the first mismatch, and how many more there are.
    """
    problems = install_mismatches(versions, profile, fixtures=fixtures)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise UsageError(f"cannot install the platform as asked: {problems[0]}{more}")


@dataclass(frozen=True)
class _Site:
    """A value written in a fixture, and where: ``field`` is how the line names its place."""

    doc: Document
    field: str
    value: Any

    def differs(self, source: str, table: str, key: str, asked: Any) -> str:
        return (
            f"{self.doc.where}: {self.doc.ref}: {self.field}: {self.value!r} differs from {source} "
            f"[{table}] {key} {asked!r}; {FIX}"
        )


def _site(doc: Document, path: Iterable[Any], value: Any) -> _Site:
    return _Site(doc, field_path(list(path)), value)


def _metadata(doc: Document, key: str) -> _Site:
    return _site(doc, ("metadata", key), get_in(doc.body, "metadata", key))


def _database_defaults(docs: list[Document], versions: Versions, profile: Profile) -> list[str]:
    """The database chart and image each ComponentDefinition defaults to (and any Application sets)."""
    errors = []
    for table in DATABASE_TABLES:
        pinned = getattr(versions, table)
        for site, key in _database_sites(docs, getattr(profile.definitions, table)):
            if site.value != getattr(pinned, key):
                errors.append(site.differs(VERSIONS_SOURCE, table, key, getattr(pinned, key)))
    return errors


def _database_sites(docs: list[Document], definition: str) -> Iterator[tuple[_Site, str]]:
    """(site, versions key) of each chart/image parameter of *definition*: defaults, then Applications' values."""
    for doc in docs:
        if is_gvk(doc, COMPONENT_DEFINITION) and doc.name == definition:
            defaults = cue_defaults(template_of(doc))
            for path, key in DATABASE_PARAMETERS.items():
                field = f"spec.schematic.cue.template parameter.{'.'.join(path)} default"
                yield _Site(doc, field, defaults.get(path, "no default")), key
        elif is_gvk(doc, OAM_APPLICATION):
            for index, component in enumerate(get_in(doc.body, "spec", "components") or []):
                if get_in(component, "type") != definition:
                    continue
                for path, key in DATABASE_PARAMETERS.items():
                    if (seen := get_in(component, "properties", *path)) is not None:
                        yield _site(doc, ("spec", "components", index, "properties", *path), seen), key


class _Names:
    """The profile's names and namespaces that the fixtures write out."""

    def __init__(self, docs: list[Document], profile: Profile, platform: Path) -> None:
        self.docs = docs
        self.profile = profile
        self.platform = platform
        self.errors: list[str] = []

    def each(self, table: str, key: str, sites: Iterable[_Site]) -> None:
        """Every site must hold the profile's value."""
        asked = getattr(getattr(self.profile, table), key)
        self.errors.extend(site.differs(PROFILE_SOURCE, table, key, asked) for site in sites if site.value != asked)

    def one_of(self, table: str, key: str, what: str, sites: Iterable[_Site]) -> None:
        """Some site must hold the profile's value (it names one object among several)."""
        asked = getattr(getattr(self.profile, table), key)
        found = list(sites)
        if asked in {site.value for site in found}:
            return
        where = ", ".join(dict.fromkeys(site.doc.where for site in found)) or shown(self.platform)
        have = ", ".join(repr(site.value) for site in found) or "none"
        self.errors.append(
            f"{where}: no {what} {asked!r} as {PROFILE_SOURCE} [{table}] {key} asks (the fixtures have {have}); {FIX}"
        )

    def mismatches(self) -> list[str]:
        self.namespaces()
        self.crossplane()
        self.definitions()
        self.virtual_cluster()
        return self.errors

    def namespaces(self) -> None:
        bindings = docs_of(self.docs, "rbac.authorization.k8s.io", "ClusterRoleBinding", "RoleBinding")
        self.each(
            "namespaces",
            "crossplane",
            (
                _site(doc, ("subjects", index, "namespace"), subject.get("namespace"))
                for doc in bindings
                for index, subject in enumerate(get_in(doc.body, "subjects") or [])
                if subject.get("kind") == "ServiceAccount"
            ),
        )
        argocd = [_metadata(doc, "namespace") for doc in docs_of(self.docs, "argoproj.io", "Application")]
        self.each("namespaces", "argocd", [*argocd, *self.xrd_defaults("argocdNamespace")])
        # KubeVela sees definitions in its own namespace from every namespace (facts §2.1); the
        # install creates no other namespace for them.
        definitions = [_metadata(doc, "namespace") for doc in self.docs if is_gvk(doc, COMPONENT_DEFINITION)]
        self.each("namespaces", "kubevela", definitions)
        self.each("definitions", "namespace", definitions)
        apps = [
            _metadata(doc, "name")
            for doc in self.docs
            if (doc.api_version, doc.kind) == ("v1", "Namespace") and doc.path.parent.name == APPS_FOLDER
        ]
        apps += [_metadata(doc, "namespace") for doc in self.docs if is_gvk(doc, OAM_APPLICATION)]
        # A `from` without a namespace names a Service in the vCluster's own host namespace (facts §7.3).
        apps += [
            _site(doc, ("spec", "hostServices", index, "from"), namespace)
            for doc in self.virtual_clusters()
            for index, service in enumerate(get_in(doc.body, "spec", "hostServices") or [])
            for namespace, slash, _ in [str(service.get("from", "")).partition("/")]
            if slash
        ]
        self.each("namespaces", "apps", apps)

    def crossplane(self) -> None:
        for key, kind in (
            ("helm_provider", "Provider"),
            ("kubernetes_provider", "Provider"),
            ("patch_and_transform_function", "Function"),
        ):
            packages = [_metadata(doc, "name") for doc in docs_of(self.docs, "pkg.crossplane.io", kind)]
            self.one_of("crossplane", key, kind, packages)
        for key, group, kind in (
            ("helm_provider_config", "helm.crossplane.io", "Release"),
            ("kubernetes_provider_config", "kubernetes.crossplane.io", "Object"),
        ):
            sites = [_metadata(doc, "name") for doc in docs_of(self.docs, group, "ProviderConfig")]
            sites += self.provider_config_refs(group, kind)
            if group == "helm.crossplane.io":
                sites += self.definition_defaults(("providerConfigName",))
            self.each("crossplane", key, sites)

    def definitions(self) -> None:
        names = [_metadata(doc, "name") for doc in self.docs if is_gvk(doc, COMPONENT_DEFINITION)]
        for key in DATABASE_TABLES:
            self.one_of("definitions", key, "ComponentDefinition", names)

    def virtual_cluster(self) -> None:
        wanted = self.profile.virtual_cluster
        xrds = self.xrds()
        self.one_of(
            "virtual_cluster", "kind", "XRD kind", (_site(x, ("spec", "names", "kind"), xrd_kind(x.body)) for x in xrds)
        )
        served = (
            _site(
                xrd, ("spec", "versions", index, "name"), f"{get_in(xrd.body, 'spec', 'group')}/{version.get('name')}"
            )
            for xrd in xrds
            for index, version in enumerate(get_in(xrd.body, "spec", "versions") or [])
            if version.get("served")
        )
        self.one_of("virtual_cluster", "api_version", "served XRD version", served)
        instances = self.virtual_clusters()
        self.one_of("virtual_cluster", "name", "composite", [_metadata(doc, "name") for doc in instances])
        named = [doc for doc in instances if doc.name == wanted.name] or instances
        self.each(
            "virtual_cluster",
            "host_namespace",
            (_site(d, ("spec", "namespace"), get_in(d.body, "spec", "namespace")) for d in named),
        )
        for doc, name, namespace in self.argocd_destinations():
            server = field_path(["spec", "destination", "server"])
            self.each("virtual_cluster", "name", [_Site(doc, f"{server} name", name)])
            self.each("virtual_cluster", "host_namespace", [_Site(doc, f"{server} namespace", namespace)])

    # -- where the fixtures write the names --------------------------------------------------------

    def xrds(self) -> list[Document]:
        return docs_of(self.docs, "apiextensions.crossplane.io", "CompositeResourceDefinition")

    def virtual_clusters(self) -> list[Document]:
        """The composites of the fixtures' XRDs (vc1)."""
        types = {(get_in(x.body, "spec", "group"), xrd_kind(x.body)) for x in self.xrds()}
        return [doc for doc in self.docs if (api_group(doc), doc.kind) in types]

    def xrd_defaults(self, prop: str) -> list[_Site]:
        """The default of ``spec.<prop>`` in every version of every XRD that sets one."""
        sites = []
        for xrd in self.xrds():
            for index, version in enumerate(get_in(xrd.body, "spec", "versions") or []):
                path = ("schema", "openAPIV3Schema", "properties", "spec", "properties", prop, "default")
                if (default := get_in(version, *path)) is not None:
                    sites.append(_site(xrd, ("spec", "versions", index, *path), default))
        return sites

    def provider_config_refs(self, group: str, kind: str) -> list[_Site]:
        """``providerConfigRef`` of the Releases / Objects a Composition creates."""
        sites = []
        for doc in docs_of(self.docs, "apiextensions.crossplane.io", "Composition"):
            for path, base in composition_bases(doc.body):
                if api_group(base) == group and base.get("kind") == kind:
                    ref = get_in(base, "spec", "providerConfigRef", "name")
                    sites.append(_site(doc, (*path, "spec", "providerConfigRef", "name"), ref))
        return sites

    def definition_defaults(self, path: tuple[str, ...]) -> list[_Site]:
        return [
            _Site(doc, f"spec.schematic.cue.template parameter.{'.'.join(path)} default", default)
            for doc in self.docs
            if is_gvk(doc, COMPONENT_DEFINITION)
            if (default := cue_defaults(template_of(doc)).get(path)) is not None
        ]

    def argocd_destinations(self) -> Iterator[tuple[Document, str, str]]:
        """(Application, name, namespace) of the Argo CD Applications sent to an in-host Service (a vCluster)."""
        for doc in docs_of(self.docs, "argoproj.io", "Application"):
            server = _IN_CLUSTER_SERVICE.match(str(get_in(doc.body, "spec", "destination", "server") or ""))
            if server is not None and (server[1], server[2]) != ("kubernetes", "default"):
                yield doc, server[1], server[2]
