"""The providers' runtimes as pod-like processes (``sandbox``), and their CRDs straight from the modules.

How each runs is read from its ``cmd/provider/main.go`` at the pinned tag: provider-kubernetes v1.2.1
serves a health probe (``--health-probe-bind-addr``, ``/readyz``) and, for its Object conversion webhook,
controller-runtime's webhook server on ``:9443`` with the certificate in ``TLS_SERVER_CERTS_DIR``;
provider-helm v1.3.0 has neither (v1.4.0, the pinned one, is not served by the Go proxy: hack/tools).
Both take their API credentials from ``ctrl.GetConfig()``, which, with no ``KUBECONFIG`` and no
``--kubeconfig``, is the in-cluster config the sandbox provides: the ServiceAccount the platform's
DeploymentRuntimeConfig names (``fixtures/platform/crossplane/provider-*.yaml``).

Crossplane's package manager is what installs a provider's CRDs in a cluster (and fills in their
conversion webhook's Service and CA). Until the local tier installs packages through it, ``package_crds``
reads them from the module's ``package/crds`` and points a webhook conversion at the provider's loopback
webhook server: the same CRDs, the one difference being ``clientConfig.url`` in place of a Service.
"""

from __future__ import annotations

import base64
import copy
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from oamconf.cluster import gobuild
from oamconf.cluster.localcp.certs import LOOPBACK, Pair
from oamconf.cluster.localcp.sandbox_exec import RUN
from oamconf.errors import one_line
from oamconf.k8s.wait import Observation
from oamconf.yamlio import load_all_kubernetes

CROSSPLANE_NAMESPACE: Final = "crossplane-system"
TLS_SERVER_DIR: Final = RUN / "tls" / "server"  # Crossplane mounts the provider's serving certificate here
WEBHOOK_PORT: Final = 9443  # controller-runtime's default; provider-kubernetes has no flag for it


@dataclass(frozen=True)
class ProviderRuntime:
    """One provider: its binary in ``hack/tools/tools.toml``, its upstream module, and the ServiceAccount its
    Deployment would run as (the DeploymentRuntimeConfig's ``serviceAccountTemplate`` name)."""

    name: str
    module: str
    service_account: str
    webhook: bool  # serves a conversion webhook (needs a serving certificate)

    def version(self) -> str:
        return gobuild.load_tools()[self.name].version


PROVIDER_KUBERNETES: Final = ProviderRuntime(
    "provider-kubernetes", "github.com/crossplane-contrib/provider-kubernetes", "provider-kubernetes", webhook=True
)
PROVIDER_HELM: Final = ProviderRuntime(
    "provider-helm", "github.com/crossplane-contrib/provider-helm", "provider-helm", webhook=False
)


def package_crds(provider: ProviderRuntime, *, ca: Path) -> list[dict[str, Any]]:
    """The CRDs of the provider's ``package/crds`` at its built version, a webhook conversion pointed at
    ``https://127.0.0.1:9443/convert`` (verified with *ca*) where the package leaves the Service to Crossplane.

    Raises:
        ModuleUnavailable: the module proxy does not serve that version.
    """
    folder = gobuild.module_dir(provider.module, provider.version()) / "package" / "crds"
    bundle = base64.b64encode(ca.read_bytes()).decode()
    crds = []
    for path in sorted(folder.glob("*.yaml")):
        crds += [_loopback_conversion(doc, bundle) for doc in load_all_kubernetes(path.read_text()) if doc]
    return crds


def _loopback_conversion(manifest: Mapping[str, Any], ca_bundle: str) -> dict[str, Any]:
    crd = copy.deepcopy(dict(manifest))
    conversion = crd.get("spec", {}).get("conversion") or {}
    if conversion.get("strategy") == "Webhook":
        url = f"https://{LOOPBACK}:{WEBHOOK_PORT}/convert"
        conversion["webhook"]["clientConfig"] = {"url": url, "caBundle": ca_bundle}
    return crd


def provider_argv(binary: Path, *, health_port: int | None) -> list[str]:
    """The provider's command line: its defaults, as its Deployment has them, plus a loopback health probe."""
    argv = [str(binary)]
    if health_port is not None:
        argv.append(f"--health-probe-bind-addr={LOOPBACK}:{health_port}")
    return argv


def serving_files(serving: Pair) -> dict[Path, str]:
    """The webhook server's certificate as Crossplane mounts it (``tls.crt``, ``tls.key``)."""
    return {
        TLS_SERVER_DIR / "tls.crt": serving.cert.read_text(encoding="utf-8"),
        TLS_SERVER_DIR / "tls.key": serving.key.read_text(encoding="utf-8"),
    }


def readyz(port: int) -> Observation:
    """controller-runtime's readiness endpoint (for provider-kubernetes: the webhook server has started)."""
    url = f"http://{LOOPBACK}:{port}/readyz"
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return Observation.simple(answer.status == 200, f"{url} answers {answer.status}")  # noqa: PLR2004
    except (urllib.error.URLError, OSError) as err:
        return Observation.pending(f"{url}: {one_line(str(err), 120)}")
