"""Where ``MemoryCluster`` keeps an object: which kinds are cluster-scoped, and the key that follows.

A key is ``(apiVersion, kind, namespace, name)``; cluster-scoped kinds have namespace ``""``, and a
namespaced object sent without one lands in ``default``, as ``kubectl apply`` would put it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from oamconf.k8s import kinds
from oamconf.k8s.api import Ref
from oamconf.k8s.kinds import Scope
from oamconf.k8s.reactions import Key

DEFAULT_NAMESPACE: Final = "default"

# The kinds of ``kinds.ALL``, by (group, kind): any version of a group is the same kind here.
KNOWN_KINDS: Final = frozenset((kind.group, kind.kind) for kind in kinds.ALL)
CLUSTER_SCOPED: Final = frozenset((kind.group, kind.kind) for kind in kinds.ALL if not kind.namespaced)


class Scopes:
    """The built-in table of cluster-scoped kinds, with what a scenario declared on top of it."""

    def __init__(self) -> None:
        self._declared: dict[tuple[str, str], Scope] = {}

    def declare(self, api_version: str, kind: str, scope: Scope) -> None:
        """Say whether a kind (of any version of its API group) is cluster-scoped or namespaced."""
        self._declared[(api_version.rpartition("/")[0], kind)] = scope

    def knows(self, api_version: str, kind: str) -> bool:
        """Whether the kind is in the built-in tables or was declared."""
        group_kind = (api_version.rpartition("/")[0], kind)
        return group_kind in KNOWN_KINDS or group_kind in self._declared

    def is_cluster_scoped(self, api_version: str, kind: str) -> bool:
        group_kind = (api_version.rpartition("/")[0], kind)
        declared = self._declared.get(group_kind)
        return group_kind in CLUSTER_SCOPED if declared is None else declared == "Cluster"

    def key(self, ref: Ref) -> Key:
        cluster_scoped = self.is_cluster_scoped(ref.api_version, ref.kind)
        namespace = "" if cluster_scoped else ref.namespace or DEFAULT_NAMESPACE
        return (ref.api_version, ref.kind, namespace, ref.name)


def ref_of(key: Key) -> Ref:
    """The ``Ref`` a key stands for (no namespace for a cluster-scoped kind)."""
    api_version, kind, namespace, name = key
    return Ref(api_version, kind, name, namespace or None)


def placed(key: Key, obj: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of *obj* whose metadata.namespace agrees with the kind's scope."""
    copied = copy.deepcopy(dict(obj))
    meta = copied["metadata"] = dict(copied.get("metadata") or {})
    if key[2]:
        meta["namespace"] = key[2]
    else:
        meta.pop("namespace", None)
    return copied
