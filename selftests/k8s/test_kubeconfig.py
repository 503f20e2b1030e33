"""Loading a kubeconfig: a missing file, bad YAML or an unknown context is a one-line ``UsageError`` naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

# selftests/ is on sys.path (pyproject pythonpath), so this folder imports as the namespace package k8s.
from k8s import fakeapi
from oamconf.errors import UsageError
from oamconf.k8s.kube import KubeCluster

# The unknown-context test reads the kubeconfig fixture, which points at a fake API server.
api, kubeconfig = fakeapi.api, fakeapi.kubeconfig


def _one_line_usage_error(path: Path | None, context: str | None) -> str:
    with pytest.raises(UsageError) as caught:
        KubeCluster.from_kubeconfig(path, context)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_missing_kubeconfig_is_a_usage_error_naming_the_file(tmp_path: Path) -> None:
    message = _one_line_usage_error(tmp_path / "nope.yaml", None)
    assert f"kubeconfig {tmp_path / 'nope.yaml'} does not exist" in message


def test_kubeconfig_from_the_environment_is_named_when_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "env-kubeconfig"))
    assert str(tmp_path / "env-kubeconfig") in _one_line_usage_error(None, None)


def test_an_unparsable_kubeconfig_is_a_usage_error_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("clusters: [\n  - name: x\n", encoding="utf-8")
    message = _one_line_usage_error(broken, None)
    assert f"kubeconfig {broken} is not valid YAML" in message


def test_an_unknown_context_is_a_usage_error_listing_the_available_ones(kubeconfig: Path) -> None:
    message = _one_line_usage_error(kubeconfig, "prod")
    assert message == f"context 'prod' is not in kubeconfig {kubeconfig}; available: fake"
