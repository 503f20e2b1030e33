"""The vCluster Composition reconciled twice by Crossplane's own engine, for the platform self-tests.

``reconcile`` runs the real render (``oamconf.testkit.xrender``) with nothing observed, lets the vCluster
stand-in write the kubeconfig Secrets the rendered Helm values ask for (into the Secret Crossplane composed
under that name, as vCluster patches an existing one), and renders again with the composed resources as the
API server would return them. The stand-in is the only model here: what vcluster v0.36.1 writes for
``exportKubeConfig`` (pkg/setup/controllers.go:285-358, pkg/util/kubeconfig/kubeconfig.go:67-98).
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from oamconf.cluster.gobuild import Built
from oamconf.platform.manifests import load_documents
from oamconf.platform.paths import fixtures_dir
from oamconf.testkit.certs import CertPair
from oamconf.testkit.xrender import Function, Rendered, render

VCLUSTER = fixtures_dir() / "platform" / "vcluster"
RELEASE: Final = "vcluster-release"
READER: Final = "vc-argocd-kubeconfig"
CLUSTER_SECRET: Final = "argocd-cluster-secret"

ADMIN_CERT: Final = "-----BEGIN CERTIFICATE-----\nMIIBkTCCATegAwIBAgIIadmincert\n-----END CERTIFICATE-----\n"
ADMIN_KEY: Final = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIAdminKeyOfTheSuperAdmin\n-----END EC PRIVATE KEY-----\n"
SA_TOKEN: Final = "eyJhbGciOiJSUzI1NiIsImtpZCI6InZjMSJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2ln-bmF0_dXJl"


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def unb64(text: str) -> str:
    return base64.b64decode(text, validate=True).decode()


def composition() -> dict[str, Any]:
    (doc,) = load_documents(VCLUSTER / "composition.yaml")
    return doc.body


def definition() -> dict[str, Any]:
    (doc,) = load_documents(VCLUSTER / "xrd.yaml")
    return doc.body


def composite() -> dict[str, Any]:
    """vc1 as the API server stores it: with the XRD's defaults (argocdNamespace, chartVersion)."""
    (xr,) = load_documents(VCLUSTER / "virtualcluster-vc1.yaml")
    schema = definition()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    body = copy.deepcopy(xr.body)
    for key, prop in schema.items():
        if "default" in prop:
            body["spec"].setdefault(key, prop["default"])
    return body


def resources(comp: Mapping[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = comp["spec"]["pipeline"][0]["input"]["resources"]
    return found


def _kubeconfig_secret(name: str, namespace: str, *, token: str, ca_pem: str) -> dict[str, Any]:
    """The Secret vCluster writes: a ServiceAccount token replaces the admin client certificate and key
    (controllers.go:256-280); the CA is kept either way."""
    data = {
        "config": b64("apiVersion: v1\nkind: Config\n"),
        "certificate-authority": b64(ca_pem),
        "client-certificate": "" if token else b64(ADMIN_CERT),
        "client-key": "" if token else b64(ADMIN_KEY),
        "token": b64(token),
    }
    metadata = {"name": name, "namespace": namespace, "labels": {"app": "vcluster", "vcluster-name": "vc1"}}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "type": "Opaque", "data": data}


def vcluster_secrets(release: Mapping[str, Any], ca_pem: str) -> dict[tuple[str, str], dict[str, Any]]:
    """``vc-<name>`` always, then each additional Secret (name and namespace default to those)."""
    name, namespace = release["metadata"]["name"], release["spec"]["forProvider"]["namespace"]
    export = release["spec"]["forProvider"]["values"].get("exportKubeConfig", {})
    written = {(namespace, f"vc-{name}"): _kubeconfig_secret(f"vc-{name}", namespace, token="", ca_pem=ca_pem)}
    for extra in export.get("additionalSecrets", []):
        where = (extra.get("namespace") or namespace, extra.get("name") or f"vc-{name}")
        token = SA_TOKEN if extra.get("serviceAccount", {}).get("name") else ""
        written[where] = _kubeconfig_secret(where[1], where[0], token=token, ca_pem=ca_pem)
    return written


def observe(composed: Mapping[str, Any], live: Mapping[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    """A composed resource as the API server returns it. A composed Secret that vCluster also writes carries
    vCluster's data: its CreateOrPatch patches the keys it owns into the existing Secret (kubeconfig.go:82-98).
    A provider-kubernetes Object carries the live manifest it points at in ``status.atProvider.manifest``,
    as provider-kubernetes v1.2.1 reports it without ``--sanitize-secrets`` (cluster/object/object.go:509-525)."""
    observed = copy.deepcopy(dict(composed))
    meta = composed.get("metadata", {})
    if (composed.get("apiVersion"), composed.get("kind")) == ("v1", "Secret"):
        found = live.get((meta.get("namespace", ""), meta.get("name", "")))
        if found is not None:
            observed["data"] = {**observed.get("data", {}), **copy.deepcopy(found["data"])}
    manifest = composed.get("spec", {}).get("forProvider", {}).get("manifest")
    if manifest is not None:
        found = live.get((manifest["metadata"].get("namespace", ""), manifest["metadata"]["name"]))
        if found is not None:
            observed["status"] = {"atProvider": {"manifest": copy.deepcopy(found)}}
    return observed


@dataclass(frozen=True)
class Reconciled:
    first: Rendered  # the vCluster is not up yet: nothing observed
    second: Rendered  # after the vCluster wrote its Secrets
    ca: CertPair  # the vCluster's CA, as its Secrets carry it
    observed: tuple[dict[str, Any], ...] = ()  # what the second reconcile read back from the API server


def reconcile(
    engines: Mapping[str, Built], function: Function, ca: CertPair, comp: Mapping[str, Any] | None = None
) -> Reconciled:
    comp = comp or composition()
    xr, xrd = composite(), definition()

    def run(observed: list[dict[str, Any]]) -> Rendered:
        return render(
            xr,
            comp,
            functions=[function],
            engine=engines["crossplane"],
            adapter=engines["xrender"],
            observed=observed,
            definition=xrd,
        )

    first = run([])
    live = vcluster_secrets(first.composed[RELEASE], ca.cert_pem.decode()) if RELEASE in first.composed else {}
    observed = [observe(obj, live) for obj in first.composed.values()]
    return Reconciled(first, run(observed), ca, tuple(observed))


def secret_of(composed: Mapping[str, Any]) -> dict[str, Any]:
    """The Secret a composed resource makes: itself, or the manifest of a provider-kubernetes Object."""
    manifest: dict[str, Any] = composed.get("spec", {}).get("forProvider", {}).get("manifest") or dict(composed)
    return manifest


def config_of(rendered: Rendered) -> dict[str, Any]:
    data = secret_of(rendered.composed[CLUSTER_SECRET])["data"]
    config: dict[str, Any] = json.loads(unb64(data["config"]))
    return config
