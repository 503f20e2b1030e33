"""Readiness checks of the local control plane's components: an HTTP(S) health endpoint answering ``ok``.

Every check verifies TLS against the run's CA (the components serve certificates from it), so a
component answering on the wrong port or with another certificate is not taken for ready.
"""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Final

from oamconf.cluster.localcp.certs import Pair
from oamconf.errors import one_line
from oamconf.k8s.wait import Observation

PROBE_TIMEOUT: Final = 2.0


def tls_context(ca: Path, client: Pair | None = None) -> ssl.SSLContext:
    """A client context trusting *ca* alone, presenting *client*'s certificate when given."""
    context = ssl.create_default_context(cafile=str(ca))
    if client is not None:
        context.load_cert_chain(str(client.cert), str(client.key))
    return context


def endpoint_ok(url: str, *, context: ssl.SSLContext | None = None, want: str = "ok") -> Callable[[], Observation]:
    """A check that *url* answers 200 with a body holding *want* (``ok``, or etcd's ``"health":"true"``)."""

    def check() -> Observation:
        try:
            with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT, context=context) as answer:  # noqa: S310 - our own loopback URL
                body = answer.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as err:
            return Observation.pending(
                f"want 200 from {url}, is {err.code}: {one_line(err.read().decode(errors='replace'), 200)}"
            )
        except (urllib.error.URLError, OSError) as err:
            return Observation.pending(f"want an answer from {url}, is {one_line(str(err), 200)}")
        return Observation.simple(want in body, f"want {want!r} from {url}, is {one_line(body, 200)!r}")

    return check
