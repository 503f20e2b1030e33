"""Kubeconfigs with ``insecure-skip-tls-verify: true``: the run goes on, and says so once.

Staging clusters are often reached that way. urllib3 then warns on every request
(``InsecureRequestWarning``), which under a ``filterwarnings = error`` policy ends the run with an
internal error, and otherwise buries the terminal. The suite reports the unverified certificate
once, as a security finding in the header and the findings, and keeps the client quiet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import urllib3

if TYPE_CHECKING:  # a Protocol urllib3 defines for type checkers only
    from urllib3._base_connection import BaseHTTPConnection

# How the report names the finding; the context is added where it is known.
FINDING: Final = "API server certificate not verified"


class _QuietUnverifiedPool(urllib3.HTTPSConnectionPool):
    """An HTTPS pool that connects as urllib3's does, without the per-request warning.

    Only for a client whose kubeconfig asked for no verification: the run reports that once instead.
    """

    def _validate_conn(self, conn: BaseHTTPConnection) -> None:
        # urllib3's HTTPSConnectionPool._validate_conn minus its warning: the base check, then connect
        # early so the connection is validated before the request (urllib3 2.x does the same).
        urllib3.HTTPConnectionPool._validate_conn(self, conn)  # noqa: SLF001 - the step being reproduced
        if conn.is_closed:
            conn.connect()


def is_unverified(api_client: Any) -> bool:
    """Whether a ``kubernetes`` ApiClient was configured not to verify the server's certificate."""
    configuration = api_client.configuration
    return bool(str(configuration.host).startswith("https:") and not configuration.verify_ssl)


def quiet_unverified(api_client: Any) -> None:
    """Stop *api_client*'s per-request ``InsecureRequestWarning`` (the caller reports the finding)."""
    pool_manager = api_client.rest_client.pool_manager
    pool_manager.pool_classes_by_scheme = {**pool_manager.pool_classes_by_scheme, "https": _QuietUnverifiedPool}


def finding(context: str) -> str:
    """The finding's text for the report header and the findings."""
    return (
        f"{FINDING} (insecure-skip-tls-verify in context {context}): anyone on the network path can impersonate "
        "the API server and read the credentials sent to it; set certificate-authority-data in the kubeconfig"
    )
