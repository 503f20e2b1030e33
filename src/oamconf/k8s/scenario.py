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
    vclusters:                             # the API server inside each vCluster (Cluster.open_vcluster)
      - namespace: vc1-ns                  # its host namespace
        name: vc1
        objects:                           # and any key above but name and description: what is inside
          - {apiVersion: v1, kind: Service, metadata: {name: podinfo-db, namespace: demo}, spec: {...}}
        services: [...]
        reactions: [...]

``services[].endpoint`` is a name the test binds to a real local server, through
``load_scenario(endpoints=...)`` or ``MemoryCluster.bind``. In ``match`` and ``on`` each field is
matched exactly or as a glob, and a field left out matches anything; ``on.verb`` is ``apply``
(default) or ``delete``. In reactions, ``{name}`` and ``{namespace}`` stand for the reacting
object's. A poll is a ``get`` of that object or a ``list`` that returns it; ``after_polls: 0``
(the default) acts at once; each reaction runs once per life of the object.

Files compose in the order given, and a later file overrides an earlier one (``scenario_compose``): an
object the later file seeds replaces the earlier seed, and a trigger (``on`` and verb) the later file reacts
to drops the earlier files' reactions to it, so a fault file on top of the healthy folder takes effect.
Overrides are listed in the run header; two files that create the same object without one overriding the
other are a ``UsageError`` naming both.

Each ``vclusters`` entry is a cluster of its own, read like a file's top level: its kinds, failures
and reactions are its own (a vCluster serves none of its host's CRDs), and its ``services`` take the
same endpoint names. Entries for the same namespace and name, in one file or several, compose into
one. ``open_vcluster(namespace, name)`` hands it out only while the host holds Secret ``vc-<name>``
in that namespace, as vCluster writes it once it is up: seed it in ``objects``, or ``create`` it in
the reaction that plays the vCluster coming up. Without it the vCluster is not up, as on a real
cluster; a vCluster that is up but not listed here is an error that says to declare it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from oamconf.errors import UsageError
from oamconf.k8s import scenario_entries as entries
from oamconf.k8s.api import Endpoint
from oamconf.k8s.kinds import Scope
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.scenario_compose import Reacting, Seeded, compose
from oamconf.k8s.yamldoc import Where, YamlDoc, read_documents
from oamconf.redact import SecretSink

_CONTENT: Final = ("kinds", "objects", "events", "logs", "services", "failures", "reactions")
_TOP: Final = ("name", "description", *_CONTENT, "vclusters")
_VCLUSTER: Final = ("namespace", "name", *_CONTENT)


@dataclass(frozen=True)
class _Section:
    """What one file says about one cluster: the host (the file's top level), or a ``vclusters`` entry."""

    doc: YamlDoc
    base: Where
    body: Mapping[str, Any]
    cluster: MemoryCluster
    label: str = ""  # "" for the host, "vcluster <namespace>/<name>" for a vCluster: how overrides name it

    def each(self, key: str) -> Iterator[tuple[Where, Any]]:
        """The entries of the list *key*, each with its path in the file."""
        for index, item in enumerate(self.doc.items((*self.base, key), self.body.get(key, []))):
            yield (*self.base, key, index), item


def load_scenario(
    paths: Path | Sequence[Path], endpoints: Mapping[str, Endpoint] | None = None, *, secrets: SecretSink | None = None
) -> MemoryCluster:
    """Build one ``MemoryCluster`` from scenario files: each a file, or a folder of ``*.yaml`` files.

    Several files compose (one per phase, say): every file's kinds are declared before any file's
    objects are seeded, then events, logs, services, failures and reactions follow in file order; a later
    file overrides an earlier one's objects and reactions (``scenario_compose``), listed in ``overrides``.
    The ``vclusters`` entries are read the same way, each into the host's cluster for that vCluster.

    Parameters:
        paths: the scenario files or folders (format in this module's docstring).
        endpoints: real local servers for the scenarios' ``services`` (the vClusters' too), by endpoint name.
        secrets: the run's redactor: Secrets the scenario hands out are masked in reports.

    Raises:
        UsageError: a file is missing, not YAML, or not a scenario; the message names file, line and key.
    """
    files = scenario_files([paths] if isinstance(paths, Path) else paths)
    parts = [_part(file) for file in files]
    names = [doc.text(("name",), top.get("name", doc.path.stem)) for doc, top in parts]
    descriptions = [doc.text(("description",), top["description"]) for doc, top in parts if "description" in top]
    cluster = MemoryCluster(" + ".join(names), description="; ".join(descriptions), secrets=secrets)
    sections = [section for doc, top in parts for section in _sections(doc, top, cluster)]
    for section in sections:
        _declare_kinds(section)
    composition = compose(
        [s for section in sections for s in _seeded(section)], [r for s in sections for r in _reacting(s)]
    )
    cluster.overrides = tuple(composition.overrides)
    by_label = {section.label: section.cluster for section in sections}
    for seeded in composition.objects:
        by_label[seeded.cluster].seed([seeded.manifest])
    wanted: set[str] = set()
    for section in sections:
        wanted |= _fill(section)
    for reacting in composition.reactions:
        by_label[reacting.cluster].add_reaction(reacting.reaction)
    for name, address in (endpoints or {}).items():
        if name not in wanted:
            uses = ", ".join(sorted(wanted)) or "none"
            where = ", ".join(str(f) for f in files)
            raise UsageError(f"{where}: endpoint {name!r} is used by no service (they use: {uses}); fix its name")
        for each in (cluster, *cluster.vclusters.values()):
            each.bind(name, address)
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


def _sections(doc: YamlDoc, top: Mapping[str, Any], host: MemoryCluster) -> list[_Section]:
    """The host's section of a file, then one per ``vclusters`` entry (the same vCluster in two entries,
    or two files, is one cluster)."""
    found = [_Section(doc, (), top, host)]
    for where, item in found[0].each("vclusters"):
        entry = doc.mapping(where, item, _VCLUSTER, ("namespace", "name"))
        namespace, name = (entries.text_of(doc, where, entry, key) for key in ("namespace", "name"))
        found.append(_Section(doc, where, entry, host.vcluster(namespace, name), f"vcluster {namespace}/{name}"))
    return found


def _declare_kinds(section: _Section) -> None:
    doc = section.doc
    for where, item in section.each("kinds"):
        kind = doc.mapping(where, item, ("apiVersion", "kind", "scope"), ("apiVersion", "kind", "scope"))
        chosen = doc.choice((*where, "scope"), kind["scope"], ("Cluster", "Namespaced"))
        scope: Scope = "Cluster" if chosen == "Cluster" else "Namespaced"
        api_version, name = (entries.text_of(doc, where, kind, key) for key in ("apiVersion", "kind"))
        section.cluster.declare_kind(api_version, name, scope)


def _seeded(section: _Section) -> list[Seeded]:
    """One section's ``objects``, checked; ``compose`` decides which are seeded."""
    doc = section.doc
    found = []
    for where, item in section.each("objects"):
        manifest = entries.manifest_of(doc, where, item)
        entries.known(doc, where, manifest["apiVersion"], manifest["kind"], section.cluster)
        found.append(Seeded(doc.path, section.label, manifest))
    return found


def _reacting(section: _Section) -> list[Reacting]:
    """One section's ``reactions``, checked; ``compose`` decides which are kept."""
    doc = section.doc
    return [
        Reacting(
            doc.path,
            section.label,
            entries.known_reaction(doc, where, entries.reaction_of(doc, where, item), section.cluster),
        )
        for where, item in section.each("reactions")
    ]


def _fill(section: _Section) -> set[str]:
    """Add one section's events, logs, services and failures; return the endpoint names its services use."""
    doc, cluster = section.doc, section.cluster
    for where, item in section.each("events"):
        entries.read_event(doc, where, item, cluster)
    for where, item in section.each("logs"):
        entries.read_log(doc, where, item, cluster)
    wanted = {entries.read_service(doc, where, item, cluster) for where, item in section.each("services")}
    for where, item in section.each("failures"):
        cluster.add_failure(entries.failure_of(doc, where, item))
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
                manifests += [entries.manifest_of(doc, ("items", i), item) for i, item in enumerate(listed)]
            else:
                manifests.append(entries.manifest_of(doc, (), doc.data))
    return manifests
