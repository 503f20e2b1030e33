"""``KubeCluster``: the ``Cluster`` interface on the official ``kubernetes`` client.

Every kind, custom resources included, goes through the dynamic client (``kube_discovery``), so the suite needs no
generated models for Crossplane, KubeVela or Argo CD. Client exceptions never leave this module:
they become ``ApiError`` subclasses whose one-line message says what the API server answered.
Kubeconfig files and contexts are checked in ``kubeconfig``; port-forwards run ``kubectl``
(``portforward``), which already knows every auth plugin a kubeconfig may use. The API server
inside a vCluster is a ``KubeCluster`` too, opened through the host (``kube_vcluster``).
"""

from __future__ import annotations

import builtins
import contextlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from kubernetes import client as k8s_client

from oamconf.errors import UsageError
from oamconf.k8s.api import FIELD_MANAGER, Change, Cluster, Endpoint, Event, KubeObject, Ref, label_selector
from oamconf.k8s.apierrors import NotFound, api_errors
from oamconf.k8s.kube_discovery import Discovery
from oamconf.k8s.kube_events import events_of
from oamconf.k8s.kube_watch import changes, open_watch
from oamconf.k8s.kubeconfig import new_client
from oamconf.k8s.portforward import kubectl_port_forward
from oamconf.k8s.unverified import finding, is_unverified, quiet_unverified
from oamconf.redact import SecretSink, remember_secret

REQUEST_TIMEOUT: Final = 30.0
FORWARD_TIMEOUT: Final = 30.0


class KubeCluster:
    """A real cluster reached through a kubeconfig context.

    Parameters:
        api_client: a configured ``kubernetes.client.ApiClient``.
        context_name: the name reports show (the kube context).
        kubeconfig, context: handed to ``kubectl port-forward`` when set.
        secrets: told about every Secret value this backend reads, so reports can mask it.
        request_timeout: seconds per API request, so a silent server cannot hang a wait.
        forward_timeout: seconds ``kubectl port-forward`` may take to report its local port.
    """

    def __init__(
        self,
        api_client: Any,
        *,
        context_name: str,
        kubeconfig: Path | None = None,
        context: str | None = None,
        secrets: SecretSink | None = None,
        request_timeout: float = REQUEST_TIMEOUT,
        forward_timeout: float = FORWARD_TIMEOUT,
    ) -> None:
        self._api = api_client
        self._name = context_name
        self._kubectl_flags = ["--kubeconfig", str(kubeconfig)] if kubeconfig else []
        if context:
            self._kubectl_flags += ["--context", context]
        self._secrets = secrets
        self._timeout = request_timeout
        self._forward_timeout = forward_timeout
        self._discovery = Discovery(api_client, self._errors)
        # A kubeconfig with insecure-skip-tls-verify: reported once as a finding, not warned per request.
        self.tls_finding = finding(context_name) if is_unverified(api_client) else None
        if self.tls_finding is not None:
            quiet_unverified(api_client)
        if secrets is not None:  # the kubeconfig's bearer token, under whatever key this client uses
            for value in api_client.configuration.api_key.values():
                secrets.add_secret(str(value).removeprefix("Bearer").strip())

    @classmethod
    def from_kubeconfig(
        cls,
        path: Path | None,
        context: str | None,
        *,
        secrets: SecretSink | None = None,
        request_timeout: float = REQUEST_TIMEOUT,
        forward_timeout: float = FORWARD_TIMEOUT,
    ) -> KubeCluster:
        """Connect through a kubeconfig; nothing is sent to the API server yet.

        Parameters:
            path: the kubeconfig file; ``None`` follows ``KUBECONFIG``, then ``~/.kube/config``.
            context: a context in it; ``None`` takes its current-context.
            secrets: the run's redactor (or any ``SecretSink``).
            request_timeout, forward_timeout: as for the constructor.

        Raises:
            UsageError: the file is missing or unparsable, or the context is not in it.
        """
        api_client, chosen = new_client(path, context)
        return cls(
            api_client,
            context_name=chosen,
            kubeconfig=path,
            context=context,
            secrets=secrets,
            request_timeout=request_timeout,
            forward_timeout=forward_timeout,
        )

    @property
    def name(self) -> str:
        return self._name

    @property
    def server(self) -> str:
        """The API server URL from the kubeconfig."""
        return str(self._api.configuration.host)

    def close(self) -> None:
        """Release connections and the discovery cache."""
        self._api.close()
        self._discovery.close()

    def server_version(self) -> str:
        """The server's ``gitVersion``: the cheapest proof that this context answers.

        Raises:
            ClusterUnreachable: no answer from the server URL.
            AccessDenied: the credentials were refused.
        """
        with self._errors():
            # Raw JSON: the generated model rejects servers that leave optional fields out.
            response: Any = k8s_client.VersionApi(self._api).get_code(
                _preload_content=False, _request_timeout=self._timeout
            )
        return str(json.loads(response.data).get("gitVersion") or "unknown")

    def apply(self, manifest: Mapping[str, Any], *, field_manager: str = FIELD_MANAGER) -> KubeObject:
        """Server-side apply *manifest*, forcing conflicts: the suite owns what it applies."""
        ref = Ref.of(manifest)
        resource = self._resource(ref.api_version, ref.kind)
        if not ref.name:  # server-side apply addresses the object by name; the client would raise a bare ValueError
            raise UsageError(f"a {ref.kind} ({ref.api_version}) without metadata.name: set it in its manifest")
        if resource.namespaced and not ref.namespace:
            raise UsageError(f"{ref} ({ref.api_version}) is namespaced: set metadata.namespace in its manifest")
        with self._errors():
            response = self._client().server_side_apply(
                resource,
                body=dict(manifest),
                namespace=ref.namespace if resource.namespaced else None,
                field_manager=field_manager,
                force_conflicts=True,
                serialize=False,
                _request_timeout=self._timeout,
            )
        return KubeObject(self._read(response.data, ref.api_version, ref.kind))

    def get(self, ref: Ref) -> KubeObject | None:
        """The live object, or ``None`` on 404."""
        resource = self._resource(ref.api_version, ref.kind)
        with contextlib.suppress(NotFound), self._errors():
            response = self._client().get(
                resource, name=ref.name, namespace=ref.namespace, serialize=False, _request_timeout=self._timeout
            )
            return KubeObject(self._read(response.data, ref.api_version, ref.kind))
        return None

    def watch(self, ref: Ref, *, resource_version: str | None, timeout: int) -> Iterator[Change]:
        """The changes of *ref* after *resource_version* for up to *timeout* seconds (``kube_watch``)."""
        resource = self._resource(ref.api_version, ref.kind)
        with self._errors():
            response = open_watch(
                self._client(), resource, ref, resource_version, timeout, request_timeout=self._timeout
            )
        return changes(response, ref, self.server, self._remember)

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> builtins.list[KubeObject]:
        """Objects of a kind in *namespace* (all when ``None``) matching the equality *labels*."""
        items = self._items(api_version, kind, namespace, label_selector=label_selector(labels) or None)
        # List items carry no apiVersion/kind; a KubeObject needs them to know its own Ref.
        return [KubeObject(self._remember({"apiVersion": api_version, "kind": kind, **i})) for i in items]

    def delete(self, ref: Ref) -> bool:
        """Delete with background propagation; ``False`` when it was already gone."""
        resource = self._resource(ref.api_version, ref.kind)
        with contextlib.suppress(NotFound), self._errors():
            self._client().delete(
                resource,
                name=ref.name,
                namespace=ref.namespace,
                propagation_policy="Background",
                serialize=False,
                _request_timeout=self._timeout,
            )
            return True
        return False

    def request_token(self, namespace: str, service_account: str, *, seconds: int) -> str:
        """A token for the ServiceAccount from the API server's TokenRequest, as the kubelet mounts into a pod
        (``serviceaccounts/token``); the secrets sink learns it before anyone can print it."""
        subresource = self._resource("v1", "ServiceAccount").subresources["token"]
        body = {"spec": {"expirationSeconds": seconds}}
        with self._errors():  # the subresource's own create puts the name in the path; the client's would not
            response = subresource.create(
                body=body, name=service_account, namespace=namespace, serialize=False, _request_timeout=self._timeout
            )
        token = str(json.loads(response.data)["status"]["token"])
        if self._secrets is not None:
            self._secrets.add_secret(token)
        return token

    def events(self, ref: Ref) -> builtins.list[Event]:
        """core/v1 Events whose involvedObject is *ref*, oldest first."""
        selector = [f"involvedObject.name={ref.name}", f"involvedObject.kind={ref.kind}"]
        if ref.namespace:
            selector.append(f"involvedObject.namespace={ref.namespace}")
        items = self._items("v1", "Event", ref.namespace, field_selector=",".join(selector))
        return events_of(items)

    def pod_logs(
        self, namespace: str, pod: str, *, container: str | None = None, tail_lines: int = 200, previous: bool = False
    ) -> str:
        """The last *tail_lines* lines of a container's log (of its previous run with *previous*)."""
        with self._errors():
            text = k8s_client.CoreV1Api(self._api).read_namespaced_pod_log(
                pod,
                namespace,
                container=container,
                tail_lines=tail_lines,
                previous=previous,
                _request_timeout=self._timeout,
            )
        return str(text)

    def port_forward(self, namespace: str, service: str, port: int) -> contextlib.AbstractContextManager[Endpoint]:
        """Run ``kubectl port-forward svc/<service> :<port> -n <namespace>`` while the context is open.

        Raises:
            UsageError: kubectl is not on PATH.
            ApiError: kubectl exited, or printed no local port within the forward timeout.
        """
        return kubectl_port_forward(
            namespace, service, port, kubectl_flags=self._kubectl_flags, timeout=self._forward_timeout
        )

    def open_vcluster(self, namespace: str, name: str) -> contextlib.AbstractContextManager[Cluster]:
        """The API server inside vCluster *name*, TLS verified against its CA (``kube_vcluster.open_vcluster``)."""
        from oamconf.k8s.kube_vcluster import open_vcluster  # noqa: PLC0415 - it subclasses KubeCluster: a cycle at the top

        timeouts = {"request_timeout": self._timeout, "forward_timeout": self._forward_timeout}
        return open_vcluster(self, namespace, name, secrets=self._secrets, **timeouts)

    # -- internals -------------------------------------------------------------------------

    def _client(self) -> Any:
        return self._discovery.client()

    def _resource(self, api_version: str, kind: str) -> Any:
        return self._discovery.resource(api_version, kind)

    def _items(self, api_version: str, kind: str, namespace: str | None, **query: Any) -> builtins.list[Any]:
        resource = self._resource(api_version, kind)
        with self._errors():
            response = self._client().get(
                resource, namespace=namespace, serialize=False, _request_timeout=self._timeout, **query
            )
        return builtins.list(json.loads(response.data).get("items") or [])

    def _read(self, data: bytes, api_version: str, kind: str) -> dict[str, Any]:
        raw: dict[str, Any] = json.loads(data)
        raw.setdefault("apiVersion", api_version)
        raw.setdefault("kind", kind)
        return self._remember(raw)

    def _remember(self, raw: dict[str, Any]) -> dict[str, Any]:
        remember_secret(self._secrets, raw)
        return raw

    def _errors(self) -> contextlib.AbstractContextManager[None]:
        """Translate client exceptions; a 404 becomes ``NotFound`` for the callers that expect one."""
        return api_errors(self.server)
