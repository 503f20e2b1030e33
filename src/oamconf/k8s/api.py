"""The one narrow interface the fixtures and steps use to talk to a cluster.

Two backends implement ``Cluster``: ``kube.KubeCluster`` on the official ``kubernetes`` client,
and ``memory.MemoryCluster`` for the self-tests. Callers get small frozen types back
(``KubeObject``, ``Condition``, ``Event``, ``Endpoint``) instead of dicts to index.
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

FIELD_MANAGER = "oam-vcluster-conformance"


@dataclass(frozen=True)
class Ref:
    """Which object: ``apiVersion``, ``kind``, name and (for namespaced kinds) namespace."""

    api_version: str
    kind: str
    name: str
    namespace: str | None = None

    @classmethod
    def of(cls, manifest: Mapping[str, Any]) -> Ref:
        """The reference of a manifest or a live object."""
        meta = manifest.get("metadata") or {}
        return cls(
            api_version=str(manifest.get("apiVersion", "")),
            kind=str(manifest.get("kind", "")),
            name=str(meta.get("name", "")),
            namespace=meta.get("namespace") or None,
        )

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"


@dataclass(frozen=True)
class Condition:
    """One entry of ``status.conditions``."""

    type: str
    status: str
    reason: str = ""
    message: str = ""

    def __str__(self) -> str:
        text = f"{self.type}={self.status}"
        if self.reason:
            text += f" reason={self.reason}"
        if self.message:
            text += f" message={self.message!r}"
        return text


@dataclass(frozen=True)
class KubeObject:
    """A live object as the API server returned it. ``raw`` is the full JSON document."""

    raw: Mapping[str, Any] = field(repr=False)

    @property
    def ref(self) -> Ref:
        return Ref.of(self.raw)

    @property
    def metadata(self) -> Mapping[str, Any]:
        return self.raw.get("metadata") or {}

    @property
    def labels(self) -> Mapping[str, str]:
        return self.metadata.get("labels") or {}

    @property
    def annotations(self) -> Mapping[str, str]:
        return self.metadata.get("annotations") or {}

    @property
    def status(self) -> Mapping[str, Any]:
        return self.raw.get("status") or {}

    @property
    def conditions(self) -> tuple[Condition, ...]:
        found = self.status.get("conditions") or []
        return tuple(
            Condition(
                type=str(c.get("type", "")),
                status=str(c.get("status", "")),
                reason=str(c.get("reason", "") or ""),
                message=str(c.get("message", "") or ""),
            )
            for c in found
            if isinstance(c, Mapping)
        )

    def condition(self, type_: str) -> Condition | None:
        """The condition of that type, or ``None`` while the controller has not set it."""
        return next((c for c in self.conditions if c.type == type_), None)

    def field(self, path: str, default: Any = None) -> Any:
        """The value at a dotted path (``status.atProvider.state``), or *default*."""
        node: Any = self.raw
        for part in path.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node


@dataclass(frozen=True)
class Event:
    """A core/v1 Event about an object, newest last in lists."""

    type: str
    reason: str
    message: str
    count: int = 1
    last_seen: str = ""

    def __str__(self) -> str:
        # The count goes before the message, as kubectl's event table has it: a message ends its line, so a
        # hint rule reading a message's free-text tail reads no count into it.
        times = f" (x{self.count})" if self.count > 1 else ""
        return f"{self.type} {self.reason}{times}: {self.message}"


@dataclass(frozen=True)
class Endpoint:
    """A local address that reaches a Service port (through a port-forward, or a test server)."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


class Cluster(Protocol):
    """What the suite may do to a cluster. Every method raises ``ApiError`` subclasses on failure.

    ``AccessDenied`` (401/403) and ``ClusterUnreachable`` are raised as such, so waits can stop at
    once on the first and keep trying on the second.
    """

    @property
    def name(self) -> str:
        """A human name for reports: the kube context, or the scenario name."""
        ...

    def apply(self, manifest: Mapping[str, Any], *, field_manager: str = FIELD_MANAGER) -> KubeObject:
        """Server-side apply *manifest* (forcing conflicts: the suite owns what it applies)."""
        ...

    def get(self, ref: Ref) -> KubeObject | None:
        """The live object, or ``None`` when it does not exist (404)."""
        ...

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> builtins.list[KubeObject]:
        """Objects of a kind, in one namespace or all, filtered by equality label selector."""
        ...

    def delete(self, ref: Ref) -> bool:
        """Delete (background propagation); ``False`` when it was already gone."""
        ...

    def events(self, ref: Ref) -> builtins.list[Event]:
        """Events whose involvedObject is *ref*, oldest first."""
        ...

    def pod_logs(
        self, namespace: str, pod: str, *, container: str | None = None, tail_lines: int = 200, previous: bool = False
    ) -> str:
        """The last lines of a container's log; *previous*: of its last terminated run (after a restart)."""
        ...

    def port_forward(self, namespace: str, service: str, port: int) -> contextlib.AbstractContextManager[Endpoint]:
        """Forward a local port to a Service port for as long as the context is open."""
        ...

    def open_vcluster(self, namespace: str, name: str) -> contextlib.AbstractContextManager[Cluster]:
        """The API server inside vCluster *name* (its host namespace *namespace*), for as long as the context is open.

        Entering fails with an ``ApiError`` while the host has no Secret ``vc-<name>`` in *namespace*: vCluster
        writes it once its API server runs, so its absence means the vCluster is not up.
        """
        ...


@dataclass(frozen=True)
class Change:
    """One change of a watched object: the object as it now is (``None``: deleted), and the
    ``resourceVersion`` a watch resumes from to see only what came after (``None``: its current state)."""

    obj: KubeObject | None
    resource_version: str | None


@runtime_checkable
class Watchable(Protocol):
    """What a backend that can watch one object adds to ``Cluster``; waits on an object use it when the
    cluster has it, and poll otherwise (the install's serializing wrapper, test stand-ins)."""

    def watch(self, ref: Ref, *, resource_version: str | None, timeout: int) -> Iterator[Change]:
        """The changes of *ref* after *resource_version*, until *timeout* seconds pass or the stream closes.

        With *resource_version* ``None`` the first change is the object's current state, if it exists.

        Raises:
            ApiError: the watch was refused (``AccessDenied``; 405 for a kind that cannot be watched) or
                failed, when it is opened or while it streams; 410 when *resource_version* is too old.
        """
        ...


def label_selector(labels: Mapping[str, str] | None) -> str:
    """``{"a": "1", "b": "2"}`` -> ``"a=1,b=2"`` (equality selectors only, sorted for stable requests)."""
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items()))


def matches_labels(obj: KubeObject, labels: Mapping[str, str] | None) -> bool:
    return all(obj.labels.get(k) == v for k, v in (labels or {}).items())
