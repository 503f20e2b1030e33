"""Port-forwards of the real backend: a stand-in ``kubectl`` shows how it is run, read and stopped."""

from __future__ import annotations

import json
import os
import socket
from contextlib import closing
from pathlib import Path

import pytest

# selftests/ is on sys.path (pyproject pythonpath), so this folder imports as the namespace package k8s.
from k8s import fakeapi, fakekubectl
from oamconf.errors import ApiError, UsageError
from oamconf.k8s.kube import KubeCluster

# The backend fixtures, shared through fakeapi.py; pytest finds a fixture by its name in this module.
api, redactor, kubeconfig, cluster = fakeapi.api, fakeapi.redactor, fakeapi.kubeconfig, fakeapi.cluster


@pytest.fixture
def kubectl_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in ``kubectl`` first on PATH; it records its argv and pid in the returned file."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "kubectl-argv.json"
    fakekubectl.write_fake_kubectl(bin_dir / "kubectl", record)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return record


def _echo(host: str, port: int) -> bytes:
    with socket.create_connection((host, port), timeout=5) as conn:
        conn.sendall(b"ping")
        return conn.recv(1024)


def test_port_forward_runs_kubectl_with_the_backends_kubeconfig_and_stops_it(
    cluster: KubeCluster, kubeconfig: Path, kubectl_record: Path
) -> None:
    with cluster.port_forward("demo", "web-db", 5432) as endpoint:
        assert _echo(endpoint.host, endpoint.port) == b"ping"
        recorded = json.loads(kubectl_record.read_text(encoding="utf-8"))

    assert recorded["argv"] == [
        "port-forward", "svc/web-db", ":5432", "-n", "demo", "--kubeconfig", str(kubeconfig), "--context", "fake"
    ]  # fmt: skip
    with pytest.raises(ProcessLookupError):
        os.kill(recorded["pid"], 0)
    with pytest.raises(ConnectionRefusedError):
        _echo(endpoint.host, endpoint.port)


def test_port_forward_reports_kubectls_error_when_it_exits(cluster: KubeCluster, kubectl_record: Path) -> None:
    with pytest.raises(ApiError) as caught, cluster.port_forward("demo", "missing", 5432):
        pytest.fail("kubectl failed, the forward must not open")

    assert kubectl_record.exists()
    assert str(caught.value) == (
        "PortForwardFailed: kubectl port-forward svc/missing :5432 -n demo exited with status 1: "
        'error: services "missing" not found'
    )


def test_port_forward_gives_up_when_kubectl_prints_no_port(kubeconfig: Path, kubectl_record: Path) -> None:
    with (
        closing(KubeCluster.from_kubeconfig(kubeconfig, None, forward_timeout=0.5)) as backend,
        pytest.raises(ApiError, match=r"printed no local port within 0\.5s"),
        backend.port_forward("demo", "silent", 80),
    ):
        pytest.fail("no port was printed, the forward must not open")

    recorded = json.loads(kubectl_record.read_text(encoding="utf-8"))
    with pytest.raises(ProcessLookupError):
        os.kill(recorded["pid"], 0)


def test_port_forward_without_kubectl_on_path_is_a_one_line_usage_error(
    cluster: KubeCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(UsageError) as caught, cluster.port_forward("demo", "web-db", 5432):
        pytest.fail("kubectl is missing, the forward must not open")

    assert str(caught.value).startswith("kubectl not found on PATH: install kubectl")
    assert "\n" not in str(caught.value)
