"""Argo CD reaches a vCluster with a ServiceAccount token and a verified CA: the Composition, reconciled offline.

Each test renders the fixture Composition with ``oamconf.testkit.pandt`` (function-patch-and-transform, offline),
lets a small model of vCluster 0.36.1 write the kubeconfig Secrets the rendered Helm values ask for, has the
Observe-only Object read them as provider-kubernetes would, and renders again: the second render is what
Crossplane would apply once the vCluster is up.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from oamconf.platform.manifests import load_documents
from oamconf.platform.paths import fixtures_dir
from oamconf.platform.versions import Versions
from oamconf.testkit.pandt import Rendered, get, render
from oamconf.testkit.pandt_order import order_problems
from oamconf.testkit.validate import load_platform, validate_platform

VCLUSTER = fixtures_dir() / "platform" / "vcluster"
RELEASE, READER, CLUSTER_SECRET = "vcluster-release", "vc-argocd-kubeconfig", "argocd-cluster-secret"

CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBdjCCAR2gAwIBAgIBADAKBggqhkjOPQQDAjAjvc1ca\n-----END CERTIFICATE-----\n"
ADMIN_CERT = "-----BEGIN CERTIFICATE-----\nMIIBkTCCATegAwIBAgIIadmincert\n-----END CERTIFICATE-----\n"
ADMIN_KEY = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIAdminKeyOfTheSuperAdmin\n-----END EC PRIVATE KEY-----\n"
SA_TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6InZjMSJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2ln-bmF0_dXJl"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _unb64(text: str) -> str:
    return base64.b64decode(text, validate=True).decode()


def _composition() -> dict[str, Any]:
    (doc,) = load_documents(VCLUSTER / "composition.yaml")
    return doc.body


def _composite() -> dict[str, Any]:
    """vc1 as the API server stores it: with the XRD's defaults (argocdNamespace, chartVersion)."""
    (xr,) = load_documents(VCLUSTER / "virtualcluster-vc1.yaml")
    (xrd,) = load_documents(VCLUSTER / "xrd.yaml")
    schema = xrd.body["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    body = copy.deepcopy(xr.body)
    for key, prop in schema.items():
        if "default" in prop:
            body["spec"].setdefault(key, prop["default"])
    return body


def _kubeconfig_secret(name: str, namespace: str, *, token: str) -> dict[str, Any]:
    """The Secret vCluster writes (pkg/util/kubeconfig/kubeconfig.go:67-91): a ServiceAccount token replaces
    the admin client certificate and key (pkg/setup/controllers.go:256-280); the CA is kept either way."""
    data = {
        "config": _b64("apiVersion: v1\nkind: Config\n"),
        "certificate-authority": _b64(CA_PEM),
        "client-certificate": "" if token else _b64(ADMIN_CERT),
        "client-key": "" if token else _b64(ADMIN_KEY),
        "token": _b64(token),
    }
    metadata = {"name": name, "namespace": namespace, "labels": {"app": "vcluster", "vcluster-name": "vc1"}}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "type": "Opaque", "data": data}


def _vcluster_secrets(release: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The kubeconfig Secrets vCluster 0.36.1 writes for the Release's values (controllers.go:285-358):
    ``vc-<name>`` always, then each additional Secret (name and namespace default to those)."""
    name, namespace = release["metadata"]["name"], release["spec"]["forProvider"]["namespace"]
    export = release["spec"]["forProvider"]["values"].get("exportKubeConfig", {})
    written = {(namespace, f"vc-{name}"): _kubeconfig_secret(f"vc-{name}", namespace, token="")}
    for extra in export.get("additionalSecrets", []):
        where = (extra.get("namespace") or namespace, extra.get("name") or f"vc-{name}")
        token = SA_TOKEN if extra.get("serviceAccount", {}).get("name") else ""
        written[where] = _kubeconfig_secret(where[1], where[0], token=token)
    return written


def _observe(desired: dict[str, Any], live: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    """The composed resource once created: named by Crossplane from ``generateName: vc1-`` if it has no name
    (facts §1.2), and for an Object, the live manifest in status.atProvider.manifest (facts §7.2)."""
    observed = copy.deepcopy(desired)
    observed.setdefault("metadata", {}).setdefault("name", "vc1-5x7kq")
    manifest = desired.get("spec", {}).get("forProvider", {}).get("manifest")
    if manifest is not None:
        found = live.get((manifest["metadata"].get("namespace", ""), manifest["metadata"]["name"]))
        if found is not None:
            observed["status"] = {"atProvider": {"manifest": copy.deepcopy(found)}}
    return observed


@dataclass(frozen=True)
class Reconciled:
    first: Rendered  # the vCluster is not up yet: nothing observed
    second: Rendered  # after the vCluster wrote its Secrets and the Objects observed them


def _reconcile(composition: dict[str, Any] | None = None) -> Reconciled:
    composition = composition or _composition()
    first = render(composition, _composite(), {})
    live = _vcluster_secrets(first.desired[RELEASE])
    observed = {name: _observe(obj, live) for name, obj in first.desired.items()}
    return Reconciled(first, render(composition, _composite(), observed))


def _config(rendered: Rendered) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(
        _unb64(rendered.desired[CLUSTER_SECRET]["spec"]["forProvider"]["manifest"]["data"]["config"])
    )
    return config


def _resources(composition: dict[str, Any]) -> list[dict[str, Any]]:
    resources: list[dict[str, Any]] = composition["spec"]["pipeline"][0]["input"]["resources"]
    return resources


def test_the_vcluster_exports_a_service_account_kubeconfig_for_argo_cd() -> None:
    values = _reconcile().first.desired[RELEASE]["spec"]["forProvider"]["values"]
    assert values["exportKubeConfig"] == {
        "additionalSecrets": [
            {
                "name": "vc-vc1-argocd",
                "serviceAccount": {
                    "name": "argocd-manager",
                    "namespace": "kube-system",
                    "clusterRole": "cluster-admin",
                },
            }
        ]
    }


def test_the_observe_only_object_reads_the_secret_the_vcluster_exports_for_argo_cd() -> None:
    first = _reconcile().first
    reader = first.desired[READER]
    manifest = reader["spec"]["forProvider"]["manifest"]
    assert reader["spec"]["managementPolicies"] == ["Observe"]
    assert (manifest["kind"], manifest["metadata"]["namespace"], manifest["metadata"]["name"]) == (
        "Secret",
        "vc1-ns",
        first.desired[RELEASE]["spec"]["forProvider"]["values"]["exportKubeConfig"]["additionalSecrets"][0]["name"],
    )


def test_the_argo_cd_cluster_secret_waits_until_the_token_and_ca_are_known() -> None:
    first = _reconcile().first
    assert first.skipped == (CLUSTER_SECRET,)
    assert set(first.desired) == {RELEASE, READER}


def test_argo_cd_authenticates_with_the_decoded_token_and_verifies_the_vcluster_ca() -> None:
    config = _config(_reconcile().second)
    assert config == {"bearerToken": SA_TOKEN, "tlsClientConfig": {"caData": _b64(CA_PEM)}}
    assert _unb64(config["tlsClientConfig"]["caData"]) == CA_PEM  # base64 once: Argo CD's []byte caData


def test_no_client_certificate_and_no_insecure_reach_argo_cd() -> None:
    config = _config(_reconcile().second)
    assert {"certData", "keyData", "insecure"}.isdisjoint(config["tlsClientConfig"])
    assert {"username", "password", "execProviderConfig"}.isdisjoint(config)


def test_the_vcluster_admin_key_is_copied_into_no_composed_resource() -> None:
    reconciled = _reconcile()
    rendered = json.dumps([reconciled.second.desired, reconciled.second.environment])
    assert SA_TOKEN in rendered or _b64(SA_TOKEN) in rendered  # the check looks in the right place
    assert ADMIN_KEY not in rendered
    assert _b64(ADMIN_KEY) not in rendered


def test_the_cluster_secret_names_the_vcluster_at_a_host_its_certificate_covers() -> None:
    desired = _reconcile().second.desired
    secret = desired[CLUSTER_SECRET]["spec"]["forProvider"]["manifest"]
    assert (secret["metadata"]["namespace"], secret["metadata"]["name"]) == ("argocd", "vcluster-vc1")
    assert secret["metadata"]["labels"] == {"argocd.argoproj.io/secret-type": "cluster"}
    assert "stringData" not in secret  # provider-kubernetes issue #420
    assert _unb64(secret["data"]["name"]) == "vc1"
    server = _unb64(secret["data"]["server"])
    assert server == "https://vc1.vc1-ns.svc:443"
    sans = desired[RELEASE]["spec"]["forProvider"]["values"]["controlPlane"]["proxy"]["extraSANs"]
    assert server.removeprefix("https://").rpartition(":")[0] in sans


def test_the_reconciled_objects_validate_against_the_pinned_schemas(tmp_path: Path, versions: Versions) -> None:
    desired = copy.deepcopy(list(_reconcile().second.desired.values()))
    for index, obj in enumerate(desired):  # Crossplane names a new one from generateName: vc1- (facts §1.2)
        obj.setdefault("metadata", {}).setdefault("name", f"vc1-new{index}")
    path = tmp_path / "rendered.yaml"
    path.write_text(yaml.safe_dump_all(desired), encoding="utf-8")
    assert validate_platform(load_platform([path], render=False), versions=versions) == []


def test_the_fixture_composition_keeps_the_environment_order_rules() -> None:
    assert order_problems(_composition()) == []


def test_a_token_read_after_the_cluster_secret_is_rendered_leaves_argo_cd_without_the_cluster() -> None:
    composition = _composition()
    resources = _resources(composition)
    reader = next(r for r in resources if r["name"] == READER)
    resources.remove(reader)
    resources.append(reader)
    assert CLUSTER_SECRET in _reconcile(composition).second.skipped
    late = [(path[-4:], message) for path, message in order_problems(composition) if "before resource" in message]
    assert [path for path, _ in late] == [("resources", 1, "patches", 4)] * 2  # token and CA
    assert all(f"list '{READER}' before '{CLUSTER_SECRET}'" in message for _, message in late)


def test_without_required_the_cluster_secret_is_created_without_credentials() -> None:
    composition = _composition()
    secret = next(r for r in _resources(composition) if r["name"] == CLUSTER_SECRET)
    config_patch = next(p for p in secret["patches"] if p["type"] == "CombineFromEnvironment")
    del config_patch["policy"]
    first = _reconcile(composition).first
    assert "config" not in first.desired[CLUSTER_SECRET]["spec"]["forProvider"]["manifest"]["data"]
    (message,) = [m for _, m in order_problems(composition)]
    assert "vc.bearerToken without policy.fromFieldPath: Required" in message


@pytest.mark.parametrize(
    ("reads", "expected"),
    [
        pytest.param("status.atProvider.manifest.data[token]", SA_TOKEN, id="token"),
        pytest.param("status.atProvider.manifest.data[certificate-authority]", _b64(CA_PEM), id="ca"),
    ],
)
def test_the_environment_carries_what_the_reader_took_from_the_secret(reads: str, expected: str) -> None:
    reader = next(r for r in _resources(_composition()) if r["name"] == READER)
    (target,) = [p["toFieldPath"] for p in reader["patches"] if p.get("fromFieldPath") == reads]
    assert get(_reconcile().second.environment, target) == expected
