"""Scenario files: a platform's state, its failures and its controllers' behaviour, in YAML.

A scenario fills a ``MemoryCluster`` so the conformance steps can run offline. Several files compose
into one cluster (``load_scenario``: one file per phase, or a folder of them). Every key but ``name`` is
optional; an unknown key, a wrong type or broken YAML is a ``UsageError`` naming the
file, the line and the key::

    name: argocd-tls-san-missing           # test ids and reports show it (default: the file name)
    description: one line about the scenario
    kinds:                                 # scopes the built-in table (memory.CLUSTER_SCOPED) lacks
      - {apiVersion: platform.example.org/v1alpha1, kind: VirtualCluster, scope: Cluster}
    objects:                               # full manifests, status included, stored as written
      - {apiVersion: v1, kind: Namespace, metadata: {name: vela-system}}
    events:                                # core/v1 Events about an object
      - ref: {apiVersion: v1, kind: Pod, namespace: default, name: db-0}
        type: Warning                      # Normal | Warning
        reason: BackOff
        message: Back-off restarting failed container
        count: 3                           # optional, default 1
    logs:                                  # previous: true is the log of the last terminated run
      - {namespace: default, pod: db-0, container: postgresql, text: "...", previous: false}
    services:                              # Service ports that port_forward() can reach
      - {namespace: default, name: test-db-postgresql, port: 5432, endpoint: postgresql}
    failures:                              # calls that fail
      - verb: [get, list]                  # get | list | apply | delete, or a list of them
        match: {apiVersion: helm.crossplane.io/v1beta1, kind: Release}
        error: forbidden                   # forbidden (403) | server-error (500) | unreachable
        times: 2                           # optional: only the first 2 matching calls fail
        message: ...                       # optional: replaces the API server's usual wording
    reactions:                             # what controllers do after the suite acts
      - on: {verb: apply, apiVersion: core.oam.dev/v1beta1, kind: Application, name: test-*}
        after_polls: 2                     # act once the object has been read this often
        set_status: {...}                  # replace its status...
        merge_status: {...}                # ...or deep-merge into it
        set: {metadata.annotations.x: y}   # set dotted fields
        create: [...]                      # create or replace objects (manifests with status)
        delete: [{apiVersion: v1, kind: Secret, namespace: "{namespace}", name: "vc-{name}"}]
        events: [{type: Normal, reason: Deployed, message: ...}]   # about the reacting object

``services[].endpoint`` is a name the test binds to a real local server, through
``load_scenario(endpoints=...)`` or ``MemoryCluster.bind``. In ``match`` and ``on`` each field is
matched exactly or as a glob, and a field left out matches anything; ``on.verb`` is ``apply``
(default) or ``delete``. In reactions, ``{name}`` and ``{namespace}`` stand for the reacting
object's. A poll is a ``get`` of that object or a ``list`` that returns it; ``after_polls: 0``
(the default) acts at once; each reaction runs once per life of the object.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from oamconf.errors import UsageError
from oamconf.k8s.api import Endpoint, Event, Ref
from oamconf.k8s.kinds import Scope
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.reactions import ERROR_KINDS, VERBS, Failure, Match, Reaction
from oamconf.k8s.yamldoc import Where, YamlDoc, read_documents
from oamconf.redact import SecretSink

_TOP: Final = ("name", "description", "kinds", "objects", "events", "logs", "services", "failures", "reactions")
_MATCH: Final = ("apiVersion", "kind", "name", "namespace")
_EFFECTS: Final = ("set_status", "merge_status", "set", "create", "delete", "events")


def load_scenario(
    paths: Path | Sequence[Path], endpoints: Mapping[str, Endpoint] | None = None, *, secrets: SecretSink | None = None
) -> MemoryCluster:
    """Build one ``MemoryCluster`` from scenario files: each a file, or a folder of ``*.yaml`` files.

    Several files compose (one per phase, say): every file's kinds are declared before any file's
    objects are seeded, then events, logs, services, failures and reactions follow in file order.

    Parameters:
        paths: the scenario files or folders (format in this module's docstring).
        endpoints: real local servers for the scenarios' ``services``, by endpoint name.
        secrets: the run's redactor: Secrets the scenario hands out are masked in reports.

    Raises:
        UsageError: a file is missing, not YAML, or not a scenario; the message names file, line and key.
    """
    files = scenario_files([paths] if isinstance(paths, Path) else paths)
    parts = [_part(file) for file in files]
    names = [doc.text(("name",), top.get("name", doc.path.stem)) for doc, top in parts]
    descriptions = [doc.text(("description",), top["description"]) for doc, top in parts if "description" in top]
    cluster = MemoryCluster(" + ".join(names), description="; ".join(descriptions), secrets=secrets)
    for doc, top in parts:
        _declare_kinds(doc, top, cluster)
    wanted: set[str] = set()
    for doc, top in parts:
        wanted |= _fill(doc, top, cluster)
    for name, address in (endpoints or {}).items():
        if name not in wanted:
            uses = ", ".join(sorted(wanted)) or "none"
            where = ", ".join(str(f) for f in files)
            raise UsageError(f"{where}: endpoint {name!r} is used by no service (they use: {uses}); fix its name")
        cluster.bind(name, address)
    return cluster


def scenario_files(paths: Sequence[Path]) -> list[Path]:
    """The files *paths* name: a file as it is, a folder as its ``*.yaml``/``*.yml`` files in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
            if not found:
                raise UsageError(f"{path}: no *.yaml or *.yml scenario files in this folder; check the path")
            files += found
        else:
            files.append(path)
    if not files:
        raise UsageError("no scenario file given: pass --scenario FILE (or a folder of them)")
    return files


def _part(path: Path) -> tuple[YamlDoc, dict[str, Any]]:
    docs = read_documents(path)
    if len(docs) != 1:
        raise UsageError(f"{path}: a scenario is one YAML document, found {len(docs)}; keep one document")
    doc = docs[0]
    return doc, doc.mapping((), doc.data, _TOP)


def _declare_kinds(doc: YamlDoc, top: Mapping[str, Any], cluster: MemoryCluster) -> None:
    for where, item in _each(doc, top, "kinds"):
        kind = doc.mapping(where, item, ("apiVersion", "kind", "scope"), ("apiVersion", "kind", "scope"))
        chosen = doc.choice((*where, "scope"), kind["scope"], ("Cluster", "Namespaced"))
        scope: Scope = "Cluster" if chosen == "Cluster" else "Namespaced"
        cluster.declare_kind(_text(doc, where, kind, "apiVersion"), _text(doc, where, kind, "kind"), scope)


def _fill(doc: YamlDoc, top: Mapping[str, Any], cluster: MemoryCluster) -> set[str]:
    """Seed one file's objects and add its events, logs, services, failures and reactions; return the
    endpoint names its services use."""
    objects = [(where, _manifest(doc, where, item)) for where, item in _each(doc, top, "objects")]
    for where, manifest in objects:
        _known(doc, where, manifest["apiVersion"], manifest["kind"], cluster)
    cluster.seed([manifest for _, manifest in objects])
    for where, item in _each(doc, top, "events"):
        _read_event(doc, where, item, cluster)
    for where, item in _each(doc, top, "logs"):
        _read_log(doc, where, item, cluster)
    wanted = {_read_service(doc, where, item, cluster) for where, item in _each(doc, top, "services")}
    for where, item in _each(doc, top, "failures"):
        cluster.add_failure(_failure(doc, where, item))
    for where, item in _each(doc, top, "reactions"):
        cluster.add_reaction(_known_reaction(doc, where, _reaction(doc, where, item), cluster))
    return wanted


def load_manifests(path: Path) -> list[dict[str, Any]]:
    """The manifests in a (multi-document) YAML file, or in every ``*.yaml``/``*.yml`` under a
    directory, in path order; ``kind: List`` documents give their ``items``. For ``seed``.

    Raises:
        UsageError: a file is unreadable, not YAML, or holds something that is not a manifest.
    """
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())
        if not files:
            raise UsageError(f"{path}: no *.yaml or *.yml files in this directory; check the path")
    else:
        files = [path]
    manifests: list[dict[str, Any]] = []
    for file in files:
        for doc in read_documents(file):
            if isinstance(doc.data, dict) and doc.data.get("kind") == "List":
                listed = doc.items(("items",), doc.data.get("items"))
                manifests += [_manifest(doc, ("items", i), item) for i, item in enumerate(listed)]
            else:
                manifests.append(_manifest(doc, (), doc.data))
    return manifests


def _known(doc: YamlDoc, where: Where, api_version: str, kind: str, cluster: MemoryCluster) -> None:
    """A kind the in-memory cluster does not know is a typo until the scenario declares it."""
    if not cluster.knows_kind(api_version, kind):
        doc.fail(
            (*where, "kind"),
            f"{kind} ({api_version}) is not a kind the in-memory cluster knows: fix a typo, or declare it under "
            f"kinds: - {{apiVersion: {api_version}, kind: {kind}, scope: Namespaced|Cluster}}",
        )


def _known_reaction(doc: YamlDoc, where: Where, reaction: Reaction, cluster: MemoryCluster) -> Reaction:
    for index, manifest in enumerate(reaction.create):
        _known(doc, (*where, "create", index), manifest["apiVersion"], manifest["kind"], cluster)
    for index, ref in enumerate(reaction.delete):
        _known(doc, (*where, "delete", index), ref.api_version, ref.kind, cluster)
    return reaction


def _each(doc: YamlDoc, top: Mapping[str, Any], key: str) -> Iterator[tuple[Where, Any]]:
    for index, item in enumerate(doc.items((key,), top.get(key, []))):
        yield (key, index), item


def _text(doc: YamlDoc, where: Where, mapping: Mapping[str, Any], key: str) -> str:
    return doc.text((*where, key), mapping[key])


def _manifest(doc: YamlDoc, where: Where, value: Any) -> dict[str, Any]:
    manifest = doc.mapping(where, value, required=("apiVersion", "kind", "metadata"))
    _text(doc, where, manifest, "apiVersion")
    _text(doc, where, manifest, "kind")
    meta = doc.mapping((*where, "metadata"), manifest["metadata"], required=("name",))
    _text(doc, (*where, "metadata"), meta, "name")
    if "namespace" in meta:
        _text(doc, (*where, "metadata"), meta, "namespace")
    return manifest


def _ref(doc: YamlDoc, where: Where, value: Any) -> Ref:
    ref = doc.mapping(where, value, _MATCH, ("apiVersion", "kind", "name"))
    namespace = _text(doc, where, ref, "namespace") if "namespace" in ref else None
    api_version, kind, name = (_text(doc, where, ref, key) for key in ("apiVersion", "kind", "name"))
    return Ref(api_version, kind, name, namespace)


def _match(doc: YamlDoc, where: Where, value: Any, extra: tuple[str, ...] = ()) -> Match:
    match = doc.mapping(where, value, _MATCH + extra)
    given = {key: _text(doc, where, match, key) for key in _MATCH if key in match}
    return Match(given.get("apiVersion"), given.get("kind"), given.get("name"), given.get("namespace"))


def _event(doc: YamlDoc, where: Where, item: Mapping[str, Any]) -> Event:
    count = doc.count((*where, "count"), item.get("count", 1), minimum=1)
    kind = doc.choice((*where, "type"), item["type"], ("Normal", "Warning"))
    return Event(kind, _text(doc, where, item, "reason"), _text(doc, where, item, "message"), count=count)


def _read_event(doc: YamlDoc, where: Where, value: Any, cluster: MemoryCluster) -> None:
    item = doc.mapping(
        where, value, ("ref", "type", "reason", "message", "count"), ("ref", "type", "reason", "message")
    )
    ref = _ref(doc, (*where, "ref"), item["ref"])
    _known(doc, (*where, "ref"), ref.api_version, ref.kind, cluster)
    cluster.add_event(ref, _event(doc, where, item))


def _read_log(doc: YamlDoc, where: Where, value: Any, cluster: MemoryCluster) -> None:
    fields = ("namespace", "pod", "container", "text")
    log = doc.mapping(where, value, (*fields, "previous"), fields)
    previous = log.get("previous", False)
    if not isinstance(previous, bool):
        doc.fail((*where, "previous"), "must be true or false")
    cluster.add_log(*(_text(doc, where, log, f) for f in fields), previous=previous)


def _read_service(doc: YamlDoc, where: Where, value: Any, cluster: MemoryCluster) -> str:
    fields = ("namespace", "name", "port", "endpoint")
    service = doc.mapping(where, value, fields, fields)
    port = doc.count((*where, "port"), service["port"], minimum=1)
    endpoint = _text(doc, where, service, "endpoint")
    cluster.add_service(_text(doc, where, service, "namespace"), _text(doc, where, service, "name"), port, endpoint)
    return endpoint


def _failure(doc: YamlDoc, where: Where, value: Any) -> Failure:
    item = doc.mapping(where, value, ("verb", "match", "error", "times", "message"), ("verb", "error"))
    verbs = item["verb"] if isinstance(item["verb"], list) else [item["verb"]]
    named = {doc.choice((*where, "verb"), verb, VERBS) for verb in verbs}
    error = doc.choice((*where, "error"), item["error"], ERROR_KINDS)
    times = doc.count((*where, "times"), item["times"], minimum=1) if "times" in item else None
    message = _text(doc, where, item, "message") if "message" in item else None
    match = _match(doc, (*where, "match"), item.get("match", {}))
    # Picked from the typed tuples so the checked strings keep their Literal types.
    chosen = frozenset(verb for verb in VERBS if verb in named)
    kind = next(kind for kind in ERROR_KINDS if kind == error)
    return Failure(chosen, match, kind, times=times, message=message)


def _reaction(doc: YamlDoc, where: Where, value: Any) -> Reaction:
    item = doc.mapping(where, value, ("on", "after_polls", *_EFFECTS), ("on",))
    if not any(key in item for key in _EFFECTS):
        doc.fail(where, f"does nothing; give at least one of: {', '.join(_EFFECTS)}")
    on = doc.mapping((*where, "on"), item["on"], (*_MATCH, "verb"))
    verb = doc.choice((*where, "on", "verb"), on.get("verb", "apply"), ("apply", "delete"))
    status = {key: doc.mapping((*where, key), item[key]) for key in ("set_status", "merge_status") if key in item}
    creates = doc.items((*where, "create"), item.get("create", []))
    deletes = doc.items((*where, "delete"), item.get("delete", []))
    events = doc.items((*where, "events"), item.get("events", []))
    event_keys = ("type", "reason", "message", "count")
    return Reaction(
        on=_match(doc, (*where, "on"), on, ("verb",)),
        verb="apply" if verb == "apply" else "delete",
        after_polls=doc.count((*where, "after_polls"), item.get("after_polls", 0)),
        set_status=status.get("set_status"),
        merge_status=status.get("merge_status"),
        set_fields=doc.mapping((*where, "set"), item.get("set", {})),
        create=tuple(_manifest(doc, (*where, "create", i), m) for i, m in enumerate(creates)),
        delete=tuple(_ref(doc, (*where, "delete", i), r) for i, r in enumerate(deletes)),
        events=tuple(
            _event(doc, (*where, "events", i), doc.mapping((*where, "events", i), e, event_keys, event_keys[:3]))
            for i, e in enumerate(events)
        ),
    )
