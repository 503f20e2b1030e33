"""One entry of a scenario's lists, read with one-line errors that name file, line and key.

``scenario`` reads the files and walks their lists; each function here checks one entry (an object, an
event, a log, a Service, a failure, a reaction) against the format in ``scenario``'s docstring, and adds
it to a ``MemoryCluster`` or returns what it stands for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from oamconf.k8s.api import Event, Ref
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.reactions import ERROR_KINDS, VERBS, Failure, Match, Reaction
from oamconf.k8s.scenario_shapes import check_object, check_status
from oamconf.k8s.yamldoc import Where, YamlDoc

MATCH: Final = ("apiVersion", "kind", "name", "namespace")
EFFECTS: Final = ("set_status", "merge_status", "set", "create", "delete", "events")


def known(doc: YamlDoc, where: Where, api_version: str, kind: str, cluster: MemoryCluster) -> None:
    """A kind the in-memory cluster does not know is a typo until the scenario declares it."""
    if not cluster.knows_kind(api_version, kind):
        doc.fail(
            (*where, "kind"),
            f"{kind} ({api_version}) is not a kind the in-memory cluster knows: fix a typo, or declare it under "
            f"kinds: - {{apiVersion: {api_version}, kind: {kind}, scope: Namespaced|Cluster}}",
        )


def known_reaction(doc: YamlDoc, where: Where, reaction: Reaction, cluster: MemoryCluster) -> Reaction:
    for index, manifest in enumerate(reaction.create):
        known(doc, (*where, "create", index), manifest["apiVersion"], manifest["kind"], cluster)
    for index, ref in enumerate(reaction.delete):
        known(doc, (*where, "delete", index), ref.api_version, ref.kind, cluster)
    return reaction


def text_of(doc: YamlDoc, where: Where, mapping: Mapping[str, Any], key: str) -> str:
    return doc.text((*where, key), mapping[key])


def manifest_of(doc: YamlDoc, where: Where, value: Any) -> dict[str, Any]:
    manifest = doc.mapping(where, value, required=("apiVersion", "kind", "metadata"))
    text_of(doc, where, manifest, "apiVersion")
    text_of(doc, where, manifest, "kind")
    meta = doc.mapping((*where, "metadata"), manifest["metadata"], required=("name",))
    text_of(doc, (*where, "metadata"), meta, "name")
    if "namespace" in meta:
        text_of(doc, (*where, "metadata"), meta, "namespace")
    check_object(doc, where, manifest)
    return manifest


def ref_of(doc: YamlDoc, where: Where, value: Any) -> Ref:
    ref = doc.mapping(where, value, MATCH, ("apiVersion", "kind", "name"))
    namespace = text_of(doc, where, ref, "namespace") if "namespace" in ref else None
    api_version, kind, name = (text_of(doc, where, ref, key) for key in ("apiVersion", "kind", "name"))
    return Ref(api_version, kind, name, namespace)


def match_of(doc: YamlDoc, where: Where, value: Any, extra: tuple[str, ...] = ()) -> Match:
    match = doc.mapping(where, value, MATCH + extra)
    given = {key: text_of(doc, where, match, key) for key in MATCH if key in match}
    return Match(given.get("apiVersion"), given.get("kind"), given.get("name"), given.get("namespace"))


def event_of(doc: YamlDoc, where: Where, item: Mapping[str, Any]) -> Event:
    count = doc.count((*where, "count"), item.get("count", 1), minimum=1)
    kind = doc.choice((*where, "type"), item["type"], ("Normal", "Warning"))
    return Event(kind, text_of(doc, where, item, "reason"), text_of(doc, where, item, "message"), count=count)


def read_event(doc: YamlDoc, where: Where, value: Any, cluster: MemoryCluster) -> None:
    item = doc.mapping(
        where, value, ("ref", "type", "reason", "message", "count"), ("ref", "type", "reason", "message")
    )
    ref = ref_of(doc, (*where, "ref"), item["ref"])
    known(doc, (*where, "ref"), ref.api_version, ref.kind, cluster)
    cluster.add_event(ref, event_of(doc, where, item))


def read_log(doc: YamlDoc, where: Where, value: Any, cluster: MemoryCluster) -> None:
    fields = ("namespace", "pod", "container", "text")
    log = doc.mapping(where, value, (*fields, "previous"), fields)
    previous = log.get("previous", False)
    if not isinstance(previous, bool):
        doc.fail((*where, "previous"), "must be true or false")
    cluster.add_log(*(text_of(doc, where, log, f) for f in fields), previous=previous)


def read_service(doc: YamlDoc, where: Where, value: Any, cluster: MemoryCluster) -> str:
    fields = ("namespace", "name", "port", "endpoint")
    service = doc.mapping(where, value, fields, fields)
    port = doc.count((*where, "port"), service["port"], minimum=1)
    endpoint = text_of(doc, where, service, "endpoint")
    cluster.add_service(text_of(doc, where, service, "namespace"), text_of(doc, where, service, "name"), port, endpoint)
    return endpoint


def failure_of(doc: YamlDoc, where: Where, value: Any) -> Failure:
    item = doc.mapping(where, value, ("verb", "match", "error", "times", "message"), ("verb", "error"))
    verbs = item["verb"] if isinstance(item["verb"], list) else [item["verb"]]
    named = {doc.choice((*where, "verb"), verb, VERBS) for verb in verbs}
    error = doc.choice((*where, "error"), item["error"], ERROR_KINDS)
    times = doc.count((*where, "times"), item["times"], minimum=1) if "times" in item else None
    message = text_of(doc, where, item, "message") if "message" in item else None
    match = match_of(doc, (*where, "match"), item.get("match", {}))
    # Picked from the typed tuples so the checked strings keep their Literal types.
    chosen = frozenset(verb for verb in VERBS if verb in named)
    kind = next(kind for kind in ERROR_KINDS if kind == error)
    return Failure(chosen, match, kind, times=times, message=message)


def reaction_of(doc: YamlDoc, where: Where, value: Any) -> Reaction:
    item = doc.mapping(where, value, ("on", "after_polls", *EFFECTS), ("on",))
    if not any(key in item for key in EFFECTS):
        doc.fail(where, f"does nothing; give at least one of: {', '.join(EFFECTS)}")
    on = doc.mapping((*where, "on"), item["on"], (*MATCH, "verb"))
    verb = doc.choice((*where, "on", "verb"), on.get("verb", "apply"), ("apply", "delete"))
    status = {key: doc.mapping((*where, key), item[key]) for key in ("set_status", "merge_status") if key in item}
    for key, given in status.items():
        check_status(doc, (*where, key), given)
    creates = doc.items((*where, "create"), item.get("create", []))
    deletes = doc.items((*where, "delete"), item.get("delete", []))
    events = doc.items((*where, "events"), item.get("events", []))
    event_keys = ("type", "reason", "message", "count")
    return Reaction(
        on=match_of(doc, (*where, "on"), on, ("verb",)),
        verb="apply" if verb == "apply" else "delete",
        after_polls=doc.count((*where, "after_polls"), item.get("after_polls", 0)),
        set_status=status.get("set_status"),
        merge_status=status.get("merge_status"),
        set_fields=doc.mapping((*where, "set"), item.get("set", {})),
        create=tuple(manifest_of(doc, (*where, "create", i), m) for i, m in enumerate(creates)),
        delete=tuple(ref_of(doc, (*where, "delete", i), r) for i, r in enumerate(deletes)),
        events=tuple(
            event_of(doc, (*where, "events", i), doc.mapping((*where, "events", i), e, event_keys, event_keys[:3]))
            for i, e in enumerate(events)
        ),
    )
