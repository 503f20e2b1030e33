"""Connect to the cluster under test, or to an in-memory one seeded from a scenario file.

Preflight happens before any test: a kubeconfig that does not exist, a context that is not in
it, or an API server that does not answer ends the run with one line, before anything is
created or changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from oamconf.errors import AccessDenied, ApiError, ConformanceError, UsageError
from oamconf.k8s.api import Cluster, Endpoint
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.scenario import load_scenario
from oamconf.redact import Redactor


@dataclass(frozen=True)
class Target:
    """What the user asked to test: a kubeconfig context, or an offline scenario."""

    kubeconfig: Path | None = None
    context: str | None = None
    scenario: Path | None = None
    endpoints: Mapping[str, Endpoint] = field(default_factory=dict)

    @property
    def offline(self) -> bool:
        return self.scenario is not None


@dataclass(frozen=True)
class Connection:
    cluster: Cluster
    description: str
    server_version: str


def parse_endpoint(text: str) -> tuple[str, Endpoint]:
    """``postgresql=127.0.0.1:5432`` -> ``("postgresql", Endpoint("127.0.0.1", 5432))``."""
    name, sep, address = text.partition("=")
    host, colon, port = address.rpartition(":")
    if not (sep and colon and name and host and port.isdigit()):
        raise UsageError(f"--endpoint {text!r}: use NAME=HOST:PORT, e.g. postgresql=127.0.0.1:5432")
    return name, Endpoint(host, int(port))


def connect(target: Target, redactor: Redactor) -> Connection:
    """Open the cluster and check that it answers.

    Raises:
        UsageError: bad kubeconfig, unknown context, malformed scenario file.
        ConformanceError: the API server does not answer, or refuses the credentials.
    """
    if target.scenario is not None:
        memory = load_scenario(target.scenario, dict(target.endpoints), secrets=redactor)
        return Connection(memory, f"in-memory scenario {memory.name} ({target.scenario.name})", "scenario")
    cluster = KubeCluster.from_kubeconfig(target.kubeconfig, target.context, secrets=redactor)
    where = f"context {cluster.name}"
    try:
        version = cluster.server_version()
    except AccessDenied as err:
        raise ConformanceError(f"{where} refuses the kubeconfig's credentials ({err}): refresh them") from None
    except ApiError as err:
        raise ConformanceError(
            f"no Kubernetes API answers for {where} ({err}): start the cluster or pass --kubeconfig/--context"
        ) from None
    return Connection(cluster, where, version)
