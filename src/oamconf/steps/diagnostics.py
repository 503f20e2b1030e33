"""What a failed wait looked at, gathered automatically: the object, its events, and what it runs.

Like Crossplane's e2e dumps, a step that fails waiting on an object gets that object's status and
recent events, then what it owns or runs (``oamconf.k8s.related``: pods with their container states
and log tails, composed resources, workflow steps, out-of-sync resources), read from the cluster the
wait used (``expect.on(vcluster)`` waits are diagnosed inside the vCluster). Secrets are masked.
"""

from __future__ import annotations

from typing import Final

from oamconf.errors import ApiError
from oamconf.k8s.api import Cluster, Ref
from oamconf.k8s.related import related
from oamconf.redact import Redactor
from oamconf.steps.context import StepRecord
from oamconf.steps.outcomes import Diagnostic
from oamconf.yamlio import dump

EVENTS_SHOWN: Final = 10


def gather(cluster: Cluster, ref: Ref, redactor: Redactor) -> list[Diagnostic]:
    """Diagnostics for *ref*: its status, its last events, then what it runs; never raises."""
    try:
        obj = cluster.get(ref)
        events = cluster.events(ref)[-EVENTS_SHOWN:]
    except ApiError as err:
        return [Diagnostic(f"{ref}", f"could not read it for diagnostics: {err}")]
    found: list[Diagnostic] = []
    if obj is None:
        found.append(Diagnostic(f"{ref}", "does not exist"))
    else:
        status = redactor.redact_object(dict(obj.status))
        text = dump(status) if status else "no status yet"
        found.append(Diagnostic(f"{ref} status", text))
    if events:
        found.append(Diagnostic(f"{ref} events", "\n".join(str(e) for e in events)))
    if obj is not None:
        found += [Diagnostic(title, redactor.redact(text)) for title, text in related(cluster, obj)]
    return found


def after_failure(record: StepRecord, exc: BaseException, redactor: Redactor) -> None:
    """A failed wait (``WaitTimeout``/``WaitFailed`` from ``expect``): remember what it looked at and
    add that object's diagnostics, read from the cluster the wait used."""
    ref, cluster = getattr(exc, "ref", None), getattr(exc, "cluster", None)
    looked_at = ref if isinstance(ref, Ref) else getattr(exc, "subject", None)
    if isinstance(looked_at, Ref | str) and record.looked_at is None:
        record.looked_at = looked_at  # the first failure's: a failure no hint explains names it
    if isinstance(ref, Ref) and cluster is not None:
        record.evidence.diagnostics.extend(gather(cluster, ref, redactor))
