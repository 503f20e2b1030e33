"""The offline target: an in-memory cluster seeded from a scenario file, with real local endpoints.

``--scenario FILE`` runs the same step modules against ``MemoryCluster``; ``--endpoint
NAME=HOST:PORT`` binds a scenario Service to a real local server (PostgreSQL, Redis, a TLS API),
so probes do real work through the in-memory port-forward.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from oamconf.errors import UsageError
from oamconf.k8s.api import Endpoint
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.scenario import load_scenario
from oamconf.redact import Redactor


def parse_endpoint(text: str) -> tuple[str, Endpoint]:
    """``postgresql=127.0.0.1:5432`` -> ``("postgresql", Endpoint("127.0.0.1", 5432))``."""
    name, sep, address = text.partition("=")
    host, colon, port = address.rpartition(":")
    if not (sep and colon and name and host and port.isdigit()):
        raise UsageError(f"--endpoint {text!r}: use NAME=HOST:PORT, e.g. postgresql=127.0.0.1:5432")
    return name, Endpoint(host, int(port))


def connect_scenario(scenarios: Sequence[Path], endpoints: Mapping[str, Endpoint], redactor: Redactor) -> MemoryCluster:
    """Load the scenario files (composed into one cluster); its Secrets are told to *redactor* as the real
    backend does.

    Raises:
        UsageError: a malformed scenario file, or an endpoint no scenario Service uses.
    """
    return load_scenario(scenarios, dict(endpoints), secrets=redactor)
