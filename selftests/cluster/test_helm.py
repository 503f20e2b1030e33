"""The helm handle runs `helm upgrade --install` with the exact arguments, and reports helm's own error."""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster.standins import write_standin
from oamconf.cluster.commands import CommandFailed
from oamconf.cluster.helm import Helm
from oamconf.errors import UsageError
from oamconf.platform.versions import Chart

ARGO_HTTPS = Chart("https://argoproj.github.io/argo-helm", "argo-cd", "10.1.1")
ARGO_OCI = Chart("oci://ghcr.io/argoproj/argo-helm", "argo-cd", "10.1.1")


def test_an_https_chart_is_installed_with_repo_version_namespace_values_context_and_kubeconfig(tmp_path: Path) -> None:
    helm_bin = write_standin(tmp_path / "bin", "helm", "")
    values = [tmp_path / "argo-cd.yaml", tmp_path / "more.yaml"]
    helm = Helm(helm_bin.path, kubeconfig=tmp_path / "kubeconfig", context="kind-oam")

    helm.upgrade_install("argocd", ARGO_HTTPS, namespace="argocd", values_files=values, timeout=300)

    assert helm_bin.calls() == [
        [
            "upgrade", "--install", "argocd", "argo-cd",
            "--repo", "https://argoproj.github.io/argo-helm",
            "--version", "10.1.1",
            "--namespace", "argocd", "--create-namespace",
            "-f", str(values[0]), "-f", str(values[1]),
            "--timeout", "300s",
            "--kube-context", "kind-oam",
            "--kubeconfig", str(tmp_path / "kubeconfig"),
        ]
    ]  # fmt: skip


def test_an_oci_chart_is_referenced_as_registry_slash_chart_without_repo(tmp_path: Path) -> None:
    helm_bin = write_standin(tmp_path / "bin", "helm", "")
    helm = Helm(helm_bin.path, kubeconfig=None, context=None)

    helm.upgrade_install("argocd", ARGO_OCI, namespace="argocd", timeout=120)

    assert helm_bin.calls() == [
        [
            "upgrade", "--install", "argocd", "oci://ghcr.io/argoproj/argo-helm/argo-cd",
            "--version", "10.1.1", "--namespace", "argocd", "--create-namespace", "--timeout", "120s",
        ]
    ]  # fmt: skip


def test_running_the_same_install_twice_runs_the_same_command_twice(tmp_path: Path) -> None:
    helm_bin = write_standin(tmp_path / "bin", "helm", "")
    helm = Helm(helm_bin.path, kubeconfig=None, context="kind-oam")

    for _ in range(2):
        helm.upgrade_install("argocd", ARGO_HTTPS, namespace="argocd", timeout=60)

    first, second = helm_bin.calls()
    assert first == second
    assert first[:2] == ["upgrade", "--install"]


def test_a_failing_helm_raises_command_failed_ending_with_helms_error_line(tmp_path: Path) -> None:
    body = """\
    print("Release \\"argocd\\" does not exist. Installing it now.")
    print("Error: INSTALLATION FAILED: chart \\"argo-cd\\" version \\"99.0.0\\" not found in "
          "https://argoproj.github.io/argo-helm repository", file=sys.stderr)
    sys.exit(1)
    """
    helm_bin = write_standin(tmp_path / "bin", "helm", body)
    helm = Helm(helm_bin.path, kubeconfig=None, context=None)

    with pytest.raises(CommandFailed) as caught:
        helm.upgrade_install(
            "argocd", Chart(ARGO_HTTPS.repository, "argo-cd", "99.0.0"), namespace="argocd", timeout=60
        )

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("`helm upgrade --install argocd argo-cd")
    assert message.endswith(
        'failed (exit 1): Error: INSTALLATION FAILED: chart "argo-cd" version "99.0.0" not found in '
        "https://argoproj.github.io/argo-helm repository"
    )


def test_a_missing_helm_binary_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    helm = Helm(tmp_path / "no-such-helm", kubeconfig=None, context=None)

    with pytest.raises(UsageError, match="no-such-helm not found"):
        helm.upgrade_install("argocd", ARGO_HTTPS, namespace="argocd", timeout=60)


def test_an_empty_chart_version_never_reaches_helm(tmp_path: Path) -> None:
    helm_bin = write_standin(tmp_path / "bin", "helm", "")
    helm = Helm(helm_bin.path, kubeconfig=None, context=None)
    chart = Chart(repository="https://charts.crossplane.io/stable", chart="crossplane", chart_version="")
    with pytest.raises(UsageError, match="chart crossplane has no version"):
        helm.upgrade_install_argv("crossplane", chart, namespace="crossplane-system", timeout=60)
    assert helm_bin.calls() == []
