"""The order rules of a Composition's patch-and-transform environment hand-overs, checked without running it.

function-patch-and-transform v0.10.8 runs a step's resources in input order with one environment
(pt:fn.go:109-124, 153-266), so a patch that reads the environment sees only what patches before it wrote;
a missing value skips the patch, and only ``policy.fromFieldPath: Required`` keeps a composed resource that
does not exist yet out of the desired state instead of creating it without the value (pt:fn.go:220-263).
In the reference platform the environment carries a vCluster's credentials, so both rules hold there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from oamconf.testkit.pandt import (
    COMBINE_FROM_ENVIRONMENT,
    COMBINE_TO_ENVIRONMENT,
    FROM_ENVIRONMENT,
    PT_INPUT,
    TO_ENVIRONMENT,
    Unmodelled,
    segments,
)


@dataclass(frozen=True)
class _EnvUse:
    resource: int
    patch: int
    path: tuple[str | int, ...]


def order_problems(composition: Mapping[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """(field path, message) for each environment read that cannot work, for every patch-and-transform step.

    A read is a ``FromEnvironmentFieldPath`` or ``CombineFromEnvironment`` patch. It must come after a
    patch that writes that field (``To``/``CombineToEnvironment``, in an earlier resource or earlier in
    the same one), since the function runs resources in order with one environment; and it must be
    ``policy.fromFieldPath: Required``, so the resource waits for the value instead of being created without it.
    When an earlier pipeline step may have written the environment, a field no patch writes is not flagged.
    """
    problems: list[tuple[tuple[Any, ...], str]] = []
    for index, step in enumerate(composition.get("spec", {}).get("pipeline", [])):
        step_input = step.get("input") if isinstance(step, dict) else None
        if not isinstance(step_input, dict) or (step_input.get("apiVersion"), step_input.get("kind")) != PT_INPUT:
            continue
        prefix = ("spec", "pipeline", index, "input")
        problems += [((*prefix, *path), message) for path, message in _step_problems(step_input, first=index == 0)]
    return problems


def _step_problems(step: Mapping[str, Any], *, first: bool) -> Iterator[tuple[tuple[Any, ...], str]]:
    resources = [r if isinstance(r, dict) else {} for r in step.get("resources") or []]
    writers: list[_EnvUse] = []
    readers: list[tuple[_EnvUse, Mapping[str, Any]]] = []
    for i, resource in enumerate(resources):
        for j, patch in enumerate(resource.get("patches") or []):
            writes, paths = _environment_paths(patch)
            for text in paths:
                try:
                    use = _EnvUse(i, j, tuple(segments(text)))
                except Unmodelled as err:
                    yield ("resources", i, "patches", j), str(err)
                    continue
                if writes:
                    writers.append(use)
                else:
                    readers.append((use, patch))
    yield from _reader_problems(resources, writers, readers, first=first)


def _environment_paths(patch: Any) -> tuple[bool, list[str]]:
    """(whether the patch writes the environment, the environment field paths it writes or reads)."""
    if not isinstance(patch, dict):
        return False, []  # the schema check reports it
    kind = patch.get("type")
    if kind in {TO_ENVIRONMENT, COMBINE_TO_ENVIRONMENT}:
        paths = [patch.get("toFieldPath")]
    elif kind == FROM_ENVIRONMENT:
        paths = [patch.get("fromFieldPath")]
    elif kind == COMBINE_FROM_ENVIRONMENT:
        combine = patch.get("combine")
        variables = combine.get("variables") if isinstance(combine, dict) else None
        paths = [v.get("fromFieldPath") if isinstance(v, dict) else None for v in variables or []]
    else:
        paths = []
    return kind in {TO_ENVIRONMENT, COMBINE_TO_ENVIRONMENT}, [p for p in paths if isinstance(p, str)]


def _reader_problems(
    resources: list[dict[str, Any]],
    writers: list[_EnvUse],
    readers: list[tuple[_EnvUse, Mapping[str, Any]]],
    *,
    first: bool,
) -> Iterator[tuple[tuple[Any, ...], str]]:
    flagged: set[tuple[int, int]] = set()
    for reader, patch in readers:
        where = ("resources", reader.resource, "patches", reader.patch)
        field = ".".join(map(str, reader.path))
        name = resources[reader.resource].get("name")
        feeding = [w for w in writers if _overlaps(w.path, reader.path)]
        if feeding and not any((w.resource, w.patch) < (reader.resource, reader.patch) for w in feeding):
            late = resources[feeding[0].resource].get("name")
            order = f"list {late!r} before {name!r} (resources run in order, one environment)"
            yield where, f"reads environment {field} before resource {late!r} writes it: {order}"
        elif not feeding and first:
            yield where, f"reads environment {field}, which no patch writes"
        policy = patch.get("policy")
        required = isinstance(policy, dict) and policy.get("fromFieldPath") == "Required"
        if not required and (reader.resource, reader.patch) not in flagged:
            flagged.add((reader.resource, reader.patch))
            early = f"so {name!r} is created before the value exists"
            yield where, f"reads environment {field} without policy.fromFieldPath: Required, {early}"


def _overlaps(a: tuple[str | int, ...], b: tuple[str | int, ...]) -> bool:
    """Whether one field path is the other or inside it (``vc`` and ``vc.caData``)."""
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]
