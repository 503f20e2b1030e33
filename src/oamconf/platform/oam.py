"""OAM kinds the fixtures use, and what a ComponentDefinition renders (``oamconf.testkit.render`` renders it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from oamconf.platform.manifests import Document

COMPONENT_DEFINITION: Final = ("core.oam.dev/v1beta1", "ComponentDefinition")
OAM_APPLICATION: Final = ("core.oam.dev/v1beta1", "Application")


@dataclass(frozen=True)
class Rendered:
    """One rendered ``output``, and what rendered it (for messages)."""

    source: Document
    label: str
    definition: str
    output: dict[str, Any]

    @property
    def ref(self) -> str:
        metadata = self.output.get("metadata", {})
        return f"{self.source.ref} {self.label} renders {self.output.get('kind')} {metadata.get('name')}"


def is_kind(doc: Document, gvk: tuple[str, str]) -> bool:
    return (doc.api_version, doc.kind) == gvk


def template_of(definition: Document) -> str:
    template = definition.body.get("spec", {}).get("schematic", {}).get("cue", {}).get("template")
    return template if isinstance(template, str) else ""
