"""The rules a ``MemoryCluster`` follows: injected failures and timed reactions.

Both pick objects with a ``Match``: every field given is compared exactly or as a glob
(``test-*``), and a field left out matches anything. There is no expression language on
purpose: a scenario should read as a list of facts, not as a program.

A reaction stands in for a controller. Its effects are timed in *polls* of the object it
reacts to (each ``get`` of it, or a ``list`` that returns it), not in seconds, so a self-test
with a fake clock sees the same sequence of states on every run.
"""

from __future__ import annotations

import copy
import dataclasses
import fnmatch
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from oamconf.errors import AccessDenied, ApiError, ClusterUnreachable
from oamconf.k8s.api import Event, Ref

Key = tuple[str, str, str, str]  # apiVersion, kind, namespace ("" when cluster-scoped), name
Verb = Literal["get", "list", "apply", "delete"]
VERBS: Final[tuple[Verb, ...]] = ("get", "list", "apply", "delete")
ErrorKind = Literal["forbidden", "server-error", "unreachable"]
ERROR_KINDS: Final[tuple[ErrorKind, ...]] = ("forbidden", "server-error", "unreachable")
# The user named in injected 403s; the kube backend would show the kubeconfig's user here.
DENIED_USER: Final = "system:serviceaccount:default:conformance"


@dataclass(frozen=True)
class Match:
    """Which objects a rule is about; ``None`` matches anything, strings may be globs."""

    api_version: str | None = None
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None

    def matches(self, ref: Ref) -> bool:
        """Whether *ref* (one object) is covered by this match."""
        return _all_match(
            (self.api_version, ref.api_version),
            (self.kind, ref.kind),
            (self.name, ref.name),
            (self.namespace, ref.namespace or ""),
        )

    def matches_list(self, api_version: str, kind: str, namespace: str | None) -> bool:
        """Whether a list call may return covered objects: names are not known yet, and a
        list across all namespaces (``namespace=None``) reaches every namespace."""
        namespace_pair = (self.namespace, namespace) if namespace is not None else (None, "")
        return _all_match((self.api_version, api_version), (self.kind, kind), namespace_pair)


def _all_match(*pairs: tuple[str | None, str]) -> bool:
    return all(pattern is None or fnmatch.fnmatchcase(value, pattern) for pattern, value in pairs)


@dataclass
class Failure:
    """Calls that fail: *verbs* on objects under *match* raise *error*, the first *times* calls
    only (``None``: every call). *message* replaces the message a real API server would give."""

    verbs: frozenset[Verb]
    match: Match
    error: ErrorKind
    times: int | None = None
    message: str | None = None
    calls: int = field(default=0, compare=False)

    def trip(self, verb: Verb, ref: Ref) -> ApiError | None:
        """The error this call must raise, or ``None``; counts the calls it fails."""
        if verb not in self.verbs:
            return None
        covered = (
            self.match.matches_list(ref.api_version, ref.kind, ref.namespace)
            if verb == "list"
            else self.match.matches(ref)
        )
        if not covered or (self.times is not None and self.calls >= self.times):
            return None
        self.calls += 1
        return self._error(verb, ref)

    def _error(self, verb: Verb, ref: Ref) -> ApiError:
        if self.error == "unreachable":
            return ClusterUnreachable(
                self.message or "Get https://127.0.0.1:6443: dial tcp 127.0.0.1:6443: connect: connection refused"
            )
        if self.error == "server-error":
            return ApiError(500, "InternalError", self.message or f"Internal error occurred: {verb} {ref}")
        return AccessDenied(403, "Forbidden", self.message or forbidden_message(verb, ref))


def forbidden_message(verb: Verb, ref: Ref) -> str:
    """The API server's wording for an RBAC denial, so reports look like the real thing."""
    resource = plural(ref.kind)
    group = ref.group
    full = f"{resource}.{group}" if group else resource
    named = f' "{ref.name}"' if ref.name else ""
    where = f'in the namespace "{ref.namespace}"' if ref.namespace else "at the cluster scope"
    return (
        f'{full}{named} is forbidden: User "{DENIED_USER}" cannot {verb} resource "{resource}" '
        f'in API group "{group}" {where}'
    )


def plural(kind: str) -> str:
    """The resource name of a kind, by the same rule as the API server's default RESTMapper."""
    lower = kind.lower()
    if lower.endswith("y") and lower[-2:-1] not in set("aeiou"):
        return lower[:-1] + "ies"
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return lower + "es"
    return lower + "s"


@dataclass(frozen=True)
class Reaction:
    """What a controller would do after the suite applies (or deletes) a matching object.

    Once the reacting object has been polled *after_polls* times, the reaction: replaces
    (``set_status``) or deep-merges into (``merge_status``) its status; sets dotted fields
    (``set_fields``, e.g. ``{"metadata.annotations.x": "y"}``); creates or replaces objects
    (``create``, full manifests with status); deletes objects (``delete``); and records
    events about it (``events``). ``{name}`` and ``{namespace}`` in any string are replaced
    with the reacting object's name and namespace.
    """

    on: Match
    verb: Literal["apply", "delete"] = "apply"
    after_polls: int = 0
    set_status: Mapping[str, Any] | None = None
    merge_status: Mapping[str, Any] | None = None
    set_fields: Mapping[str, Any] = field(default_factory=dict)
    create: tuple[Mapping[str, Any], ...] = ()
    delete: tuple[Ref, ...] = ()
    events: tuple[Event, ...] = ()

    def for_object(self, ref: Ref) -> Reaction:
        """This reaction with ``{name}`` and ``{namespace}`` filled in for *ref*."""

        def fill(value: Any) -> Any:
            return substitute(value, ref)

        return dataclasses.replace(
            self,
            set_status=fill(self.set_status),
            merge_status=fill(self.merge_status),
            set_fields=fill(self.set_fields),
            create=fill(self.create),
            delete=tuple(dataclasses.replace(r, name=fill(r.name), namespace=fill(r.namespace)) for r in self.delete),
            events=tuple(dataclasses.replace(e, reason=fill(e.reason), message=fill(e.message)) for e in self.events),
        )


def substitute(value: Any, ref: Ref) -> Any:
    """A deep copy of *value* with ``{name}``/``{namespace}`` replaced in every string.

    Plain ``str.replace``, not ``str.format``: manifests carry CUE and Go templates full of braces.
    """
    if isinstance(value, str):
        return value.replace("{name}", ref.name).replace("{namespace}", ref.namespace or "")
    if isinstance(value, Mapping):
        return {k: substitute(v, ref) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(substitute(v, ref) for v in value)
    return copy.deepcopy(value)


def deep_merge(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """Maps merge key by key; anything else in *overlay* (lists included) replaces what was there."""
    merged = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def set_path(obj: dict[str, Any], path: str, value: Any) -> None:
    """Set ``a.b.c`` in *obj*, creating the maps on the way (a non-map on the way is replaced)."""
    *parents, last = path.split(".")
    node = obj
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = copy.deepcopy(value)


@dataclass
class _Armed:
    """A reaction waiting for its object to be polled often enough."""

    reaction: Reaction
    key: Key
    polls: int = 0


@dataclass
class Timeline:
    """Which reactions wait on which objects, and how often each object has been polled since."""

    reactions: list[Reaction] = field(default_factory=list)
    _armed: list[_Armed] = field(default_factory=list)
    # (reaction index, object): a reaction runs once per life of an object, so re-applying an
    # unchanged Application does not restart its controller's story from the beginning.
    _reacted: set[tuple[int, Key]] = field(default_factory=set)

    def arm(self, verb: Literal["apply", "delete"], key: Key, ref: Ref) -> None:
        """Start the reactions to *verb* on the object *ref* (stored under *key*)."""
        for index, reaction in enumerate(self.reactions):
            if reaction.verb != verb or not reaction.on.matches(ref) or (index, key) in self._reacted:
                continue
            self._reacted.add((index, key))
            self._armed.append(_Armed(reaction.for_object(ref), key))

    def take_due(self, keys: Collection[Key]) -> list[tuple[Reaction, Key]]:
        """Remove and return the reactions on the objects *keys* whose time has come."""
        due = [a for a in self._armed if a.key in keys and a.polls >= a.reaction.after_polls]
        self._armed = [a for a in self._armed if all(a is not d for d in due)]
        return [(a.reaction, a.key) for a in due]

    def count_polls(self, keys: Iterable[Key]) -> None:
        """One more poll of each of *keys*."""
        polled = set(keys)
        for armed in self._armed:
            if armed.key in polled:
                armed.polls += 1

    def forget(self, key: Key) -> None:
        """The object is gone: its apply reactions stop, and a new object may start them again."""
        self._armed = [a for a in self._armed if a.key != key or a.reaction.verb == "delete"]
        self._reacted = {done for done in self._reacted if done[1] != key}
