"""The dynamic client of one ``KubeCluster``, and the kinds it finds through the API server's discovery.

The dynamic client reads discovery (``/api``, ``/apis``) when it is built; it is built on first use so that
constructing a backend never fails on an unreachable cluster. Its discovery cache is the backend's own: the
client's default file cache is shared across runs and would outlive the CRDs it describes. A URL that answers
``/version`` and then something that is not discovery (a proxy, a health endpoint) is said in one line.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Final

from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.discovery import LazyDiscoverer
from kubernetes.dynamic.exceptions import ResourceNotFoundError

from oamconf.errors import ApiError, ClusterUnreachable, one_line

# What the client's discovery parsing raises on a JSON document of the wrong shape.
_DISCOVERY_SHAPE: Final = (KeyError, TypeError, AttributeError, IndexError)


class Discovery:
    """The dynamic client over *api_client* (a configured ``kubernetes.client.ApiClient``), built on first use.

    *errors* is the backend's own translation of client exceptions (a vCluster's names the vCluster).
    """

    def __init__(self, api_client: Any, errors: Callable[[], AbstractContextManager[None]]) -> None:
        self._api = api_client
        self._errors = errors
        self._server = str(api_client.configuration.host)
        self._dynamic: Any = None
        self.cache_dir = tempfile.mkdtemp(prefix="oamconf-discovery-")
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.cache_dir, ignore_errors=True)

    def close(self) -> None:
        """Remove the discovery cache."""
        self._cleanup()

    def client(self) -> Any:
        """The ``DynamicClient``.

        Raises:
            ClusterUnreachable: the server's discovery is not an API server's.
        """
        if self._dynamic is None:
            cache = str(Path(self.cache_dir, "discovery.json"))
            try:
                with self._errors():
                    self._dynamic = DynamicClient(  # type: ignore[no-untyped-call] # unannotated upstream
                        self._api, cache_file=cache, discoverer=LazyDiscoverer
                    )
            except ValueError as err:  # not JSON, or plain HTTP sent to an HTTPS port
                raise ClusterUnreachable(
                    f"{self._server} does not answer as an API server: {one_line(str(err))}"
                ) from err
            except _DISCOVERY_SHAPE as err:
                raise self._not_discovery(err) from err
        return self._dynamic

    def resource(self, api_version: str, kind: str) -> Any:
        """The client's resource for a kind.

        Raises:
            ApiError: ``KindNotServed`` (404) when the server does not serve it (its CRD is not installed).
        """
        client = self.client()
        try:
            with self._errors():
                return client.resources.get(api_version=api_version, kind=kind)
        except ResourceNotFoundError as err:
            message = f"the API server does not serve {api_version} {kind} (is its CRD installed?)"
            raise ApiError(404, "KindNotServed", message) from err
        except _DISCOVERY_SHAPE as err:
            raise self._not_discovery(err) from err

    def _not_discovery(self, err: Exception) -> ClusterUnreachable:
        """The client read a discovery document that is JSON but not the API's (``{}``, ``null``, a list):
        the URL answers /version like an API server and is something else (a proxy, a health endpoint)."""
        return ClusterUnreachable(
            f"{self._server} answers /version but not the API's discovery (/api, /apis) as a Kubernetes API "
            f"server does ({type(err).__name__}: {one_line(str(err), 80)}): is the kubeconfig's server URL the "
            "API server's own root, not a proxy or a health endpoint in front of it?"
        )
