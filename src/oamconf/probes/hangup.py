"""A peer that hangs up: one fault, whichever form the timing gives it.

When the pod behind a port-forward is gone (or the port is not the server's), the forward accepts the
connection and closes it. What the client then sees depends on scheduling, not on the fault: an empty
read if the close came after its request was read, ``ECONNRESET`` if the peer reset or closed with the
request unread, ``EPIPE`` if the client wrote again after the peer's reset, ``ECONNABORTED`` where the
local stack gave up the connection, and an SSL EOF if the close came during a TLS handshake. Every probe
asks `hung_up` and words them all with `closed_before`, so the problem text, its hint and the verdict
do not depend on which form turned up.
"""

from __future__ import annotations

import errno
import ssl
from typing import Final

# The errnos of a connection the peer (or the stack under it) ended; each means "hung up" here.
HANG_UP_ERRNOS: Final = frozenset({errno.EPIPE, errno.ECONNRESET, errno.ECONNABORTED})
# The exception types Python raises for them, and for an EOF in the middle of a TLS handshake or record.
_HANG_UP_TYPES: Final = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, ssl.SSLEOFError)


def hung_up(err: BaseException) -> bool:
    """Whether *err*, or an error it was raised from or while handling, is the peer hanging up.

    Client libraries wrap the socket's error in their own (redis-py's ``ConnectionError`` carries the
    ``OSError`` as its context), so the chain is followed; a chain that loops is followed once.
    """
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _HANG_UP_TYPES):
            return True
        if isinstance(current, OSError) and current.errno in HANG_UP_ERRNOS:
            return True
        current = current.__cause__ or current.__context__
    return False


def closed_before(server: str) -> str:
    """The one wording of a hang-up in front of *server* (``Redis``, ``PostgreSQL``, ``argocd-server``)."""
    return (
        f"the connection was closed before {server} answered: the port-forward is up but cannot reach "
        f"the pod (restarting?), or the port is not {server}'s"
    )
