"""Strict TOML → frozen dataclasses: every key known, every key present, every value the right type.

The versions file and the profile share this loader, so a typo in either is one line naming the file,
the table and the key instead of a ``KeyError`` three layers down. Supported field types are ``str``,
``int``, ``bool`` and nested dataclasses (a TOML table); that is all the two files need.

Overrides come in two forms, both merged over the defaults before the full check:
a partial TOML file (``--versions my.toml``) and ``"table.key=value"`` strings.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, get_origin, get_type_hints

from oamconf.errors import UsageError
from oamconf.platform.paths import shown

T = TypeVar("T")

_SCALARS: dict[type, str] = {str: "a string", int: "an integer", bool: "true or false"}


def read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML file; a missing file or a syntax error is one line naming the file."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise UsageError(f"{shown(path)}: file not found; pass an existing TOML file") from None
    except tomllib.TOMLDecodeError as err:
        raise UsageError(f"{shown(path)}: not valid TOML: {err}; fix the syntax") from None


def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _where(prefix: str) -> str:
    return f"[{prefix}] " if prefix else ""


def check(cls: type, data: Mapping[str, Any], *, source: str, prefix: str = "", complete: bool = True) -> None:
    """Raise ``UsageError`` for the first unknown key, missing key (when ``complete``) or wrong type."""
    hints = _hints(cls)
    for key in data:
        if key not in hints:
            known = ", ".join(sorted(hints))
            raise UsageError(f"{source}: {_where(prefix)}unknown key '{key}'; remove it or use one of: {known}")
    if complete:
        for key in hints:
            if key not in data:
                raise UsageError(f"{source}: {_where(prefix)}missing key '{key}'; add it")
    for key, value in data.items():
        _check_value(hints[key], value, source=source, path=f"{prefix}.{key}" if prefix else key, complete=complete)


def _check_value(kind: Any, value: Any, *, source: str, path: str, complete: bool) -> None:
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise UsageError(f"{source}: '{path}' must be a table [{path}], not {type(value).__name__}")
        check(kind, value, source=source, prefix=path, complete=complete)  # type: ignore[arg-type]
        return
    if get_origin(kind) is tuple:  # tuple[str, ...]: a TOML array of strings
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise UsageError(f"{source}: '{path}' must be an array of strings, not {value!r}; fix its value")
        return
    # bool is an int in Python; a timeout of `true` is still a mistake.
    wrong = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
    if wrong:
        raise UsageError(f"{source}: '{path}' must be {_SCALARS[kind]}, not {value!r}; fix its value")


def build(cls: type[T], data: Mapping[str, Any]) -> T:
    """Build the dataclass tree from data that ``check`` accepted."""
    hints = _hints(cls)
    values = {
        key: build(hints[key], value) if dataclasses.is_dataclass(hints[key]) else _frozen(value)
        for key, value in data.items()
    }
    return cls(**values)


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``over`` into a copy of ``base``: tables merge, scalars replace."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def parse_override(cls: type, text: str, option: str = "--set") -> dict[str, Any]:
    """Turn ``"crossplane.chart_version=2.3.5"`` into ``{"crossplane": {"chart_version": "2.3.5"}}``.

    The value is converted to the field's type, so ``timeouts.release_ready=900`` becomes an int. A problem
    names *option* (``--set``, ``--profile-set``) with the text given to it: that is what to fix.
    """
    source = origin_of_override(option, text)
    dotted, sep, raw = text.partition("=")
    if not sep or not dotted.strip():
        raise UsageError(f"{source}: write it as table.key=value, e.g. crossplane.chart_version=2.3.5")
    keys = dotted.strip().split(".")
    kind: Any = cls
    for depth, key in enumerate(keys):
        hints = _hints(kind) if isinstance(kind, type) and dataclasses.is_dataclass(kind) else {}
        if key not in hints:
            where = ".".join(keys[:depth]) or "top level"
            raise UsageError(f"{source}: unknown key '{key}' in {where}; use one of: {', '.join(sorted(hints))}")
        kind = hints[key]
    if dataclasses.is_dataclass(kind):
        raise UsageError(f"{source}: '{dotted}' is a table; name one of its keys")
    if get_origin(kind) is tuple:
        raise UsageError(f"{source}: '{dotted}' is an array: set it in a --versions or --profile file")
    nested: dict[str, Any] = {keys[-1]: _convert(kind, raw.strip(), source)}
    for key in reversed(keys[:-1]):
        nested = {key: nested}
    return nested


def _convert(kind: Any, raw: str, source: str) -> Any:
    if kind is bool:
        if raw not in {"true", "false"}:
            raise UsageError(f"{source}: the value must be true or false")
        return raw == "true"
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise UsageError(f"{source}: the value must be an integer") from None
    return raw


def origin_of_override(option: str, text: str) -> str:
    return f"{option} {text}"


class Origins:
    """Where each value came from (the file, the override file, or the command-line option), so a check made
    after merging blames the place to fix, not the pinned file."""

    def __init__(self) -> None:
        self._by_key: dict[str, str] = {}

    def add(self, data: Mapping[str, Any], source: str, prefix: str = "") -> None:
        for key, value in data.items():
            dotted = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                self.add(value, source, dotted)
            else:
                self._by_key[dotted] = source

    def of(self, dotted: str) -> str:
        """The source of the value at *dotted* (``crossplane.chart_version``)."""
        return self._by_key.get(dotted, "")


def load(
    cls: type[T],
    path: Path,
    *,
    overrides_file: Path | None = None,
    overrides: Sequence[str] = (),
    option: str = "--set",
) -> tuple[T, Origins]:
    """Load ``path`` strictly, merge the overrides over it, and return the dataclass and where each value came
    from (*option* is the command-line option the ``table.key=value`` overrides were given to)."""
    data = read_toml(path)
    check(cls, data, source=shown(path))
    origins = Origins()
    origins.add(data, shown(path))
    if overrides_file is not None:
        extra = read_toml(overrides_file)
        check(cls, extra, source=shown(overrides_file), complete=False)
        data = merge(data, extra)
        origins.add(extra, shown(overrides_file))
    for text in overrides:
        override = parse_override(cls, text, option)
        data = merge(data, override)
        origins.add(override, origin_of_override(option, text))
    return build(cls, data), origins
