"""A ComponentDefinition vela-core left stuck after a cache race is annotated once, so that it reconciles it again."""

from __future__ import annotations

from typing import Any

from oamconf.cluster.stuck_definitions import NUDGE, unstick_definitions
from oamconf.k8s import kinds
from oamconf.k8s.memory import MemoryCluster

STUCK = (
    "cannot generate DefinitionRevision of redis: get the definitionRevision redis-v1: DefinitionRevision.core.oam.dev"
    ' "redis-v1" not found'
)  # vela-core v1.10.9, as a fresh-clone CI run of the local tier showed it


def _definition(name: str, status: str, message: str) -> dict[str, Any]:
    return {
        "apiVersion": kinds.COMPONENT_DEFINITION.api_version,
        "kind": "ComponentDefinition",
        "metadata": {"name": name, "namespace": "vela-system"},
        "spec": {},
        "status": {"conditions": [{"type": "Synced", "status": status, "reason": "R", "message": message}]},
    }


def test_only_the_definition_stuck_on_its_revision_is_nudged() -> None:
    cluster = MemoryCluster("local")
    cluster.seed(
        [
            _definition("redis", "False", STUCK),
            _definition("postgresql", "True", ""),
            _definition("broken", "False", "cannot store capability broken in ConfigMap: expected 'EOF', found '}'"),
        ]
    )

    nudged = unstick_definitions(cluster, "vela-system", timeout=1)

    assert nudged == ["redis"]
    redis = cluster.get(kinds.COMPONENT_DEFINITION.ref("redis", "vela-system"))
    assert redis is not None
    assert redis.annotations.get(NUDGE) == "1"
    broken = cluster.get(kinds.COMPONENT_DEFINITION.ref("broken", "vela-system"))
    assert broken is not None
    assert NUDGE not in broken.annotations  # a refused template is the platform's fault: left for 1.2 to report


def test_nothing_is_nudged_when_every_definition_synced() -> None:
    cluster = MemoryCluster("local")
    cluster.seed([_definition("postgresql", "True", "")])
    assert unstick_definitions(cluster, "vela-system", timeout=1) == []
