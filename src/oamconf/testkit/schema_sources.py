"""Where each pinned component's schemas come from: its own Go module at the pinned version.

The CRDs and values schemas the fixtures are validated against ship inside the upstream Go modules
(Crossplane's ``cluster/crds``, provider-kubernetes' ``package/crds``, KubeVela's chart CRDs, Argo CD's
``manifests/crds``, vCluster's ``chart/values.schema.json``...), so they are read there, at exactly the
version ``fixtures/versions.toml`` pins: a version bump changes the schemas with it. Go downloads each
module through the module proxy and checks it against the checksum database.

Two kinds of component fall back to ``../shared/crds/<component>-<version>`` when it is there: those whose
module version the proxy does not serve (provider-helm v1.4.0 here), and the Bitnami charts, which are in
no Go module. Without either, the component's checks are reported as not run, with the reason: never a
silent pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from oamconf.cluster.gobuild import ModuleUnavailable, module_dir
from oamconf.errors import UsageError
from oamconf.platform.paths import project_root
from oamconf.platform.versions import Versions


@dataclass(frozen=True)
class SchemaSource:
    component: str
    module: str | None  # None: in no Go module
    version: str  # the module version (v-prefixed), or the chart version for a chart in no module
    subdir: str  # the folder inside the module holding the CRDs or values schema
    shared_folder: str  # its name under ../shared/crds
    groups: tuple[str, ...] = ()  # API groups whose kinds it defines
    chart: str | None = None  # the chart whose values schema it holds


@dataclass(frozen=True)
class Resolved:
    source: SchemaSource
    folder: Path | None  # None: not available here
    origin: str  # "github.com/x/y@v1.2.3/sub" or "../shared/crds/<folder>", or why it is not available


def schema_sources(versions: Versions) -> list[SchemaSource]:
    """Every component whose schemas the fixtures are validated against, at the versions file's pins."""
    tag = {name: ref.rpartition(":")[2] for name, ref in vars(versions.packages).items()}
    crossplane, vela = f"v{versions.crossplane.chart_version}", f"v{versions.kubevela.chart_version}"
    vcluster = f"v{versions.vcluster.chart_version}"
    contrib = "github.com/crossplane-contrib"
    return [
        SchemaSource(
            "crossplane",
            "github.com/crossplane/crossplane/v2",
            crossplane,
            "cluster/crds",
            f"crossplane-{crossplane}",
            ("apiextensions.crossplane.io", "pkg.crossplane.io", "ops.crossplane.io", "protection.crossplane.io"),
        ),
        SchemaSource(
            "provider-helm",
            f"{contrib}/provider-helm",
            tag["provider_helm"],
            "package/crds",
            f"provider-helm-{tag['provider_helm']}",
            ("helm.crossplane.io", "helm.m.crossplane.io"),
        ),
        SchemaSource(
            "provider-kubernetes",
            f"{contrib}/provider-kubernetes",
            tag["provider_kubernetes"],
            "package/crds",
            f"provider-kubernetes-{tag['provider_kubernetes']}",
            ("kubernetes.crossplane.io", "kubernetes.m.crossplane.io"),
        ),
        SchemaSource(
            "function-patch-and-transform",
            f"{contrib}/function-patch-and-transform",
            tag["function_patch_and_transform"],
            "package/input",
            f"function-patch-and-transform-{tag['function_patch_and_transform']}",
            ("pt.fn.crossplane.io",),
        ),
        SchemaSource(
            "kubevela",
            "github.com/oam-dev/kubevela",
            vela,
            "charts/vela-core/crds",
            f"kubevela-{vela}",
            ("core.oam.dev", "cue.oam.dev"),
        ),
        SchemaSource(
            "argocd",
            "github.com/argoproj/argo-cd/v3",
            versions.argocd.app_version,
            "manifests/crds",
            f"argo-cd-{versions.argocd.app_version}",
            ("argoproj.io",),
        ),
        SchemaSource(
            "vcluster",
            "github.com/loft-sh/vcluster",
            vcluster,
            "chart",
            f"vcluster-{vcluster}",
            chart=versions.vcluster.chart,
        ),
        *(
            SchemaSource(
                name, None, chart.chart_version, "", f"bitnami-{name}-{chart.chart_version}", chart=chart.chart
            )
            for name, chart in (("postgresql", versions.postgresql), ("redis", versions.redis))
        ),
    ]


def shared_folder(root: Path | None = None) -> Path:
    """``../shared/crds`` beside the project (it may not exist: only a fallback)."""
    return root if root is not None else project_root().parent / "shared" / "crds"


def resolve(source: SchemaSource, shared: Path) -> Resolved:
    """The folder holding *source*'s schemas: its module's, else ../shared's, else none with the reason."""
    why = "in no Go module"
    if source.module is not None:
        try:
            return Resolved(
                source,
                module_dir(source.module, source.version) / source.subdir,
                f"{source.module}@{source.version}/{source.subdir}",
            )
        except (ModuleUnavailable, UsageError) as err:
            why = f"its module is not available here ({err})"
    fallback = shared / source.shared_folder
    if fallback.is_dir():
        return Resolved(source, fallback, f"../shared/crds/{source.shared_folder}")
    return Resolved(
        source,
        None,
        f"{source.component} {source.version} schemas not run: {why}, and no ../shared/crds/"
        f"{source.shared_folder} beside the project",
    )
