"""Render the fixtures' ComponentDefinitions the way KubeVela would, offline.

Each definition is rendered once with sample parameters (its defaults), and each component of each OAM
Application in the fixtures is rendered with its own properties and a context built from the Application,
so a property the template rejects, or an output the Release CRD rejects, fails the offline check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from oamconf.errors import ConformanceError
from oamconf.platform.manifests import Document
from oamconf.platform.oam import COMPONENT_DEFINITION, OAM_APPLICATION, Rendered, is_kind, template_of
from oamconf.testkit import cue

# The context of the per-definition sample render: a made-up application with one component.
SAMPLE_APP: Final = "sample"
SAMPLE_COMPONENT: Final = "db"
SAMPLE_NAMESPACE: Final = "default"


def _source(definition: Document, *, app_name: str, component: str, namespace: str, properties: Any) -> str:
    context = cue.kubevela_context(app_name=app_name, component=component, namespace=namespace)
    return cue.component_source(template_of(definition), context=context, parameter=properties)


@dataclass(frozen=True)
class _Job:
    source: Document
    label: str
    definition: str
    where: str  # the message prefix of a failed render
    cue_source: str


def render_fixtures(documents: Iterable[Document]) -> tuple[list[Rendered], list[str]]:
    """Render every definition (sample) and every Application component; return outputs and errors."""
    docs = list(documents)
    definitions = {doc.name: doc for doc in docs if is_kind(doc, COMPONENT_DEFINITION)}
    errors: list[str] = []
    jobs = [
        _Job(
            definition,
            "with sample parameters",
            name,
            f"{definition.where}: {definition.ref}: spec.schematic.cue.template",
            _source(
                definition, app_name=SAMPLE_APP, component=SAMPLE_COMPONENT, namespace=SAMPLE_NAMESPACE, properties={}
            ),
        )
        for name, definition in definitions.items()
    ]
    for app in (doc for doc in docs if is_kind(doc, OAM_APPLICATION)):
        jobs += _application_jobs(app, definitions, errors)
    if not jobs:
        return [], errors
    rendered: list[Rendered] = []
    for job, result in zip(jobs, cue.export_all([(job.cue_source, "output") for job in jobs]), strict=True):
        if isinstance(result, ConformanceError):
            errors.append(f"{job.where}: {result}")
        elif not isinstance(result, dict):
            errors.append(f"{job.where}: output is a {type(result).__name__}, not an object")
        else:
            rendered.append(Rendered(job.source, job.label, job.definition, result))
    return rendered, errors


def _application_jobs(app: Document, definitions: dict[str, Document], errors: list[str]) -> list[_Job]:
    namespace = app.body.get("metadata", {}).get("namespace", "default")
    jobs = []
    for index, component in enumerate(app.body.get("spec", {}).get("components", [])):
        where = f"{app.where}: {app.ref}: spec.components[{index}]"
        definition = definitions.get(component.get("type", ""))
        if definition is None:
            known = ", ".join(sorted(definitions)) or "none"
            errors.append(f"{where}.type: no ComponentDefinition '{component.get('type')}' in the fixtures ({known})")
            continue
        source = _source(
            definition,
            app_name=app.name,
            component=component.get("name", ""),
            namespace=namespace,
            properties=component.get("properties", {}),
        )
        jobs.append(_Job(app, f"component {component.get('name')}", definition.name, f"{where}.properties", source))
    return jobs
