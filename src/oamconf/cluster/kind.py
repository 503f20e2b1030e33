"""A kind cluster handle: create, find, fetch the kubeconfig and server of, export the logs of, and delete one.

Why not pytest-kubernetes' ``KindManagerBase`` (no longer a dependency): the design asked for it, but after reading
``pytest_kubernetes/providers/{base,kind}.py`` (0.9) nothing of value is left once its defects
are overridden, and what would remain inherited is dangerous:

* ``_exec`` joins the arguments into one string run by a shell, so a kind binary or a
  kubeconfig under a path with spaces breaks, and a path is parsed by a shell;
* ``_set_cluster_name`` renames any cluster to ``pytest-<name>``, so ``oamconf-e2e`` would become
  ``pytest-oamconf-e2e`` and its context ``kind-pytest-oamconf-e2e`` (the guard keys on our names);
* ``_on_create`` drops ``--name`` and ``--image`` when a config file is given, never passes
  ``--wait``, and builds an image tag (``kindest/node:v1.25.3``) that cannot carry a digest;
* ``create``/``ready``/``delete`` sleep in loops and probe through its ``Kubectl``, which is also a
  shell string; ``create`` puts the kubeconfig in a temporary file and ``delete`` unlinks it;
* the inherited ``kubectl``/``apply``/``wait``/``logs`` run through that shell too, and ``apply``
  pipes a manifest through ``echo '<yaml>' |``, so Secrets would appear on a command line.

What was left is two argument lists (``delete cluster --name``, ``load docker-image``), so this
is a thin wrapper over ``commands.run``: argument lists, the resolved kind binary, no sleeping
(kind's own ``--wait`` blocks until the control plane is Ready), and kind's stderr in every error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from oamconf.cluster.commands import CommandFailed, Completed, display, run
from oamconf.errors import UsageError
from oamconf.k8s.kubeconfig import server_of
from oamconf.redact import Redactor
from oamconf.yamlio import YAMLError, load_kubernetes

CONTEXT_PREFIX: Final = "kind-"
# kind's --wait takes a Go duration; without a unit it is rejected (platform-facts §6).
_DURATION: Final = re.compile(r"^\d+(ms|s|m|h)$")
# Creating pulls the node image on a fresh runner (1-3 min) and then waits for the control
# plane (--wait 5m), so the process timeout must be well above both.
CREATE_TIMEOUT: Final = 900.0
EXPORT_TIMEOUT: Final = 300.0
QUERY_TIMEOUT: Final = 120.0


def context_name(cluster_name: str) -> str:
    """The kubeconfig context kind writes for a cluster: ``kind-<name>``."""
    return f"{CONTEXT_PREFIX}{cluster_name}"


@dataclass(frozen=True)
class KindCluster:
    """One kind cluster, by name, driven through one kind binary.

    Parameters:
        name: the kind cluster name (``--name``).
        binary: the kind executable: a resolved path (possibly downloaded), or a name on PATH.
        redactor: masks secrets in error messages (kubeconfigs carry client keys).
    """

    name: str
    binary: Path | str = "kind"
    redactor: Redactor | None = None

    @property
    def context(self) -> str:
        return context_name(self.name)

    def clusters(self) -> list[str]:
        """The names of every kind cluster on this machine (``kind get clusters``).

        Raises:
            UsageError: the kind binary does not exist.
            CommandFailed: kind failed (e.g. no container runtime answers).
        """
        # With no clusters, kind prints "No kind clusters found." on stderr and nothing on stdout.
        return self._kind("get", "clusters").stdout.split()

    def exists(self) -> bool:
        """Whether a kind cluster of this name exists on this machine (an exact name match)."""
        return self.name in self.clusters()

    def create(self, config: Path, node_image: str, kubeconfig: Path, wait: str = "5m") -> None:
        """Create the cluster and write its kubeconfig to *kubeconfig*; returns once it is Ready.

        Parameters:
            config: the kind config file (``--config``).
            node_image: the node image for every node (``--image``), pinned by digest.
            kubeconfig: the file kind writes the cluster's context into (``--kubeconfig``).
            wait: how long kind waits for the control plane, a duration with a unit (``5m``).

        Raises:
            UsageError: *wait* has no unit, or the kind binary does not exist.
            CommandFailed: kind failed; the message ends with kind's error line.
        """
        if not _DURATION.match(wait):
            raise UsageError(f"kind --wait {wait!r}: give a duration with a unit, e.g. 5m or 300s")
        kubeconfig.parent.mkdir(parents=True, exist_ok=True)
        argv = ["create", "cluster", "--name", self.name, "--config", str(config), "--image", node_image]
        argv += ["--kubeconfig", str(kubeconfig), "--wait", wait]
        try:
            self._kind(*argv, timeout=CREATE_TIMEOUT)
        except CommandFailed as err:
            if "already exist" not in err.stderr:
                raise
            hint = f"pass --reuse-cluster to use it, or remove it with `kind delete cluster --name {self.name}`"
            raise CommandFailed(err.argv, f"{err}; {hint}", err.stderr) from err

    def write_kubeconfig(self, path: Path) -> None:
        """Write the kubeconfig of an existing cluster to *path* (``kind get kubeconfig``), owner-only.

        Raises:
            CommandFailed: the cluster does not exist, or kind failed.
        """
        text = self._kind("get", "kubeconfig", "--name", self.name).stdout
        path.parent.mkdir(parents=True, exist_ok=True)
        # It holds the cluster-admin client key: readable by this user only, as kind writes it.
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
        path.write_text(text, encoding="utf-8")

    def server(self) -> str:
        """The API server URL of this cluster, from ``kind get kubeconfig`` (e.g. ``https://127.0.0.1:41235``).

        Raises:
            CommandFailed: the cluster does not exist, kind failed, or kind's kubeconfig names no server.
        """
        done = self._kind("get", "kubeconfig", "--name", self.name)
        try:
            doc = load_kubernetes(done.stdout)
        except YAMLError:
            doc = None
        server = server_of([doc], self.context)
        if server is None:
            raise CommandFailed(done.argv, f"`{display(done.argv)}` printed no server for context {self.context}")
        return server

    def export_logs(self, directory: Path) -> Path:
        """Export the nodes' logs (``kind export logs``) into *directory*, which is returned.

        Raises:
            CommandFailed: kind failed (the cluster is gone, or its nodes do not answer).
        """
        directory.mkdir(parents=True, exist_ok=True)
        self._kind("export", "logs", str(directory), "--name", self.name, timeout=EXPORT_TIMEOUT)
        return directory

    def delete(self, kubeconfig: Path | None = None) -> None:
        """Delete the cluster; with *kubeconfig*, kind removes the context from that file and
        leaves the user's default kubeconfig alone.

        Raises:
            CommandFailed: kind failed.
        """
        extra = ["--kubeconfig", str(kubeconfig)] if kubeconfig is not None else []
        self._kind("delete", "cluster", "--name", self.name, *extra, timeout=CREATE_TIMEOUT)

    def _kind(self, *args: str, timeout: float = QUERY_TIMEOUT) -> Completed:
        return run([self.binary, *args], timeout=timeout, redactor=self.redactor)
