"""function-patch-and-transform v0.10.8 run offline, for the patches and transforms the fixtures use.

``render`` runs a Composition's patch-and-transform step for one composite and the composed resources
observed so far, as the function does (``pt`` = crossplane-contrib/function-patch-and-transform@v0.10.8):

- resources in input order, sharing one environment (pt:fn.go:109-124, 153-266);
- a patch from an observed composed resource that does not exist yet is skipped (pt:patches.go:230-234);
- a missing ``fromFieldPath``, or any missing Combine variable (pt:patches.go:161-171), skips the patch; with
  ``policy.fromFieldPath: Required`` on a patch to a composed resource not observed yet, it keeps the whole
  resource out of the desired state (pt:fn.go:220-263);
- transforms run on the value read, or on a Combine's result (pt:patches.go:76-77, 181-182).

Only what the fixtures use is modelled: the From/ToEnvironment and FromComposite patch types, ``string``
Combines of ``%s`` verbs, and the string ``Convert`` transforms ``ToBase64``/``FromBase64``. Anything else
raises ``Unmodelled``, so a Composition that starts using it fails the self-tests until it is modelled,
rather than being rendered wrong.

``pandt_order`` checks the order of the environment hand-overs without running anything.
"""

from __future__ import annotations

import base64
import binascii
import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from oamconf.errors import ConformanceError

PT_INPUT: Final = ("pt.fn.crossplane.io/v1beta1", "Resources")

FROM_COMPOSITE: Final = "FromCompositeFieldPath"
COMBINE_FROM_COMPOSITE: Final = "CombineFromComposite"
TO_ENVIRONMENT: Final = "ToEnvironmentFieldPath"
COMBINE_TO_ENVIRONMENT: Final = "CombineToEnvironment"
FROM_ENVIRONMENT: Final = "FromEnvironmentFieldPath"
COMBINE_FROM_ENVIRONMENT: Final = "CombineFromEnvironment"
# Patch type -> (reads from, writes to): "xr" the observed composite, "observed" the observed composed
# resource, "env" the environment, "desired" the desired composed resource (pt:patches.go:240-263).
_FLOWS: Final = {
    FROM_COMPOSITE: ("xr", "desired"),
    COMBINE_FROM_COMPOSITE: ("xr", "desired"),
    TO_ENVIRONMENT: ("observed", "env"),
    COMBINE_TO_ENVIRONMENT: ("observed", "env"),
    FROM_ENVIRONMENT: ("env", "desired"),
    COMBINE_FROM_ENVIRONMENT: ("env", "desired"),
}
_CONVERSIONS: Final = ("ToBase64", "FromBase64")
_VERB: Final = re.compile(r"%(.)")
_NAME: Final = re.compile(r"[^.\[\]]+")


class Unmodelled(ConformanceError):
    """The input uses a patch, transform or policy this model does not implement."""


class PatchFailed(ConformanceError):
    """A patch the function would fail on: the whole step returns a fatal result (pt:fn.go:253-254)."""


class _NotFound(Exception):
    """A field path that leads nowhere (crossplane-runtime fieldpath.IsNotFound)."""


@dataclass(frozen=True)
class Rendered:
    """What one run of the step produced."""

    desired: dict[str, dict[str, Any]]  # resource name -> desired composed resource
    skipped: tuple[str, ...]  # resources a Required patch kept out of the desired state
    environment: dict[str, Any]


def pt_input(composition: Mapping[str, Any]) -> dict[str, Any]:
    """The one patch-and-transform ``Resources`` input of a Composition's pipeline.

    Raises:
        Unmodelled: there is none, or more than one.
    """
    inputs = [
        step["input"]
        for step in composition.get("spec", {}).get("pipeline", [])
        if isinstance(step.get("input"), dict)
        and (step["input"].get("apiVersion"), step["input"].get("kind")) == PT_INPUT
    ]
    if len(inputs) != 1:
        raise Unmodelled(f"the model runs one patch-and-transform step; the Composition has {len(inputs)}")
    found: dict[str, Any] = inputs[0]
    return found


def render(
    composition: Mapping[str, Any], composite: Mapping[str, Any], observed: Mapping[str, Mapping[str, Any]]
) -> Rendered:
    """The desired composed resources for *composite*, given the composed resources *observed* by name.

    Raises:
        Unmodelled: the step uses something the model does not implement.
        PatchFailed: a patch the function would fail on (a transform error, a Combine whose verbs do not
            match its variables).
    """
    step = pt_input(composition)
    if step.get("environment") or step.get("patchSets"):
        raise Unmodelled("environment patches and PatchSets are not modelled")
    env: dict[str, Any] = {}
    desired: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []
    for resource in step.get("resources", []):
        name = resource["name"]
        if "base" not in resource:
            raise Unmodelled(f"resource {name!r} has no base")
        target = copy.deepcopy(resource["base"])
        seen = observed.get(name)
        if seen is not None:  # pt:fn.go:189-190
            metadata = target.setdefault("metadata", {})
            for key in ("name", "namespace"):
                if key in seen.get("metadata", {}):
                    metadata[key] = seen["metadata"][key]
        if _patch_resource(resource, target, composite, seen, env):
            desired[name] = target
        else:
            skipped.append(name)
    return Rendered(desired, tuple(skipped), env)


def _patch_resource(
    resource: Mapping[str, Any],
    target: dict[str, Any],
    composite: Mapping[str, Any],
    seen: Mapping[str, Any] | None,
    env: dict[str, Any],
) -> bool:
    """Apply one resource's patches in order; ``False`` when a Required patch keeps it out."""
    for index, patch in enumerate(resource.get("patches", [])):
        kind = patch.get("type")
        if kind not in _FLOWS:
            raise Unmodelled(f"resource {resource['name']!r} patch {index}: type {kind!r} is not modelled")
        source, sink = _FLOWS[kind]
        if source == "observed" and seen is None:
            continue  # pt:patches.go:230-234
        origin = {"xr": composite, "observed": seen, "env": env}[source]
        try:
            value = _value(patch, origin)
        except _NotFound:
            required = _policy(patch) == "Required"
            if required and sink == "desired" and seen is None:
                return False  # pt:fn.go:234-244
            continue
        except (PatchFailed, Unmodelled) as err:
            raise type(err)(f"resource {resource['name']!r} patch {index}: {err}") from None
        _set(env if sink == "env" else target, patch["toFieldPath"], value)
    return True


def _policy(patch: Mapping[str, Any]) -> str:
    policy = patch.get("policy") or {}
    if "toFieldPath" in policy:
        raise Unmodelled("policy.toFieldPath (merging) is not modelled")
    return str(policy.get("fromFieldPath", "Optional"))


def _value(patch: Mapping[str, Any], origin: Any) -> Any:
    if str(patch["type"]).startswith("Combine"):
        combine = patch["combine"]
        if combine.get("strategy") != "string":
            raise Unmodelled(f"combine strategy {combine.get('strategy')!r} is not modelled")
        variables = [get(origin, variable["fromFieldPath"]) for variable in combine["variables"]]
        value: Any = combine_string(combine["string"]["fmt"], variables)
    else:
        value = get(origin, patch["fromFieldPath"])
    for transform in patch.get("transforms", []):
        value = transform_value(transform, value)
    return value


def combine_string(fmt: str, variables: list[Any]) -> str:
    """Go's ``fmt.Sprintf(fmt, variables...)`` for ``%s`` and ``%%`` (pt:patches.go:319-321).

    Raises:
        PatchFailed: the number of ``%s`` differs from the number of variables (Go would print
            ``%!s(MISSING)`` or ``%!(EXTRA …)`` into the value).
        Unmodelled: another verb, or a variable that is not a string.
    """
    verbs = [verb for verb in _VERB.findall(fmt) if verb != "%"]
    if any(verb != "s" for verb in verbs):
        raise Unmodelled(f"only %s and %% verbs are modelled, fmt is {fmt!r}")
    if len(verbs) != len(variables):
        raise PatchFailed(f"fmt {fmt!r} has {len(verbs)} %s for {len(variables)} variables")
    if not all(isinstance(v, str) for v in variables):
        raise Unmodelled("only string variables are modelled")
    values = iter(variables)
    return _VERB.sub(lambda m: "%" if m[1] == "%" else next(values), fmt)


def transform_value(transform: Mapping[str, Any], value: Any) -> str:
    """A ``string`` ``Convert`` transform, ``ToBase64`` or ``FromBase64`` (pt:transforms.go:306-320).

    Raises:
        PatchFailed: ``FromBase64`` of a value that is not standard, padded base64.
        Unmodelled: any other transform, or a value that is not a string.
    """
    spec = transform.get("string") or {}
    convert = spec.get("convert")
    if transform.get("type") != "string" or spec.get("type") != "Convert" or convert not in _CONVERSIONS:
        raise Unmodelled(f"only string Convert {'/'.join(_CONVERSIONS)} transforms are modelled, not {transform!r}")
    if not isinstance(value, str):
        raise Unmodelled(f"only string values are modelled for {convert}, not {type(value).__name__}")
    if convert == "ToBase64":
        return base64.b64encode(value.encode()).decode()
    try:  # Go's StdEncoding skips CR and LF, and wants padding
        return base64.b64decode(value.replace("\r", "").replace("\n", ""), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as err:
        raise PatchFailed(f"FromBase64: string is not valid base64 ({err})") from None


# -- field paths (crossplane-runtime fieldpath: a.b[0].c, data[certificate-authority]) ------------------


def segments(path: str) -> list[str | int]:
    """``spec.values.list[0].name`` -> ``["spec", "values", "list", 0, "name"]``; ``data[a.b]`` -> ``["data", "a.b"]``.

    Raises:
        Unmodelled: a bracket that does not close.
    """
    parts: list[str | int] = []
    position = 0
    while position < len(path):
        if path[position] == ".":
            position += 1
        elif path[position] == "[":
            end = path.find("]", position)
            if end < 0:
                raise Unmodelled(f"field path {path!r}: '[' does not close")
            inner = path[position + 1 : end]
            parts.append(int(inner) if inner.isdigit() else inner)
            position = end + 1
        else:
            name = _NAME.match(path, position)
            if name is None:  # a stray ']'
                raise Unmodelled(f"field path {path!r}: unexpected {path[position]!r} at {position}")
            parts.append(name[0])
            position = name.end()
    return parts


def get(node: Any, path: str) -> Any:
    """The value at *path*; raises ``_NotFound`` where the path leads nowhere."""
    for part in segments(path):
        if not _has(node, part):
            raise _NotFound(path)
        node = node[part]
    return node


def _has(node: Any, part: str | int) -> bool:
    if isinstance(part, int):
        return isinstance(node, list) and part < len(node)
    return isinstance(node, Mapping) and part in node


def _set(node: dict[str, Any], path: str, value: Any) -> None:
    """Set *path* to *value*, creating objects and arrays on the way (fieldpath.Paved.SetValue)."""
    parts = segments(path)
    current: Any = node
    for part, after in zip(parts, [*parts[1:], None], strict=True):
        fresh: Any = value if after is None else ([] if isinstance(after, int) else {})
        if isinstance(part, int):
            if not isinstance(current, list):
                raise PatchFailed(f"field path {path!r}: {part} indexes a {type(current).__name__}")
            current.extend([None] * (part + 1 - len(current)))
            if after is None or current[part] is None:
                current[part] = fresh
            current = current[part]
        else:
            if not isinstance(current, dict):
                raise PatchFailed(f"field path {path!r}: {part!r} is a field of a {type(current).__name__}")
            if after is None or current.get(part) is None:
                current[part] = fresh
            current = current[part]
