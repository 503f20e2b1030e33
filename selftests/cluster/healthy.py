"""Healthy and unhealthy platform objects as the controllers write them (platform-facts.md §1, §2.1,
§4.1), and a healthy object for everything the components wait for.

Used by test_components.py to check the verdicts and by test_install.py to seed a healthy cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from oamconf.cluster.components import Component, Ready
from oamconf.k8s.api import Ref


def deployment(ref: Ref, *, available: bool = True, generation: int = 1, observed: int = 1) -> dict[str, Any]:
    reason = "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable"
    message = "Deployment has minimum availability." if available else "Deployment does not have minimum availability."
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": ref.name, "namespace": ref.namespace, "generation": generation},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": ref.name}}},
        "status": {
            "observedGeneration": observed,
            "replicas": 1,
            "updatedReplicas": 1,
            "readyReplicas": 1 if available else 0,
            "availableReplicas": 1 if available else 0,
            **({} if available else {"unavailableReplicas": 1}),
            "conditions": [
                {"type": "Available", "status": str(available), "reason": reason, "message": message},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
            ],
        },
    }


def statefulset(ref: Ref, *, ready: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": ref.name, "namespace": ref.namespace, "generation": 1},
        "spec": {"replicas": 1, "serviceName": ref.name, "selector": {"matchLabels": {"app": ref.name}}},
        "status": {
            "observedGeneration": 1,
            "replicas": 1,
            "currentReplicas": 1,
            "updatedReplicas": 1,
            **({"readyReplicas": ready, "availableReplicas": ready} if ready else {}),
            "currentRevision": f"{ref.name}-6d5f8c7b9",
            "updateRevision": f"{ref.name}-6d5f8c7b9",
            "collisionCount": 0,
        },
    }


def crd(ref: Ref, *, established: bool = True) -> dict[str, Any]:
    plural, _, group = ref.name.partition(".")
    conditions = [{"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found"}]
    if established:
        conditions.append(
            {
                "type": "Established",
                "status": "True",
                "reason": "InitialNamesAccepted",
                "message": "the initial names have been accepted",
            }
        )
    else:
        conditions.append(
            {"type": "Established", "status": "False", "reason": "Installing", "message": "the initial names..."}
        )
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": ref.name, "generation": 1},
        "spec": {"group": group, "names": {"plural": plural}, "scope": "Cluster"},
        "status": {"conditions": conditions, "acceptedNames": {"plural": plural}, "storedVersions": ["v1"]},
    }


def package(ref: Ref, *, healthy: bool = True, message: str = "") -> dict[str, Any]:
    healthy_condition = (
        {"type": "Healthy", "status": "True", "reason": "HealthyPackageRevision"}
        if healthy
        else {"type": "Healthy", "status": "False", "reason": "UnhealthyPackageRevision", "message": message}
    )
    return {
        "apiVersion": ref.api_version,
        "kind": ref.kind,
        "metadata": {"name": ref.name, "generation": 1},
        "spec": {"package": f"xpkg.crossplane.io/crossplane-contrib/{ref.name}:v1.0.0"},
        "status": {
            "currentRevision": f"{ref.name}-5b8e1f3a9c2d",
            "conditions": [
                {"type": "Installed", "status": "True", "reason": "ActivePackageRevision"},
                healthy_condition,
            ],
        },
    }


def xrd(ref: Ref) -> dict[str, Any]:
    return {
        "apiVersion": ref.api_version,
        "kind": ref.kind,
        "metadata": {"name": ref.name, "generation": 1},
        "status": {"conditions": [{"type": "Established", "status": "True", "reason": "WatchingComposite"}]},
    }


_HEALTHY: dict[str, Callable[[Ref], dict[str, Any]]] = {
    "Deployment": deployment,
    "StatefulSet": statefulset,
    "CustomResourceDefinition": crd,
    "Provider": package,
    "Function": package,
    "CompositeResourceDefinition": xrd,
}


def every_ready(components: Iterable[Component]) -> list[Ready]:
    return [r for c in components for r in (*c.install.before_apply, *c.ready)]


def healthy_objects(components: Iterable[Component]) -> list[dict[str, Any]]:
    """A healthy object for every object the components wait for."""
    return [_HEALTHY[r.ref.kind](r.ref) for r in every_ready(components)]
