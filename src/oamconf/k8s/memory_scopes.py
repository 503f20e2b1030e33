"""Where ``MemoryCluster`` keeps an object: which kinds are cluster-scoped, and the key that follows.

A key is ``(apiVersion, kind, namespace, name)``; cluster-scoped kinds have namespace ``""``, and a
namespaced object sent without one lands in ``default``, as ``kubectl apply`` would put it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final, Literal

from oamconf.k8s.api import Ref
from oamconf.k8s.reactions import Key

DEFAULT_NAMESPACE: Final = "default"

# The cluster-scoped kinds the platform uses, by API group; scenarios declare others.
_CLUSTER_KINDS: Final = {
    "": ("Namespace", "Node", "PersistentVolume"),
    "apiextensions.k8s.io": ("CustomResourceDefinition",),
    "rbac.authorization.k8s.io": ("ClusterRole", "ClusterRoleBinding"),
    "storage.k8s.io": ("StorageClass",),
    "helm.crossplane.io": ("Release", "ProviderConfig"),
    "kubernetes.crossplane.io": ("Object", "ProviderConfig"),
    "pkg.crossplane.io": ("Provider", "ProviderRevision", "Function", "FunctionRevision", "DeploymentRuntimeConfig"),
    "apiextensions.crossplane.io": ("CompositeResourceDefinition", "Composition"),
    "core.oam.dev": ("ResourceTracker",),
}
CLUSTER_SCOPED: Final = frozenset((group, kind) for group, kinds in _CLUSTER_KINDS.items() for kind in kinds)
# The namespaced kinds the platform and its steps use. A kind in neither table is most likely a typo
# (``Deploymnet``): a scenario must declare it under ``kinds:`` to use it.
_NAMESPACED_KINDS: Final = {
    "": (
        "Pod", "Service", "Secret", "ConfigMap", "Event", "ServiceAccount", "PersistentVolumeClaim",
        "Endpoints", "ResourceQuota", "LimitRange",
    ),
    "apps": ("Deployment", "StatefulSet", "ReplicaSet", "DaemonSet", "ControllerRevision"),
    "batch": ("Job", "CronJob"),
    "discovery.k8s.io": ("EndpointSlice",),
    "events.k8s.io": ("Event",),
    "networking.k8s.io": ("Ingress", "NetworkPolicy"),
    "policy": ("PodDisruptionBudget",),
    "coordination.k8s.io": ("Lease",),
    "rbac.authorization.k8s.io": ("Role", "RoleBinding"),
    "core.oam.dev": (
        "Application", "ApplicationRevision", "ComponentDefinition", "TraitDefinition",
        "PolicyDefinition", "WorkflowStepDefinition", "DefinitionRevision",
    ),
    "argoproj.io": ("Application", "AppProject", "ApplicationSet"),
}  # fmt: skip
KNOWN_KINDS: Final = CLUSTER_SCOPED | frozenset(
    (group, kind) for group, kinds in _NAMESPACED_KINDS.items() for kind in kinds
)

Scope = Literal["Cluster", "Namespaced"]


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
