"""A ComponentDefinition vela-core left stuck after a cache race is nudged (annotated, with the DefinitionRevision
its message names) so that it reconciles it again, and nudged again while it stays stuck, a bounded number of
times."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oamconf.cluster.stuck_definitions import NUDGE, SETTLE, unstick_definitions
from oamconf.k8s import kinds
from oamconf.k8s.api import FIELD_MANAGER, KubeObject
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.wait import FakeClock

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

    nudged = unstick_definitions(cluster, "vela-system", timeout=1, clock=FakeClock())

    assert nudged == ["redis"]
    redis = cluster.get(kinds.COMPONENT_DEFINITION.ref("redis", "vela-system"))
    assert redis is not None
    assert redis.annotations.get(NUDGE) == str(len(SETTLE))  # it stayed stuck here: nudged at each settle, no more
    assert cluster.get(kinds.DEFINITION_REVISION.ref("redis-v1", "vela-system")) is None  # never created by a nudge
    broken = cluster.get(kinds.COMPONENT_DEFINITION.ref("broken", "vela-system"))
    assert broken is not None
    assert NUDGE not in broken.annotations  # a refused template is the platform's fault: left for 1.2 to report


def test_nothing_is_nudged_when_every_definition_synced() -> None:
    cluster = MemoryCluster("local")
    cluster.seed([_definition("postgresql", "True", "")])
    assert unstick_definitions(cluster, "vela-system", timeout=1) == []


class LaggingVelaCore(MemoryCluster):
    """vela-core whose cache has caught up with its revision by the second nudge: it then syncs the definition."""

    def __init__(self) -> None:
        super().__init__("local")
        self.nudges: list[tuple[str, str]] = []

    def apply(self, manifest: Mapping[str, Any], *, field_manager: str = FIELD_MANAGER) -> KubeObject:
        applied = super().apply(manifest, field_manager=field_manager)
        attempt = (manifest["metadata"].get("annotations") or {}).get(NUDGE)
        if attempt is not None:
            self.nudges.append((manifest["kind"], attempt))
        if manifest["kind"] == "ComponentDefinition" and attempt == "2":
            synced = {"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "message": ""}
            self.seed([{**applied.raw, "status": {"conditions": [synced]}}])  # as vela-core writes its status
        return applied


def test_a_definition_still_stuck_after_a_nudge_is_nudged_again_with_its_revision_until_it_syncs() -> None:
    """A single nudge 1.8 s after vela-core created the revision met the same stale cache in a run (1.2 then waited
    300 s): the revision it names is annotated too, and the nudge repeated after a settle, until it syncs."""
    cluster = LaggingVelaCore()
    revision = {"apiVersion": "core.oam.dev/v1beta1", "kind": "DefinitionRevision",
                "metadata": {"name": "redis-v1", "namespace": "vela-system"}, "spec": {"revision": 1}}  # fmt: skip
    cluster.seed([_definition("redis", "False", STUCK), revision])
    clock = FakeClock()

    nudged = unstick_definitions(cluster, "vela-system", timeout=1, clock=clock)

    assert nudged == ["redis"]
    order = [("DefinitionRevision", "1"), ("ComponentDefinition", "1")]
    assert cluster.nudges == [*order, ("DefinitionRevision", "2"), ("ComponentDefinition", "2")]
    live = cluster.get(kinds.DEFINITION_REVISION.ref("redis-v1", "vela-system"))
    assert live is not None
    assert live.field("spec.revision") == 1  # annotated, nothing else changed
    assert clock.now <= 1 + SETTLE[0] + SETTLE[1] + 2  # no third settle once it synced
