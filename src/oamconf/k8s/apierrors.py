"""Client exceptions of the ``kubernetes`` package, translated into the suite's ``ApiError``s.

401/403 become ``AccessDenied`` (waiting will not help), except the 403 refusing new objects in a namespace
that is being deleted (``NamespaceTerminating``: not a matter of credentials), connection and TLS failures
``ClusterUnreachable``, a 404 on a named object ``NotFound``; messages are one line, taken from
the API server's ``Status`` body where it sent one.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from typing import Final

import urllib3
from kubernetes.client.exceptions import ApiException

from oamconf.errors import AccessDenied, ApiError, ClusterUnreachable, one_line

_VERIFY_FAILED: Final = re.compile(r"certificate verify failed: ([^()]+?)\s*\(_ssl\.c")
# The StatusCause type the NamespaceLifecycle admission plugin adds (k8s.io/api core/v1 NamespaceTerminatingCause).
_NAMESPACE_TERMINATING: Final = "NamespaceTerminating"


@contextlib.contextmanager
def api_errors(server: str) -> Iterator[None]:
    """Run a client call; raise its failure as an ``ApiError`` naming *server* where it helps."""
    try:
        yield
    except ApiException as err:
        raise translate(err, server) from err
    except urllib3.exceptions.HTTPError as err:
        raise ClusterUnreachable(f"cannot reach the API server at {server}: {short(err)}") from err


class NotFound(ApiError):
    """A 404 on a named object: ``get`` and ``delete`` answer ``None``/``False`` for it."""


def translate(err: ApiException, server: str) -> ApiError:
    status = int(err.status or 0)
    if status == 0:  # the client reports TLS failures as status 0, the SSL error as reason
        return ClusterUnreachable(f"cannot reach the API server at {server}: {short(err.reason)}")
    http_reason = str(err.reason or "Error").replace(" ", "")
    try:
        body = json.loads(err.body or "")
    except (TypeError, ValueError):
        body = {"message": err.body}
    if not isinstance(body, dict):
        body = {"message": body}
    reason = str(body.get("reason") or http_reason)
    message = one_line(str(body.get("message") or http_reason))
    if status == 403 and _has_cause(body, _NAMESPACE_TERMINATING):  # noqa: PLR2004 - HTTP Forbidden
        # Admission's refusal while the namespace is deleted: a 403 that no credential or RBAC rule changes.
        return ApiError(status, _NAMESPACE_TERMINATING, message)
    if status in {401, 403}:
        return AccessDenied(status, reason, message)
    if status == 404:  # noqa: PLR2004 - HTTP Not Found
        return NotFound(status, reason, message)
    return ApiError(status, reason, message)


def _has_cause(body: dict[str, object], cause: str) -> bool:
    details = body.get("details")
    causes = details.get("causes") if isinstance(details, dict) else None
    # A StatusCause's type is serialized as "reason" (k8s.io/apimachinery metav1.StatusCause).
    return any(isinstance(c, dict) and c.get("reason") == cause for c in causes or [])


def short(err: object) -> str:
    """The useful tail of a urllib3 or SSL error, e.g. ``[Errno 111] Connection refused``."""
    if isinstance(err, urllib3.exceptions.MaxRetryError) and err.reason is not None:
        err = err.reason
    verify = _VERIFY_FAILED.search(" ".join(str(err).split()))
    if verify:  # OpenSSL's reason is the useful part, ahead of the source location the last ": " would keep
        return f"certificate verify failed: {verify.group(1)}"
    lines = [line for line in str(err).splitlines() if line.strip()] or [type(err).__name__]
    return one_line(lines[-1].rsplit(": ", 1)[-1].rstrip("\"')"))
