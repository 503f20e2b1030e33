"""A kubeconfig that authenticates as a ServiceAccount of the local control plane, as its pod would.

The local tier runs the platform's controllers as processes; each gets a TokenRequest token of the
ServiceAccount its chart or Crossplane gave it, so the API server authorises it with that account's RBAC, not
as the admin. The token is learnt by the run's redactor when it is issued (``KubeCluster.request_token``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from oamconf.cluster.localcp.controlplane import CONTEXT, LocalControlPlane
from oamconf.errors import ConformanceError
from oamconf.k8s.kube import KubeCluster
from oamconf.redact import Redactor

TOKEN_SECONDS: Final = 24 * 3600  # longer than any run; nothing refreshes it (a kubelet would, hourly)


def service_account_kubeconfig(
    plane: LocalControlPlane, namespace: str, account: str, path: Path, *, redactor: Redactor | None = None
) -> Path:
    """Write a kubeconfig at *path* (0600) for ``system:serviceaccount:<namespace>:<account>``; its path.

    Raises:
        ConformanceError: the control plane has no certificates yet, or the TokenRequest was refused.
    """
    if plane.pki is None:
        raise ConformanceError("the control plane has no certificates yet: start it first")
    admin = KubeCluster.from_kubeconfig(plane.kubeconfig, CONTEXT, secrets=redactor)
    try:
        token = admin.request_token(namespace, account, seconds=TOKEN_SECONDS)
    finally:
        admin.close()
    user = f"system:serviceaccount:{namespace}:{account}"
    cluster = {"server": plane.server, "certificate-authority": str(plane.pki.ca.cert)}
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": cluster}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": user}}],
        "current-context": CONTEXT,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path
