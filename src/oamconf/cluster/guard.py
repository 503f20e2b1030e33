"""The guard: the suite installs into, and deletes from, only clusters it can tell are its own.

A conformance run installs a whole platform and deletes what it made. Pointed at the wrong
context (a colleague's staging cluster, the current-context left over from other work) that
would be destructive, so before installing or deleting anything the target must be a kind
cluster on this machine named the way the suite names its clusters (``oamconf-*``). Anything
else needs the user to say so with ``--allow-foreign-cluster``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from oamconf.cluster.kind import CONTEXT_PREFIX
from oamconf.errors import UsageError

OUR_PREFIX: Final = "oamconf-"
FLAG: Final = "--allow-foreign-cluster"


def ensure_ours(context: str, kind_clusters: Collection[str], *, allow_foreign: bool) -> None:
    """Refuse a context that is not ``kind-oamconf-*`` for a kind cluster that exists on this machine.

    Parameters:
        context: the kubeconfig context the suite is about to install into or delete from.
        kind_clusters: the names ``kind get clusters`` lists on this machine.
        allow_foreign: the user passed ``--allow-foreign-cluster``; nothing is refused.

    Raises:
        UsageError: one line naming the context, why it is not ours, and the flag.
    """
    if allow_foreign:
        return
    reason = foreign_reason(context, kind_clusters)
    if reason:
        raise UsageError(
            f"refusing to install or delete anything in context {context!r}: {reason}; "
            f"use a kind-{OUR_PREFIX}* cluster, or pass {FLAG} if this cluster is meant to be changed"
        )


def foreign_reason(context: str, kind_clusters: Collection[str]) -> str:
    """Why *context* is not one of the suite's clusters, or ``""`` when it is."""
    if not context.startswith(CONTEXT_PREFIX):
        return "it is not a kind context"
    name = context.removeprefix(CONTEXT_PREFIX)
    if name not in kind_clusters:
        return f"no kind cluster {name!r} exists on this machine"
    if not name.startswith(OUR_PREFIX):
        return f"kind cluster {name!r} is not named {OUR_PREFIX}*"
    return ""
