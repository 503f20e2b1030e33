"""KubeVela Applications and definitions (KubeVela v1.10.9, platform-facts §2).

``status.status`` is the phase. ``workflowFailed`` is retried with backoff (a step failing with reason
``Execute`` up to ten times) until the workflow is marked ``terminated``; ``workflowTerminated`` is a
manual stop. Both need a person; every other phase may still move on by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from oamconf.k8s.api import KubeObject
from oamconf.k8s.wait import Observation, State


def application_running(obj: KubeObject) -> Observation:
    """``status.status: running``; fails at once when the workflow failed for good or was terminated."""
    phase = obj.field("status.status") or "no status yet"
    if phase == "running":
        return Observation.succeeded("running")
    terminated = bool(obj.field("status.workflow.terminated"))
    if phase == "workflowTerminated" or (phase == "workflowFailed" and terminated):
        return Observation.failed(f"want running, is {phase}{_failed_step(obj)}")
    parsed = obj.condition("Parsed")
    if parsed is not None and parsed.status == "False":
        # vela-core v1.10.9 on the local tier: a component type no definition provides stays "rendering" for
        # ever, its reason only here: "failed to parseComponents: fetch component/policy type of c: load
        # template from component definition [x] : WorkloadDefinition.core.oam.dev "x" not found".
        seen = f"want running, is {phase}, {parsed}"
        return Observation.failed(seen) if "not found" in (parsed.message or "") else Observation.pending(seen)
    return Observation.pending(f"want running, is {phase}{_failed_step(obj)}")


def application_applied(obj: KubeObject) -> Observation:
    """The workflow has applied the Application's resources (``status.appliedResources``). A component that
    never becomes healthy keeps the Application in ``runningWorkflow`` for ever (platform-facts §8.7), so a
    step follows what was applied and judges that, rather than wait for KubeVela to give up."""
    applied = obj.field("status.appliedResources") or []
    phase = obj.field("status.status") or "no status yet"
    if applied:
        return Observation.succeeded(f"applied {len(applied)} resource(s)")
    verdict = application_running(obj)
    if verdict.state is State.FAILED:
        return verdict
    return Observation.pending(f"want applied resources, is none yet ({phase}{_failed_step(obj)})")


def _failed_step(obj: KubeObject) -> str:
    for step in obj.field("status.workflow.steps") or []:
        if isinstance(step, Mapping) and step.get("phase") == "failed":
            reason = f" {step.get('reason')}" if step.get("reason") else ""
            return f" (step {step.get('name')} failed{reason}: {step.get('message', '')})"
    return ""


# kubevela v1.10.9 pkg/oam/util/helper.go:70 ErrStoreCapabilityInConfigMap: the template itself is refused.
_SCHEMA_REFUSED: Final = "cannot store capability "


def definition_registered(obj: KubeObject) -> Observation:
    """KubeVela recorded a DefinitionRevision and stored the parameter schema: Synced is not False.

    vela-core v1.10.9 records the revision even when the template does not compile, or when it cannot
    make the parameter schema: Synced=False ``ReconcileError`` then says why ("cannot store capability
    postgresql in ConfigMap: failed to generate OpenAPI v3 JSON schema ...", seen on the local tier), and
    Applications fail at render time. That never clears by itself, so it fails at once. Any other Synced=False
    is retried by vela-core and waited out: right after a definition is applied it may say "cannot generate
    DefinitionRevision of postgresql: get the definitionRevision postgresql-v1: DefinitionRevision.core.oam.dev
    \"postgresql-v1\" not found" (its cache lags the revision it just created; seen on the local tier).
    """
    synced = obj.condition("Synced")
    if synced is not None and synced.status == "False":
        if _SCHEMA_REFUSED in synced.message:
            return Observation.failed(f"want Synced=True, is {synced}")
        return Observation.pending(f"want Synced=True, is {synced}")
    revision = obj.field("status.latestRevision.name")
    if not revision:
        return Observation.pending("want a latestRevision, is none yet")
    if synced is None:  # the revision is written first, the schema and Synced after it (seen on the local tier)
        return Observation.pending(f"want Synced=True, is no Synced condition yet (revision {revision})")
    return Observation.succeeded(f"revision {revision}")
