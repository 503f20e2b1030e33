"""Reading a watch stream of the Kubernetes API: one object's changes as ``Change``s.

``KubeCluster.watch`` sends ``GET <collection>?watch=true&fieldSelector=metadata.name=<name>`` with
``resourceVersion`` (resume after it) and ``timeoutSeconds`` (the server ends the stream then). The
answer is newline-delimited JSON, one event a line: ``{"type": "ADDED"|"MODIFIED"|"DELETED", "object":
{...}}``, ``BOOKMARK`` (not asked for, skipped), or ``ERROR`` with a ``Status`` as its object (410 when
the resourceVersion was compacted away). A line or a connection that breaks becomes an ``ApiError``,
as every other failure of the backend does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

from oamconf.errors import AccessDenied, ApiError, one_line
from oamconf.k8s.api import Change, KubeObject, Ref
from oamconf.k8s.apierrors import api_errors

# The client's read timeout beyond the watch's own: the server ends the stream at timeoutSeconds, so a
# read that waits this much longer means the connection died silently.
READ_GRACE: Final = 10.0
_UPDATES: Final = frozenset({"ADDED", "MODIFIED"})


def open_watch(
    client: Any, resource: Any, ref: Ref, resource_version: str | None, timeout: int, *, request_timeout: float
) -> Any:
    """Send the watch request of *ref* with the dynamic *client*; the answer, not read yet.

    Raises:
        ApiError: 405 for a kind whose discovery lists no ``watch`` verb (nothing is sent), as the API
            server answers; the client's own exceptions otherwise (the caller translates them).
    """
    if "watch" not in (resource.verbs or ()):
        raise ApiError(405, "MethodNotAllowed", f"the API server does not watch {ref.api_version} {ref.kind}")
    return client.get(
        resource,
        namespace=ref.namespace,
        watch=True,
        field_selector=f"metadata.name={ref.name}",
        resource_version=resource_version,
        timeout_seconds=timeout,
        serialize=False,
        _request_timeout=(request_timeout, timeout + READ_GRACE),
    )


def changes(
    response: Any, ref: Ref, server: str, remember: Callable[[dict[str, Any]], dict[str, Any]]
) -> Iterator[Change]:
    """The changes in an open watch *response* (a urllib3 response not yet read), until it ends.

    Parameters:
        response: the streaming answer; closed when the iterator ends or is closed.
        ref: the watched object: its events' objects get their ``apiVersion``/``kind`` from it if left out.
        server: named in connection errors.
        remember: tells the run's redactor about a Secret's values before anyone sees them.

    Raises:
        ApiError: an ``ERROR`` event (its ``Status``), a line that is not an event, a broken connection.
    """
    try:
        with api_errors(server):
            for line in _lines(response):
                change = _change(line, ref, remember)
                if change is not None:
                    yield change
    finally:
        response.close()
        response.release_conn()


def _lines(response: Any) -> Iterator[bytes]:
    """Complete lines as the chunks arrive (a chunk may hold several events, or part of one)."""
    pending = b""
    for chunk in response.stream(amt=None, decode_content=True):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        yield from (line for line in lines if line.strip())
    if pending.strip():
        yield pending


def _change(line: bytes, ref: Ref, remember: Callable[[dict[str, Any]], dict[str, Any]]) -> Change | None:
    try:
        event = json.loads(line)
        kind, raw = event["type"], event["object"]
    except (ValueError, KeyError, TypeError) as err:
        raise ApiError(500, "BadWatchEvent", f"watch of {ref}: not an event: {one_line(repr(line), 120)}") from err
    if kind == "ERROR":
        raise _status_error(raw)
    if not isinstance(raw, dict) or kind not in {*_UPDATES, "DELETED"}:
        return None  # a BOOKMARK, or a type this client does not know: nothing about the object changed
    version = str((raw.get("metadata") or {}).get("resourceVersion") or "") or None
    if kind == "DELETED":
        return Change(None, version)
    raw.setdefault("apiVersion", ref.api_version)
    raw.setdefault("kind", ref.kind)
    return Change(KubeObject(remember(raw)), version)


def _status_error(status: Any) -> ApiError:
    fields: Mapping[str, Any] = status if isinstance(status, Mapping) else {"message": str(status)}
    code = int(fields.get("code") or 500)
    reason = str(fields.get("reason") or "Error")
    error = AccessDenied if code in {401, 403} else ApiError
    return error(code, reason, one_line(str(fields.get("message") or reason)))
