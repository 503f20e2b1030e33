"""The provider-helm Release the fixtures' ComponentDefinitions render for an Application (KubeVela's own engine)."""

from __future__ import annotations

from typing import Any

from oamconf.cluster import gobuild
from oamconf.cluster.tools import default_cache_dir
from oamconf.platform.manifests import load_documents
from oamconf.platform.paths import fixtures_dir
from oamconf.testkit.vela import dry_run

DEFINITIONS = fixtures_dir() / "platform" / "kubevela"


def rendered_release(
    definition: str, *, app: str, component: str, namespace: str, props: dict[str, Any]
) -> dict[str, Any]:
    """``vela dry-run`` (KubeVela v1.10.9) of one Application with one *definition* component: its Release."""
    (doc,) = load_documents(DEFINITIONS / f"componentdefinition-{definition}.yaml")
    application = {
        "apiVersion": "core.oam.dev/v1beta1",
        "kind": "Application",
        "metadata": {"name": app, "namespace": namespace},
        "spec": {"components": [{"name": component, "type": definition, "properties": props}]},
    }
    (vela,) = gobuild.ensure_all(("vela",), cache_dir=default_cache_dir())
    (release,) = dry_run(application, [doc.body], vela=vela)
    return release
