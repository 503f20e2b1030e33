"""Reading scenario files with one-line errors that name file, line and key.

They are read as YAML 1.2 (``oamconf.yamlio.SCENARIO_LOADER`` says why): booleans are ``true``/``false``
only, so a reaction's ``on:`` key stays a key, and timestamps stay strings, as the API server returns them.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml

from oamconf.errors import UsageError
from oamconf.yamlio import SCENARIO_LOADER

Where = tuple[str | int, ...]
_Loader = SCENARIO_LOADER


@dataclass(frozen=True)
class YamlDoc:
    """One YAML document, with the line of every node so errors can point at it."""

    path: Path
    data: Any
    lines: Mapping[Where, int]

    def fail(self, where: Where, problem: str) -> NoReturn:
        """Raise the one-line ``UsageError`` for a problem at *where*."""
        line = next((self.lines[where[:n]] for n in range(len(where), -1, -1) if where[:n] in self.lines), None)
        at = f", line {line}" if line else ""
        raise UsageError(f"{self.path}{at}: {dotted(where)} {problem}")

    def mapping(
        self, where: Where, value: Any, allowed: Collection[str] | None = None, required: Collection[str] = ()
    ) -> dict[str, Any]:
        """*value* as a map; with *allowed*, other keys are errors, and *required* keys must be there."""
        if not isinstance(value, dict):
            self.fail(where, f"must be a map of keys to values, not {_shown(value)}")
        for key in value:
            if allowed is not None and key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"use one of: {', '.join(allowed)}"
                self.fail((*where, str(key)), f"is not a known key; {hint}")
        for key in required:
            if key not in value:
                self.fail(where, f"needs the key {key!r}")
        return value

    def items(self, where: Where, value: Any) -> list[Any]:
        if not isinstance(value, list):
            self.fail(where, f"must be a list, not {_shown(value)}")
        return value

    def text(self, where: Where, value: Any) -> str:
        if not isinstance(value, str) or not value:
            self.fail(where, f"must be a non-empty string, not {_shown(value)}")
        return value

    def count(self, where: Where, value: Any, *, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(where, f"must be a whole number >= {minimum}, not {_shown(value)}")
        return value

    def choice(self, where: Where, value: Any, choices: Collection[str]) -> str:
        if value not in choices:
            self.fail(where, f"must be one of {', '.join(choices)}, not {_shown(value)}")
        return str(value)


def read_documents(path: Path) -> list[YamlDoc]:
    """Every document of a YAML file (empty ones skipped), or a ``UsageError`` saying why not."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(f"{path}: cannot read the file ({err.strerror}); check the path") from err
    loader = _Loader(text)
    docs: list[YamlDoc] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # check_node() said there is one; this keeps mypy informed
                break
            lines: dict[Where, int] = {}
            _record_lines(node, (), lines)
            data = loader.construct_document(node)
            if data is not None:
                docs.append(YamlDoc(path, data, lines))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise UsageError(f"{path}{at}: not valid YAML ({problem}); fix the syntax there") from err
    finally:
        loader.dispose()
    return docs


def _record_lines(node: yaml.Node, where: Where, lines: dict[Where, int]) -> None:
    # setdefault: a key's own line (recorded by its map) beats the line its value starts on.
    lines.setdefault(where, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                lines[(*where, str(key_node.value))] = key_node.start_mark.line + 1
                _record_lines(value_node, (*where, str(key_node.value)), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*where, index), lines)


def dotted(where: Where) -> str:
    """``("reactions", 0, "on")`` -> ``reactions[0].on``; the empty path is the top level."""
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text or "the top level"


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a map"
    if isinstance(value, list):
        return "a list"
    return repr(value)
