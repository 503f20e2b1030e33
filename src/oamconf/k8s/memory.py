"""An in-memory ``Cluster`` for the self-tests: a dict of objects that behaves enough like an API server.

It does what the suite relies on and no more: server-side apply as a deep merge that never
touches ``status``; ``uid``/``resourceVersion``/``generation`` bookkeeping; namespaced and
cluster-scoped kinds; label selectors; injected failures (``reactions.Failure``); controllers
played by timed ``reactions.Reaction`` rules; and watches in virtual time (``memory_watch``).
Port-forwards lead to real local servers the test binds, so probes are exercised against real
PostgreSQL/Redis/TLS endpoints.
A vCluster's API server is another ``MemoryCluster``, open while the host holds its Secret ``vc-<name>``.

Scenario files (``scenario.load_scenario``) fill one of these; tests may also build one directly.
Not thread-safe: one test drives one cluster.
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import copy
import datetime as dt
import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Literal

from oamconf.errors import ApiError, ServerNotGiven, UsageError
from oamconf.k8s.api import FIELD_MANAGER, Change, Endpoint, Event, KubeObject, Ref, matches_labels
from oamconf.k8s.kinds import Scope
from oamconf.k8s.memory_logs import PodLogs
from oamconf.k8s.memory_scopes import CLUSTER_SCOPED, DEFAULT_NAMESPACE, Scopes, placed, ref_of
from oamconf.k8s.memory_watch import look
from oamconf.k8s.reactions import Failure, Key, Reaction, Timeline, Verb, deep_merge, set_path
from oamconf.k8s.vcluster import not_up, secret_ref
from oamconf.redact import SecretSink, remember_secret

__all__ = ["CLUSTER_SCOPED", "DEFAULT_NAMESPACE", "MemoryCluster", "Scope"]  # the scope names: re-exported


class MemoryCluster:
    """A ``Cluster`` held in memory.

    ``applied`` holds every manifest an ``apply`` accepted, as sent; ``deleted`` every ref a
    ``delete`` was asked for (found or not), so tests can assert what the suite did.

    Parameters:
        name: the scenario name, shown in reports and error messages.
        description: one line about the scenario.
        secrets: told about every Secret this backend hands out, as the real backend does.
    """

    def __init__(self, name: str = "memory", *, description: str = "", secrets: SecretSink | None = None) -> None:
        self._name = name
        self._secrets = secrets
        self.description = description
        self.overrides: tuple[str, ...] = ()  # scenario files that replaced an earlier file's say (run header)
        self.applied: builtins.list[KubeObject] = []
        self.deleted: builtins.list[Ref] = []
        self._objects: dict[Key, dict[str, Any]] = {}
        self._scopes = Scopes()
        self._events: dict[Key, builtins.list[Event]] = {}
        self._logs = PodLogs()
        self._services: dict[tuple[str, str, int], str] = {}
        self._endpoints: dict[str, Endpoint] = {}
        self._failures: builtins.list[Failure] = []
        self._apply_watchers: builtins.list[Callable[[KubeObject], None]] = []
        self._vclusters: dict[tuple[str, str], MemoryCluster] = {}
        self._timeline = Timeline()
        self._versions = itertools.count(1)

    @property
    def name(self) -> str:
        return self._name

    # -- setting the scene -------------------------------------------------------------------

    def declare_kind(self, api_version: str, kind: str, scope: Scope) -> None:
        """Say whether a kind (of any version of its API group) is cluster-scoped or namespaced."""
        self._scopes.declare(api_version, kind, scope)

    def is_cluster_scoped(self, api_version: str, kind: str) -> bool:
        return self._scopes.is_cluster_scoped(api_version, kind)

    def knows_kind(self, api_version: str, kind: str) -> bool:
        """A kind of the built-in tables, or one a scenario declared (anything else is likely a typo)."""
        return self._scopes.knows(api_version, kind)

    def seed(self, manifests: Iterable[Mapping[str, Any]]) -> None:
        """Add or replace objects as they are, ``status`` included (not recorded in ``applied``)."""
        for manifest in manifests:
            self._put(manifest)

    def add_event(self, ref: Ref, event: Event) -> None:
        self._events.setdefault(self._scopes.key(ref), []).append(event)

    def add_log(self, namespace: str, pod: str, container: str, text: str, *, previous: bool = False) -> None:
        """A container's log; *previous*: the log of its last terminated run (``kubectl logs --previous``)."""
        self._logs.add(namespace, pod, container, text, previous=previous)

    def add_service(self, namespace: str, name: str, port: int, endpoint: str) -> None:
        """Declare a Service port whose port-forward leads to the endpoint bound as *endpoint*."""
        self._services[(namespace, name, port)] = endpoint

    def bind(self, endpoint: str, address: Endpoint) -> None:
        """Bind an endpoint name (``postgresql``) to a real local server's address."""
        self._endpoints[endpoint] = address

    def add_failure(self, failure: Failure) -> None:
        self._failures.append(failure)

    def add_reaction(self, reaction: Reaction) -> None:
        self._timeline.reactions.append(reaction)

    def vcluster(self, namespace: str, name: str) -> MemoryCluster:
        """The cluster inside vCluster *name* (host namespace *namespace*), made on first call; its Secrets
        go to this cluster's secret sink, as the real backend's do. ``open_vcluster`` hands it out."""
        label = f"vcluster {name} ({namespace}) via {self._name}"
        return self._vclusters.setdefault((namespace, name), MemoryCluster(label, secrets=self._secrets))

    @property
    def vclusters(self) -> Mapping[tuple[str, str], MemoryCluster]:
        """The vClusters set up so far, by (host namespace, name)."""
        return MappingProxyType(self._vclusters)

    # -- the Cluster protocol ----------------------------------------------------------------

    def apply(self, manifest: Mapping[str, Any], *, field_manager: str = FIELD_MANAGER) -> KubeObject:
        """Merge *manifest* into the stored object; ``status`` in it is ignored, as the API
        server ignores it for kinds with a status subresource."""
        del field_manager  # one writer: ownership conflicts cannot happen here
        ref = Ref.of(manifest)
        self._check("apply", ref)
        if not (ref.api_version and ref.kind and ref.name):
            raise ApiError(422, "Invalid", f"{ref}: apiVersion, kind and metadata.name are required")
        self.applied.append(KubeObject(copy.deepcopy(dict(manifest))))
        key = self._scopes.key(ref)
        wanted = placed(key, {k: v for k, v in manifest.items() if k != "status"})
        if (ref.api_version, ref.kind) == ("v1", "Secret"):
            _encode_string_data(wanted)
        for server_set in ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields"):
            wanted["metadata"].pop(server_set, None)
        current = self._objects.get(key)
        stored = self._put(wanted) if current is None else self._update(key, deep_merge(current, wanted))
        self._arm("apply", key)
        for watcher in self._apply_watchers:
            watcher(KubeObject(copy.deepcopy(stored)))
        return KubeObject(copy.deepcopy(stored))

    def on_apply(self, watcher: Callable[[KubeObject], None]) -> None:
        """Call *watcher* with each object the suite applies, as stored: a test plays a controller that
        scenario reactions cannot, such as a database chart setting its password from a Secret."""
        self._apply_watchers.append(watcher)

    def get(self, ref: Ref) -> KubeObject | None:
        self._check("get", ref)
        key = self._scopes.key(ref)
        found = self._objects.get(key)
        result = KubeObject(copy.deepcopy(found)) if found is not None else None
        if found is not None:
            remember_secret(self._secrets, found)
        self._polled({key})
        return result

    def watch(self, ref: Ref, *, resource_version: str | None, timeout: int) -> Iterator[Change]:
        """One look at *ref*, counted as a poll (``memory_watch`` says why, and what it delivers)."""
        del timeout  # nothing blocks in virtual time: the waiting is the caller's clock's
        self._check("get", ref)
        key = self._scopes.key(ref)
        self._polled({key})
        return look(self._objects.get(key), resource_version, self._secrets)

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> builtins.list[KubeObject]:
        self._check("list", Ref(api_version, kind, "", namespace))
        if self.is_cluster_scoped(api_version, kind):
            namespace = None

        def wanted(key: Key) -> bool:
            return key[:2] == (api_version, kind) and namespace in {None, key[2]}

        found = sorted(
            (key, obj) for key, obj in self._objects.items() if wanted(key) and matches_labels(KubeObject(obj), labels)
        )
        result = [KubeObject(copy.deepcopy(obj)) for _, obj in found]
        for _, obj in found:
            remember_secret(self._secrets, obj)
        self._polled({key for key, _ in found})
        return result

    def delete(self, ref: Ref) -> bool:
        self._check("delete", ref)
        key = self._scopes.key(ref)
        self.deleted.append(ref_of(key))
        gone = self._remove(key)
        if gone:
            self._arm("delete", key)
        return gone

    def events(self, ref: Ref) -> builtins.list[Event]:
        return builtins.list(self._events.get(self._scopes.key(ref), []))

    def pod_logs(
        self, namespace: str, pod: str, *, container: str | None = None, tail_lines: int = 200, previous: bool = False
    ) -> str:
        return self._logs.read(namespace, pod, container=container, tail_lines=tail_lines, previous=previous)

    @contextlib.contextmanager
    def port_forward(self, namespace: str, service: str, port: int) -> Iterator[Endpoint]:
        where = f"no Service {namespace}/{service} port {port} in scenario {self._name}"
        endpoint = self._services.get((namespace, service, port))
        if endpoint is None:
            raise ApiError(404, "NotFound", where)
        address = self._endpoints.get(endpoint)
        if address is None:
            raise ServerNotGiven(
                f"Service {namespace}/{service} port {port} of scenario {self._name} stands for a real "
                f"{endpoint} server and none was given: run with --endpoint {endpoint}=HOST:PORT to test it "
                f"(from Python: load_scenario(endpoints=...) or bind())"
            )
        yield address

    @contextlib.contextmanager
    def open_vcluster(self, namespace: str, name: str) -> Iterator[MemoryCluster]:
        # Its Secret first, as the real backend reads it: a fault scenario whose vCluster never comes up
        # need not describe what is inside.
        if self.get(secret_ref(namespace, name)) is None:
            raise not_up(namespace, name)
        inner = self._vclusters.get((namespace, name))
        if inner is None:
            raise UsageError(
                f"vCluster {name} in {namespace} is up (Secret vc-{name}) but scenario {self._name} does not say "
                f"what is inside: declare it under vclusters: - {{namespace: {namespace}, name: {name}}}"
            )
        yield inner

    # -- internals ---------------------------------------------------------------------------

    def _check(self, verb: Verb, ref: Ref) -> None:
        for failure in self._failures:
            error = failure.trip(verb, ref)
            if error is not None:
                raise error

    def _put(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Store a new object, or replace one wholesale, filling in what the server sets."""
        key = self._scopes.key(Ref.of(obj))
        stored = placed(key, obj)
        before = (self._objects.get(key) or {}).get("metadata") or {}
        meta = stored["metadata"]
        meta.setdefault("uid", before.get("uid") or str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", before.get("creationTimestamp") or _now())
        meta.setdefault("generation", 1)
        meta["resourceVersion"] = str(next(self._versions))
        self._objects[key] = stored
        return stored

    def _update(self, key: Key, obj: dict[str, Any]) -> dict[str, Any]:
        """Store a changed object: a new resourceVersion if anything changed, a new generation
        if anything but metadata and status did (the rule the API server uses for CRDs)."""
        before = self._objects[key]
        if obj == before:
            return before
        meta = obj["metadata"]
        if _desired(obj) != _desired(before):
            meta["generation"] = int(meta.get("generation", 1)) + 1
        meta["resourceVersion"] = str(next(self._versions))
        self._objects[key] = obj
        return obj

    def _remove(self, key: Key) -> bool:
        found = self._objects.pop(key, None)
        self._events.pop(key, None)
        self._timeline.forget(key)
        if found is not None and key[:2] == ("v1", "Namespace"):
            # Deleting a namespace deletes what is in it, as the namespace controller does.
            for inner in [k for k in self._objects if k[2] == key[3]]:
                self._remove(inner)
        return found is not None

    def _arm(self, verb: Literal["apply", "delete"], key: Key) -> None:
        self._timeline.arm(verb, key, ref_of(key))
        self._fire_due({key})

    def _polled(self, keys: set[Key]) -> None:
        """Count one poll of each of *keys*; reactions whose count is reached act right away,
        so the poll that completes the count still sees the old state and every read after it the new."""
        self._timeline.count_polls(keys)
        self._fire_due(keys)

    def _fire_due(self, keys: set[Key]) -> None:
        for reaction, key in self._timeline.take_due(keys):
            self._fire(reaction, key)

    def _fire(self, reaction: Reaction, key: Key) -> None:
        current = self._objects.get(key)
        if current is not None:
            changed = copy.deepcopy(current)
            if reaction.set_status is not None:
                changed["status"] = copy.deepcopy(dict(reaction.set_status))
            if reaction.merge_status is not None:
                changed["status"] = deep_merge(changed.get("status") or {}, reaction.merge_status)
            for path, value in reaction.set_fields.items():
                set_path(changed, path, value)
            self._update(key, changed)
        self.seed(reaction.create)
        for ref in reaction.delete:
            self._remove(self._scopes.key(ref))
        for event in reaction.events:
            self._events.setdefault(key, []).append(event)


def _desired(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in {"metadata", "status"}}


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _encode_string_data(secret: dict[str, Any]) -> None:
    """As the API server does: ``stringData`` is written into ``data`` (base64) and never stored."""
    plain = secret.pop("stringData", None) or {}
    if plain:
        data = secret.setdefault("data", {})
        for name, value in plain.items():
            data[name] = base64.b64encode(str(value).encode("utf-8")).decode("ascii")
