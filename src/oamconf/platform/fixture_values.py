"""Reading values out of the fixtures' documents, for the install check (``consistency``).

Plain lookups that tolerate missing or mistyped nodes, filters by API group and kind, and the
``*default`` of each parameter of a ComponentDefinition's CUE template, read from its text (no CUE
run, so it needs no Node.js). Nothing here knows what the run's versions or profile ask for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from oamconf.platform.manifests import Document

_PARAMETER = re.compile(r"^parameter:\s*\{\s*(//.*)?$")
_BLOCK = re.compile(r"^\s*(\w+):\s*\{\s*(//.*)?$")
_DEFAULT = re.compile(r'^\s*(\w+)\??:\s*\*("(?:[^"\\]|\\.)*"|true|false|-?\d+)\s*\|')
_CLOSE = re.compile(r"^\s*\}")


def cue_defaults(template: str) -> dict[tuple[str, ...], Any]:
    """The ``*default`` of each parameter of a CUE template, by path: ``("chart", "version") → "17.1.0"``.

    Reads the ``parameter: {`` block as the fixtures write it: one field or one opening brace per line.
    """
    defaults: dict[tuple[str, ...], Any] = {}
    stack: list[str] | None = None
    for line in template.splitlines():
        if stack is None:
            stack = [] if _PARAMETER.match(line) else None
        elif block := _BLOCK.match(line):
            stack.append(block[1])
        elif default := _DEFAULT.match(line):
            defaults[(*stack, default[1])] = json.loads(default[2])
        elif _CLOSE.match(line):
            if not stack:
                break
            stack.pop()
    return defaults


def get_in(node: Any, *path: Any) -> Any:
    """The value at *path* (keys and list indexes), or ``None`` where the path leads nowhere."""
    for part in path:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return node


def api_group(doc: Document | dict[str, Any]) -> str:
    """The API group of a document or manifest; ``""`` for the core group."""
    api_version = doc.api_version if isinstance(doc, Document) else str(doc.get("apiVersion", ""))
    return api_version.partition("/")[0] if "/" in api_version else ""


def docs_of(docs: Iterable[Document], group: str, *kinds: str) -> list[Document]:
    """The documents of *group* whose kind is one of *kinds*."""
    return [doc for doc in docs if api_group(doc) == group and doc.kind in kinds]


def is_gvk(doc: Document, gvk: tuple[str, str]) -> bool:
    """Whether *doc* is of this (apiVersion, kind)."""
    return (doc.api_version, doc.kind) == gvk


def xrd_kind(xrd: dict[str, Any]) -> Any:
    """The kind of the composites a CompositeResourceDefinition defines."""
    return get_in(xrd, "spec", "names", "kind")


def composition_bases(composition: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(path, base) of each resource a Composition's pipeline creates (patch-and-transform inputs)."""
    for i, step in enumerate(get_in(composition, "spec", "pipeline") or []):
        for j, resource in enumerate(get_in(step, "input", "resources") or []):
            base = resource.get("base") if isinstance(resource, dict) else None
            if isinstance(base, dict):
                yield ("spec", "pipeline", i, "input", "resources", j, "base"), base
