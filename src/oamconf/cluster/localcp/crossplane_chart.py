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

import json
from pathlib import Path
from typing import Final

from kubernetes import client as k8s_client
from kubernetes import config as k8s_config

from oamconf.cluster.commands import run
from oamconf.cluster.localcp.controlplane import CONTEXT, LocalControlPlane

RELEASE: Final = "crossplane"
NAMESPACE: Final = "crossplane-system"
HELM_TIMEOUT: Final = 180.0
# As long as one run can take; the token dies with the ServiceAccount when the chart is uninstalled.
TOKEN_SECONDS: Final = 24 * 3600


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


def service_account_kubeconfig(plane: LocalControlPlane, account: str, path: Path) -> Path:
    """A kubeconfig at *path* for ``crossplane-system/<account>``, with a token from the TokenRequest API."""
    api = k8s_config.new_client_from_config(  # type: ignore[no-untyped-call] # unannotated upstream
        config_file=str(plane.kubeconfig), context=CONTEXT, persist_config=False
    )
    try:
        # No audiences: the API server's own, which it accepts from a client.
        spec = k8s_client.V1TokenRequestSpec(audiences=[], expiration_seconds=TOKEN_SECONDS)
        request = k8s_client.AuthenticationV1TokenRequest(spec=spec)
        answer = k8s_client.CoreV1Api(api).create_namespaced_service_account_token(account, NAMESPACE, request)
    finally:
        api.close()
    user = f"system:serviceaccount:{NAMESPACE}:{account}"
    cluster = {"server": plane.server, "certificate-authority": str(plane.pki.ca.cert) if plane.pki else ""}
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": cluster}],
        "users": [{"name": user, "user": {"token": answer.status.token if answer.status else ""}}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": user}}],
        "current-context": CONTEXT,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path
