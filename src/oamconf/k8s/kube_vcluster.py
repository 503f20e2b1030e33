"""``KubeCluster`` inside a vCluster: through the host Service ``<name>`` port 443, TLS verified against the
vCluster's own CA, signed in with the client certificate of its Secret ``vc-<name>`` (``vcluster``).

The client is pointed at ``https://127.0.0.1:<local port>`` of a host port-forward, a name vCluster's default
serving certificate covers (platform facts §3), so hostname checks stay on. Certificate verification is never
turned off: a CA that did not sign the serving certificate is an error that says so.

The kubernetes client (urllib3) and kubectl read a client certificate from files, at every new connection.
The key material is therefore written to a directory only the user can read (0700, files 0600), which lives
exactly as long as the connection and is removed when it closes.
"""

from __future__ import annotations

import contextlib
import json
import os
import ssl
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from kubernetes import client as k8s_client

from oamconf.errors import AccessDenied, ApiError, ClusterUnreachable
from oamconf.k8s.api import Cluster, Endpoint
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.vcluster import API_PORT, CA_KEY, Credentials, read_credentials, where
from oamconf.redact import SecretSink

# OpenSSL's codes for a chain that does not lead to a trusted CA: issuer not found, self-signed, no local issuer,
# and the signature failure (7) OpenSSL reports when the trusted CA has the issuer's name but not its key: a
# re-created vCluster's new CA has the old one's name (selftests/localcp/test_real_kubeconfig.py).
_UNTRUSTED: Final = frozenset({2, 7, 18, 19, 20, 21})
_WRONG_NAME: Final = frozenset({62, 64})  # HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH
_UNAUTHORIZED: Final = 401


class VClusterApi(KubeCluster):
    """A ``KubeCluster`` whose errors say which vCluster they come from, and call an untrusted certificate so."""

    def __init__(self, api_client: Any, *, namespace: str, name: str, **options: Any) -> None:
        super().__init__(api_client, **options)
        self._where = where(namespace, name)
        self._secret = f"Secret {namespace}/vc-{name}"

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            with super()._errors():
                yield
        except AccessDenied as err:
            if err.status != _UNAUTHORIZED:  # 403: RBAC inside the vCluster; its words say enough
                raise AccessDenied(err.status, err.reason, f"{self._where}: {err.message}") from err
            raise AccessDenied(
                err.status,
                err.reason,
                f"{self._where}: its API server at {self.server} refused the client certificate of {self._secret} "
                f"({err.message}): was the vCluster re-created since it was opened?",
            ) from err
        except ClusterUnreachable as err:
            raise ClusterUnreachable(self._unreachable(err)) from err

    def _unreachable(self, err: ClusterUnreachable) -> str:
        failed = _verification_error(err)
        if failed is None:
            return f"{self._where}: no answer through the port-forward to its Service: {err.message}"
        if failed.verify_code in _UNTRUSTED:
            return (
                f"{self._where}: the certificate of its API server at {self.server} is not trusted by the "
                f"vCluster's CA (key {CA_KEY} of {self._secret}): {failed.verify_message}; "
                "a re-created vCluster has a new CA: open it again"
            )
        if failed.verify_code in _WRONG_NAME:
            return (
                f"{self._where}: the certificate of its API server at {self.server} does not cover the address: "
                f"{failed.verify_message}; vCluster's default SANs include 127.0.0.1: were they replaced?"
            )
        return (
            f"{self._where}: the certificate of its API server at {self.server} is not valid: {failed.verify_message}"
        )


@contextlib.contextmanager
def open_vcluster(
    host: Cluster,
    namespace: str,
    name: str,
    *,
    secrets: SecretSink | None,
    request_timeout: float,
    forward_timeout: float,
) -> Iterator[KubeCluster]:
    """The API server inside vCluster *name* of host namespace *namespace*, while the block runs.

    Parameters:
        host: the host cluster: it holds Secret ``vc-<name>`` and forwards to Service ``<name>``.
        secrets: the host's redactor: told every value of the Secret, and of Secrets read inside.
        request_timeout, forward_timeout: as for ``KubeCluster``.

    Raises:
        ApiError: the Secret is missing or incomplete, or the port-forward fails; once open, the cluster's
            calls raise ``ClusterUnreachable`` for a certificate the CA did not sign, ``AccessDenied`` on 401.
        UsageError: kubectl is not on PATH.
    """
    credentials = read_credentials(host, namespace, name, secrets=secrets)
    with contextlib.ExitStack() as stack:
        local = _forward(stack, host, namespace, name)
        private = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="oamconf-vcluster-")))
        server = f"https://{local.host}:{local.port}"
        files = _write_files(private, credentials)
        inner = VClusterApi(
            _api_client(server, files),
            namespace=namespace,
            name=name,
            context_name=f"vcluster {name} ({namespace}) via {host.name}",
            kubeconfig=_write_kubeconfig(private, server, files),  # for port-forwards inside the vCluster
            secrets=secrets,
            request_timeout=request_timeout,
            forward_timeout=forward_timeout,
        )
        stack.callback(inner.close)
        yield inner


def _forward(stack: contextlib.ExitStack, host: Cluster, namespace: str, name: str) -> Endpoint:
    """Open the port-forward on *stack*. Only its opening is rewritten here: an error the caller's block
    raises later must reach the caller as it is."""
    try:
        return stack.enter_context(host.port_forward(namespace, name, API_PORT))
    except ApiError as err:
        message = f"{where(namespace, name)}: no port-forward to its Service {namespace}/{name} port {API_PORT}: "
        raise ApiError(err.status, err.reason, message + err.message) from err


def _write_files(directory: Path, credentials: Credentials) -> dict[str, Path]:
    files = {"ca.crt": credentials.ca_pem, "client.crt": credentials.cert_pem, "client.key": credentials.key_pem}
    for file_name, pem in files.items():
        # Created 0600 rather than chmod-ed after writing: never readable by others, not even for a moment.
        fd = os.open(directory / file_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
    return {file_name: directory / file_name for file_name in files}


def _api_client(server: str, files: dict[str, Path]) -> Any:
    configuration = k8s_client.Configuration(host=server)
    configuration.verify_ssl = True
    configuration.ssl_ca_cert = str(files["ca.crt"])
    configuration.cert_file = str(files["client.crt"])
    configuration.key_file = str(files["client.key"])
    configuration.proxy = None  # a local port-forward: never through a proxy the environment names
    return k8s_client.ApiClient(configuration)


def _write_kubeconfig(directory: Path, server: str, files: dict[str, Path]) -> Path:
    """A kubeconfig for kubectl that names the files rather than embedding them: the key stays in one place."""
    cluster = {"server": server, "certificate-authority": str(files["ca.crt"])}
    user = {"client-certificate": str(files["client.crt"]), "client-key": str(files["client.key"])}
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "vcluster", "cluster": cluster}],
        "users": [{"name": "vcluster", "user": user}],
        "contexts": [{"name": "vcluster", "context": {"cluster": "vcluster", "user": "vcluster"}}],
        "current-context": "vcluster",
    }
    path = directory / "kubeconfig"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(config, out)  # JSON is YAML, and kubectl reads either
    return path


def _verification_error(err: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification failure behind *err*, wherever urllib3 and the client wrapped it."""
    seen: set[int] = set()
    todo: list[object] = [err]
    while todo:
        found = todo.pop()
        if not isinstance(found, BaseException) or id(found) in seen:
            continue
        seen.add(id(found))
        if isinstance(found, ssl.SSLCertVerificationError):
            return found
        todo += [found.__cause__, found.__context__, getattr(found, "reason", None), *found.args]
    return None
