"""Render the fixtures' ComponentDefinitions with KubeVela's own engine, offline.

Each definition is rendered once in a sample Application with no properties (its defaults), and each OAM
Application in the fixtures is rendered whole, with every definition of the fixtures available: both by
``vela dry-run --offline`` at the pinned KubeVela version, so a property the template rejects, or an output
the Release CRD rejects, fails the offline check with KubeVela's own message.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from oamconf.cluster.gobuild import Built
from oamconf.platform.manifests import Document
from oamconf.platform.oam import COMPONENT_DEFINITION, OAM_APPLICATION, Rendered, is_kind
from oamconf.testkit.vela import VelaFailed, dry_run

# The sample render: a made-up application with one component, as a user's first Application would be.
SAMPLE_APP: Final = "sample"
SAMPLE_COMPONENT: Final = "db"
SAMPLE_NAMESPACE: Final = "default"
COMPONENT_LABEL: Final = "app.oam.dev/component"


def sample_application(definition: str, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "core.oam.dev/v1beta1",
        "kind": "Application",
        "metadata": {"name": SAMPLE_APP, "namespace": SAMPLE_NAMESPACE},
        "spec": {"components": [{"name": SAMPLE_COMPONENT, "type": definition, "properties": properties or {}}]},
    }


def render_fixtures(documents: Iterable[Document], *, vela: Built) -> tuple[list[Rendered], list[str]]:
    """Render every definition (sample) and every Application; return outputs and errors, one line each."""
    docs = list(documents)
    definitions = {doc.name: doc for doc in docs if is_kind(doc, COMPONENT_DEFINITION)}
    bodies = [doc.body for doc in definitions.values()]
    rendered: list[Rendered] = []
    errors: list[str] = []
    for name, definition in definitions.items():
        where = f"{definition.where}: {definition.ref}: spec.schematic.cue.template"
        try:
            objects = dry_run(sample_application(name), bodies, vela=vela)
        except VelaFailed as err:
            errors.append(f"{where}: {err}")
            continue
        rendered += [Rendered(definition, "with sample parameters", name, obj) for obj in objects]
    for app in (doc for doc in docs if is_kind(doc, OAM_APPLICATION)):
        types = {c.get("name", ""): c.get("type", "") for c in app.body.get("spec", {}).get("components", [])}
        try:
            objects = dry_run(app.body, bodies, vela=vela)
        except VelaFailed as err:
            errors.append(f"{app.where}: {app.ref}: spec.components: {err}")
            continue
        for obj in objects:
            component = obj.get("metadata", {}).get("labels", {}).get(COMPONENT_LABEL, "")
            rendered.append(Rendered(app, f"component {component}", types.get(component, ""), obj))
    return rendered, errors
