"""The guard: the suite installs into, and deletes from, only clusters it can tell are its own.

A conformance run installs a whole platform and deletes what it made. Pointed at the wrong
context (a colleague's staging cluster, the current-context left over from other work) that
would be destructive, so before installing or deleting anything the target must be a kind
cluster on this machine named the way the suite names its clusters (``oamconf-*``), and the
context must point at that cluster's API server: a context is only a name, and any kubeconfig
can call a production server ``kind-oamconf-e2e``. Anything else needs the user to say so with
``--allow-foreign-cluster``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Final

from oamconf.cluster.kind import CONTEXT_PREFIX
from oamconf.errors import UsageError

OUR_PREFIX: Final = "oamconf-"
FLAG: Final = "--allow-foreign-cluster"


def ensure_ours(
    context: str,
    kind_clusters: Collection[str],
    *,
    allow_foreign: bool,
    server: str | None = None,
    kind_server: Callable[[str], str] | None = None,
) -> None:
    """Refuse a context that is not ``kind-oamconf-*`` for a local kind cluster, or that points at another server.

    Parameters:
        context: the kubeconfig context the suite is about to install into or delete from.
        kind_clusters: the names ``kind get clusters`` lists on this machine.
        allow_foreign: the user passed ``--allow-foreign-cluster``; nothing is refused.
        server: the API server *context* points at in the kubeconfig the suite will use
            (``None`` when it names none).
        kind_server: the API server of a local kind cluster, by name (``KindCluster.server``), called
            only once the name checks pass. Omit it when the kubeconfig is the one kind wrote for that
            cluster (``--reuse-cluster``): there the context cannot point anywhere else.

    Raises:
        UsageError: one line naming the context, why it is not ours, and the flag.
    """
    if allow_foreign:
        return
    reason = foreign_reason(context, kind_clusters)
    if not reason and kind_server is not None:
        reason = server_reason(context.removeprefix(CONTEXT_PREFIX), server, kind_server)
    if reason:
        raise UsageError(
            f"refusing to install or delete anything in context {context!r}: {reason}; "
            f"use a kind-{OUR_PREFIX}* cluster, or pass {FLAG} if this cluster is meant to be changed"
        )


def foreign_reason(context: str, kind_clusters: Collection[str]) -> str:
    """Why *context* is not named as one of the suite's clusters, or ``""`` when it is."""
    if not context.startswith(CONTEXT_PREFIX):
        return "it is not a kind context"
    name = context.removeprefix(CONTEXT_PREFIX)
    if name not in kind_clusters:
        return f"no kind cluster {name!r} exists on this machine"
    if not name.startswith(OUR_PREFIX):
        return f"kind cluster {name!r} is not named {OUR_PREFIX}*"
    return ""


def server_reason(name: str, server: str | None, kind_server: Callable[[str], str]) -> str:
    """Why a context for kind cluster *name* pointing at *server* is not that cluster, or ``""`` when it is."""
    actual = kind_server(name)
    if server == actual:
        return ""
    return f"it points at server {server or '(none)'}, but kind cluster {name!r} is at {actual}"
