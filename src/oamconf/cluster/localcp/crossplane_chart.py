"""Crossplane's own chart on the local control plane, for the identity its processes run with.

The chart at the pinned tag (``cluster/charts/crossplane`` in the Go module) is packaged at its release
version with the tool cache's helm and installed as a user installs it: its ServiceAccounts, ClusterRoles
(aggregated by kube-controller-manager), bindings and Deployments are the real ones; kwok simulates the
Deployments' pods (no container runs) while Crossplane itself runs as processes beside them (``crossplane.py``),
and the report header says so. Each
process gets a kubeconfig holding a TokenRequest token of the chart's ServiceAccount (``crossplane``,
``rbac-manager``), so the API server authorises it exactly as it would the pod.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from oamconf.cluster.commands import run
from oamconf.cluster.localcp.controlplane import CONTEXT, LocalControlPlane

RELEASE: Final = "crossplane"
NAMESPACE: Final = "crossplane-system"
HELM_TIMEOUT: Final = 180.0


def install_chart(helm: Path, chart_folder: Path, version: str, plane: LocalControlPlane, work: Path) -> Path:
    """Package the chart in *chart_folder* as *version* (``2.3.4``; its Chart.yaml says 0.0.1 until a release
    sets it) and install it into ``crossplane-system``; the packaged chart's path.

    Raises:
        CommandFailed: helm failed (its last error line).
    """
    work.mkdir(parents=True, exist_ok=True)
    run([helm, "package", chart_folder, "--version", version, "--app-version", f"v{version}", "-d", work],
        timeout=HELM_TIMEOUT)  # fmt: skip
    chart = work / f"crossplane-{version}.tgz"
    target = ["--kubeconfig", str(plane.kubeconfig), "--kube-context", CONTEXT]
    install: list[str | Path] = [helm, "upgrade", "--install", RELEASE, chart, "--namespace", NAMESPACE]
    run([*install, "--create-namespace", *target], timeout=HELM_TIMEOUT)
    return chart
