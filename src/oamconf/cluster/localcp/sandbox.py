"""A pod-like sandbox: a binary run as a process that sees what a container of a pod would see.

A provider whose ProviderConfig says ``InjectedIdentity`` calls ``rest.InClusterConfig()``: it reads the
service-account token and CA at ``/run/secrets/kubernetes.io/serviceaccount`` (``/var/run`` is a link to
``/run``) and dials ``KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT``. Here the process gets exactly that,
honestly: its own mount namespace (``unshare --mount --propagation private``), a tmpfs over ``/run`` holding a
real TokenRequest token of the ServiceAccount the pod would run as, the API server's CA and the namespace,
and the API server's loopback address in the environment. ``sandbox_exec`` does the steps inside the
namespace and then becomes the binary, so the pid ``OwnedProcess`` holds is the binary's own. Its
environment is a pod's: only what the spec sets (no ``KUBECONFIG``, so controller-runtime's ``GetConfig``
falls through to the in-cluster config as in a pod), with ``HOME`` and ``TMPDIR`` in the tmpfs, which goes
with the namespace when the process ends: nothing is left on the host's file system.

The network is the host's unless the pod asks for its own (``own_network``): then its fixed ports (two
controller-runtime managers both want ``:8080`` for metrics) are its own, as in a pod, and the API server's
loopback port, with any other named in ``forward``, is forwarded in (``sandbox_net``); a port it listens on is
then out of the host's reach.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from oamconf.cluster.localcp.certs import LOOPBACK
from oamconf.cluster.localcp.process import OwnedProcess, start
from oamconf.cluster.localcp.sandbox_exec import RUN, SPEC_VARIABLE
from oamconf.errors import ConformanceError, one_line
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.wait import Observation

SERVICE_ACCOUNT_DIR: Final = RUN / "secrets" / "kubernetes.io" / "serviceaccount"
HOME: Final = RUN / "home"
TMPDIR: Final = RUN / "tmp"
PATH: Final = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# A kubelet asks for an hour and refreshes; nothing refreshes here, so the token outlives a whole local run.
TOKEN_SECONDS: Final = 24 * 3600
UNSHARE: Final = ("unshare", "--mount", "--propagation", "private", "--")


class SandboxUnavailable(ConformanceError):
    """This machine does not let the suite make a mount namespace (``unshare`` needs CAP_SYS_ADMIN)."""


@dataclass(frozen=True)
class PodIdentity:
    """Who the process is to the API server: a ServiceAccount's token, with the CA that verifies the server."""

    namespace: str
    service_account: str
    token: str
    ca_pem: str

    @classmethod
    def request(cls, cluster: KubeCluster, ca: Path, namespace: str, service_account: str) -> PodIdentity:
        """A real TokenRequest for *service_account* in *namespace* (it must exist), as a kubelet makes one.

        Raises:
            ApiError: the API server refused (the ServiceAccount missing: a 404 naming it).
        """
        token = cluster.request_token(namespace, service_account, seconds=TOKEN_SECONDS)
        return cls(namespace, service_account, token, ca.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Pod:
    """One sandboxed process.

    Parameters:
        name: the process's name in logs and errors.
        argv: the binary (an absolute path) and its arguments.
        identity: the service account the process runs as (``None``: no token mounted, as with
            ``automountServiceAccountToken: false``).
        api_port: the API server's port on loopback (``KUBERNETES_SERVICE_PORT``).
        env: more environment variables (a container's ``env``).
        files: more files by path, under ``/run`` (a serving certificate, mode 0600).
        hosts: names the process resolves to an address (``/etc/hosts``), e.g. a Service's DNS names.
        own_network: a network namespace of its own (``sandbox_net``), so its fixed ports are its own; the API
            server's port and *forward* reach the host's loopback from there, nothing else does.
        forward: more host loopback ports it dials (a chart repository), with *own_network*.
        private_tmp: a ``/tmp`` of its own (a tmpfs), as a container's: provider-helm caches the charts it pulls
            in ``/tmp/charts``, which on the host would outlive the run and serve the next run's Releases even
            from a repository that cannot be reached.
    """

    name: str
    argv: Sequence[str | Path]
    identity: PodIdentity | None
    api_port: int
    env: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[Path, str] = field(default_factory=dict)
    hosts: Mapping[str, str] = field(default_factory=dict)
    own_network: bool = False
    forward: Sequence[int] = ()
    private_tmp: bool = False

    def spec(self) -> dict[str, object]:
        """What ``sandbox_exec`` reads: the files, folders, hosts, argv and the whole environment."""
        who = self.identity
        files = []
        if who is not None:
            files += [
                {"path": str(SERVICE_ACCOUNT_DIR / "token"), "text": who.token, "mode": 0o600},
                {"path": str(SERVICE_ACCOUNT_DIR / "ca.crt"), "text": who.ca_pem, "mode": 0o644},
                {"path": str(SERVICE_ACCOUNT_DIR / "namespace"), "text": who.namespace, "mode": 0o644},
            ]
        files += [{"path": str(path), "text": text, "mode": 0o600} for path, text in self.files.items()]
        env = {
            "PATH": PATH,
            "HOME": str(HOME),
            "TMPDIR": str(TMPDIR),
            "KUBERNETES_SERVICE_HOST": LOOPBACK,
            "KUBERNETES_SERVICE_PORT": str(self.api_port),
            **self.env,
        }
        return {
            "argv": [str(word) for word in self.argv],
            "files": files,
            "folders": [str(HOME), str(TMPDIR)],
            "hosts": dict(self.hosts),
            "workdir": str(HOME),
            "forward": [self.api_port, *self.forward] if self.own_network else None,
            "private_tmp": self.private_tmp,
            "env": env,
        }


def start_pod(pod: Pod, *, log: Path, ready: Callable[[], Observation]) -> OwnedProcess:
    """Start *pod* in a mount namespace of its own; stop it with ``process.stop``/``stop_all`` by its pid.

    Raises:
        SandboxUnavailable: ``unshare --mount`` is not permitted here (one line saying so).
    """
    refusal = unshare_refusal()
    if refusal is not None:
        raise SandboxUnavailable(refusal)
    argv = [*UNSHARE, sys.executable, "-m", "oamconf.cluster.localcp.sandbox_exec"]
    return start(pod.name, argv, log=log, ready=ready, env={SPEC_VARIABLE: json.dumps(pod.spec())})


# A private mount namespace with a tmpfs over /run: what every sandbox needs first.
PROBE: Final = (*UNSHARE, "mount", "-t", "tmpfs", "oamconf-probe", str(RUN))


@functools.cache
def unshare_refusal() -> str | None:
    """``None`` when a private mount namespace with a tmpfs can be made here, else the one line saying why not."""
    return refusal(PROBE)


def refusal(probe: Sequence[str]) -> str | None:
    """Run *probe* (``PROBE``, perhaps as another user); ``None`` when it works, else the one line saying why not."""
    try:
        proc = subprocess.run(probe, capture_output=True, text=True, timeout=30, check=False)  # noqa: S603 - argv
    except (OSError, subprocess.SubprocessError) as err:
        return f"the pod-like sandbox needs util-linux's unshare and mount: {one_line(str(err))}"
    if proc.returncode == 0:
        return None
    said = one_line(proc.stderr.strip() or f"exit code {proc.returncode}", 200)
    return (
        f"the pod-like sandbox needs a mount namespace and `unshare --mount` was refused ({said}): run as root "
        "or with CAP_SYS_ADMIN (a container: --cap-add SYS_ADMIN), or without the providers' InjectedIdentity"
    )
