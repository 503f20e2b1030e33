"""Reading YAML manifests: multi-document files, a readable name per object, one-line parse errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oamconf.errors import UsageError
from oamconf.platform.paths import shown
from oamconf.yamlio import MarkedYAMLError, YAMLError, load_all_kubernetes


@dataclass(frozen=True)
class Document:
    """One YAML document of a file: the parsed mapping and where it came from."""

    path: Path
    index: int
    body: dict[str, Any]

    @property
    def api_version(self) -> str:
        return str(self.body.get("apiVersion", ""))

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", ""))

    @property
    def name(self) -> str:
        metadata = self.body.get("metadata")
        return str(metadata.get("name", "")) if isinstance(metadata, dict) else ""

    @property
    def ref(self) -> str:
        """How messages name the object: ``Release test-db``, or the document number when unnamed."""
        if self.kind and self.name:
            return f"{self.kind} {self.name}"
        return f"{self.kind or 'document'} #{self.index + 1}"

    @property
    def where(self) -> str:
        return shown(self.path)


def yaml_files(root: Path) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` under ``root``, sorted so reports are stable."""
    return sorted(p for p in root.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())


def load_documents(path: Path) -> list[Document]:
    """Parse every document of a YAML file; empty documents are skipped.

    Raises:
        UsageError: one line with the file and line, for a YAML syntax error or a document that is
            not a mapping.
    """
    try:
        raw = load_all_kubernetes(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = err.problem or err.context or "syntax error"
        raise UsageError(f"{shown(path)}{line}: YAML does not parse: {problem}; fix the syntax") from None
    except YAMLError as err:
        raise UsageError(f"{shown(path)}: YAML does not parse: {err}; fix the syntax") from None
    documents = []
    for index, body in enumerate(raw):
        if body is None:
            continue
        if not isinstance(body, dict):
            raise UsageError(f"{shown(path)}: document #{index + 1} is a {type(body).__name__}, not a mapping")
        documents.append(Document(path, index, body))
    return documents


def field_path(parts: Iterator[Any] | list[Any] | tuple[Any, ...]) -> str:
    """``["spec", "forProvider", "set", 0, "name"]`` → ``spec.forProvider.set[0].name``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
