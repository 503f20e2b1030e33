"""What a failed wait looked at, gathered automatically: the object's status and its events.

Like Chainsaw's ``catch`` blocks and Crossplane's e2e dumps, a step that fails waiting on an
object gets that object's conditions, status and recent events as diagnostics, so the report
shows why without anyone re-running kubectl. ``oamconf.k8s.conditions.wait_for`` tags its
errors with the object it waited on; the step plugin calls ``gather`` with the test's cluster.
"""

from __future__ import annotations

from typing import Final

import yaml

from oamconf.errors import ApiError
from oamconf.k8s.api import Cluster, Ref
from oamconf.redact import Redactor
from oamconf.steps.outcomes import Diagnostic

EVENTS_SHOWN: Final = 10


def gather(cluster: Cluster, ref: Ref, redactor: Redactor) -> list[Diagnostic]:
    """Diagnostics for *ref*: its status (secrets masked) and its last events; never raises."""
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
        text = yaml.safe_dump(status, sort_keys=False, default_flow_style=False) if status else "no status yet"
        found.append(Diagnostic(f"{ref} status", text))
    if events:
        found.append(Diagnostic(f"{ref} events", "\n".join(str(e) for e in events)))
    return found
