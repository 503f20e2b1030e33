"""How scenario files compose: a later file overrides an earlier one, and says so; a conflict is refused.

A fault is "one more file" on top of the healthy folder, so the fault must win over what the healthy
files say about the same thing, or the run silently tests the healthy platform. Two things can be
overridden, each within one cluster (the host, or one vCluster):

- an object under ``objects``: the last file that seeds it wins;
- the reactions to one trigger (the same ``on`` and verb): when a later file reacts to that trigger, the
  earlier files' reactions to it are all dropped, so the later file tells the controller's whole story.

Each override is listed (``overrides``) so the run header shows what was replaced. A conflict is an object
two files still create after that (one seeds it and another's kept reaction creates it, or two kept
reactions in two files create it): the run would test whichever came last at run time, so it is one
``UsageError`` naming both files and what to override.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oamconf.errors import UsageError
from oamconf.k8s.api import Ref
from oamconf.k8s.reactions import Match, Reaction, substitute

Identity = tuple[str, str, str, str, str]  # cluster label, apiVersion, kind, namespace, name
Trigger = tuple[str, str, Match]  # cluster label, verb, on


@dataclass(frozen=True)
class Seeded:
    """An ``objects`` entry of *file*, for the cluster labelled *cluster* ("" is the host)."""

    file: Path
    cluster: str
    manifest: Mapping[str, Any]


@dataclass(frozen=True)
class Reacting:
    """A ``reactions`` entry of *file*, for the cluster labelled *cluster*."""

    file: Path
    cluster: str
    reaction: Reaction


@dataclass(frozen=True)
class Composition:
    """What is kept, in file order, and one line per (later file, earlier file) pair that overrode."""

    objects: list[Seeded]
    reactions: list[Reacting]
    overrides: list[str]


def shown(path: Path) -> str:
    """A file as messages name it: its folder and name (``healthy/phase3-databases.yaml``), never a machine path."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def compose(objects: Sequence[Seeded], reactions: Sequence[Reacting]) -> Composition:
    """Apply the override rules (module docstring) to every file's objects and reactions.

    Raises:
        UsageError: two files create the same object and neither overrides the other.
    """
    replaced: dict[tuple[Path, Path], list[str]] = {}
    kept_objects = _last_seed_wins(objects, replaced)
    kept_reactions = _last_reactor_wins(reactions, replaced)
    _refuse_conflicts(kept_objects, kept_reactions)
    lines = [
        f"{shown(later)} overrides {shown(earlier)}: {', '.join(what)}" for (later, earlier), what in replaced.items()
    ]
    return Composition(kept_objects, kept_reactions, lines)


def _last_seed_wins(objects: Sequence[Seeded], replaced: dict[tuple[Path, Path], list[str]]) -> list[Seeded]:
    last: dict[Identity, Seeded] = {}
    for seeded in objects:
        key = _identity(seeded.cluster, seeded.manifest)
        before = last.get(key)
        # The same Namespace written alike in two phase files is no override: nothing changes.
        if before is not None and before.file != seeded.file and before.manifest != seeded.manifest:
            _note(replaced, seeded.file, before.file, _object_text(key))
        last[key] = seeded
    return [seeded for seeded in objects if last[_identity(seeded.cluster, seeded.manifest)] is seeded]


def _last_reactor_wins(reactions: Sequence[Reacting], replaced: dict[tuple[Path, Path], list[str]]) -> list[Reacting]:
    owner: dict[Trigger, Path] = {}
    for reacting in reactions:
        key = _trigger(reacting)
        before = owner.get(key)
        if before is not None and before != reacting.file:
            _note(replaced, reacting.file, before, f"the reactions to {_trigger_text(key)}")
        owner[key] = reacting.file
    return [reacting for reacting in reactions if owner[_trigger(reacting)] == reacting.file]


def _refuse_conflicts(objects: Sequence[Seeded], reactions: Sequence[Reacting]) -> None:
    creators: dict[Identity, tuple[Path, str]] = {}
    made = [(_identity(s.cluster, s.manifest), s.file, "seeds it") for s in objects]
    for reacting in reactions:
        how = f"creates it when {_trigger_text(_trigger(reacting))}"
        made += [(_identity(reacting.cluster, m), reacting.file, how) for m in _created(reacting.reaction)]
    for key, file, how in made:
        first = creators.setdefault(key, (file, how))
        if first[0] != file:
            raise UsageError(
                f"scenario conflict on {_object_text(key)}: {shown(first[0])} {first[1]} and {shown(file)} {how}; "
                "neither overrides the other: in the later file, react to the same trigger too, or drop one"
            )


def _created(reaction: Reaction) -> list[Mapping[str, Any]]:
    """The objects a reaction creates, with ``{name}``/``{namespace}`` filled when its trigger names one object."""
    on = reaction.on
    literal = all(part is not None and not _is_glob(part) for part in (on.name, on.namespace))
    if not literal or on.name is None:
        return list(reaction.create)
    ref = Ref(on.api_version or "", on.kind or "", on.name, on.namespace)
    return [substitute(manifest, ref) for manifest in reaction.create]


def _is_glob(text: str) -> bool:
    return any(char in text for char in "*?[")


def _identity(cluster: str, manifest: Mapping[str, Any]) -> Identity:
    meta = manifest.get("metadata") or {}
    return (
        cluster,
        str(manifest["apiVersion"]),
        str(manifest["kind"]),
        str(meta.get("namespace") or ""),
        str(meta["name"]),
    )


def _trigger(reacting: Reacting) -> Trigger:
    return (reacting.cluster, reacting.reaction.verb, reacting.reaction.on)


def _note(replaced: dict[tuple[Path, Path], list[str]], later: Path, earlier: Path, what: str) -> None:
    listed = replaced.setdefault((later, earlier), [])
    if what not in listed:
        listed.append(what)


def _object_text(key: Identity) -> str:
    cluster, _, kind, namespace, name = key
    where = f" in {cluster}" if cluster else ""
    return f"{kind} {namespace + '/' if namespace else ''}{name}{where}"


def _trigger_text(key: Trigger) -> str:
    cluster, verb, on = key
    target = f"{on.namespace}/{on.name or '*'}" if on.namespace else (on.name or "*")
    where = f" in {cluster}" if cluster else ""
    doing = "applying" if verb == "apply" else "deleting"  # reads after "the reactions to" and "when"
    return f"{doing} {on.kind or 'any kind'} {target}{where}"
