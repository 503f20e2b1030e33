"""Argo CD reaches a vCluster with a ServiceAccount token and a verified CA: the Composition, reconciled by
Crossplane's own engine, with the token held by core Secrets only.

Each reconcile is `crossplane internal render` (Crossplane v2.3.4's composite reconciler over an in-memory
client, built from hack/tools/crossplane) calling function-patch-and-transform v0.10.9 (built from its
module) on a Unix socket. The first reconcile sees nothing composed yet; the second sees what the API server
returns once the vCluster is up: the Secret Crossplane composed, with the kubeconfig vCluster wrote into it.
What vCluster writes is the one stand-in (``engine_world.vcluster_secrets``, read from vcluster v0.36.1).
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from engine_world import (
    ADMIN_KEY,
    CLUSTER_SECRET,
    READER,
    RELEASE,
    SA_TOKEN,
    Reconciled,
    b64,
    config_of,
    secret_of,
    unb64,
)
from oamconf.platform.versions import Versions
from oamconf.testkit.validate import load_platform, validate_platform


def test_the_vcluster_exports_a_service_account_kubeconfig_for_argo_cd(reconciled: Reconciled) -> None:
    values = reconciled.first.composed[RELEASE]["spec"]["forProvider"]["values"]
    assert values["exportKubeConfig"] == {
        "additionalSecrets": [
            {
                "name": "vc-vc1-argocd",
                "serviceAccount": {
                    "name": "argocd-manager",
                    "namespace": "kube-system",
                    "clusterRole": "argocd-manager-role",
                },
            }
        ]
    }


def test_crossplane_composes_the_secret_the_vcluster_exports_for_argo_cd_and_leaves_its_data_to_vcluster(
    reconciled: Reconciled,
) -> None:
    first = reconciled.first
    reader = first.composed[READER]
    exported = first.composed[RELEASE]["spec"]["forProvider"]["values"]["exportKubeConfig"]["additionalSecrets"][0]
    assert (reader["apiVersion"], reader["kind"]) == ("v1", "Secret")
    assert (reader["metadata"]["namespace"], reader["metadata"]["name"]) == ("vc1-ns", exported["name"])
    assert "data" not in reader  # applied without data: vCluster's keys are never overwritten


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, str):
        yield node


def _holds_token(obj: dict[str, Any]) -> bool:
    """The token anywhere in the object: as it is, or inside a base64 value (Secret data, a config JSON)."""
    for text in _strings(obj):
        try:
            decoded = base64.b64decode(text, validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            decoded = ""
        if SA_TOKEN in text or SA_TOKEN in decoded:
            return True
    return False


def test_no_custom_resource_holds_the_token_only_core_secrets_do(reconciled: Reconciled) -> None:
    """Whoever may read a custom resource's kind reads its spec and status: crossplane-view, -edit and -admin
    for every provider's kinds and every XR (crossplane v2.3.4 internal/controller/rbac/provider/roles/
    roles.go). A core Secret is read only by those RBAC on Secrets lets in."""
    second = reconciled.second
    objects = [*reconciled.observed, *second.composed.values(), second.composite]
    holders = sorted(f"{o['apiVersion']} {o['kind']} {o['metadata'].get('name')}" for o in objects if _holds_token(o))
    assert holders == ["v1 Secret vc-vc1-argocd", "v1 Secret vcluster-vc1"]  # the check looks in the right place


def test_the_argo_cd_cluster_secret_waits_until_the_token_and_ca_are_known(reconciled: Reconciled) -> None:
    first = reconciled.first
    assert set(first.composed) == {RELEASE, READER}
    # function-patch-and-transform says why, and Crossplane passes it on as a Warning event.
    assert any(
        f'not adding new composed resource "{CLUSTER_SECRET}" to desired state because "CombineFromEnvironment" '
        "patch at index 4 has 'policy.fromFieldPath: Required'" in warning
        for warning in first.warnings()
    ), first.warnings()


def test_argo_cd_authenticates_with_the_decoded_token_and_verifies_the_vcluster_ca(reconciled: Reconciled) -> None:
    config = config_of(reconciled.second)
    ca_pem = reconciled.ca.cert_pem.decode()
    assert config == {"bearerToken": SA_TOKEN, "tlsClientConfig": {"caData": b64(ca_pem)}}
    assert unb64(config["tlsClientConfig"]["caData"]) == ca_pem  # base64 once: Argo CD's []byte caData


def test_no_client_certificate_and_no_insecure_reach_argo_cd(reconciled: Reconciled) -> None:
    config = config_of(reconciled.second)
    assert {"certData", "keyData", "insecure"}.isdisjoint(config["tlsClientConfig"])
    assert {"username", "password", "execProviderConfig"}.isdisjoint(config)


def test_the_vcluster_admin_key_is_copied_into_no_composed_resource(reconciled: Reconciled) -> None:
    composed = json.dumps([reconciled.second.composed, reconciled.second.composite])
    decoded = json.dumps(config_of(reconciled.second))  # the cluster Secret's config, as Argo CD reads it
    assert SA_TOKEN in decoded  # the check looks in the right place
    for text in (composed, decoded):
        assert ADMIN_KEY not in text
        assert b64(ADMIN_KEY) not in text


def test_the_cluster_secret_names_the_vcluster_at_a_host_its_certificate_covers(reconciled: Reconciled) -> None:
    composed = reconciled.second.composed
    secret = secret_of(composed[CLUSTER_SECRET])
    assert (secret["apiVersion"], secret["kind"]) == ("v1", "Secret")
    assert (secret["metadata"]["namespace"], secret["metadata"]["name"]) == ("argocd", "vcluster-vc1")
    assert secret["metadata"]["labels"]["argocd.argoproj.io/secret-type"] == "cluster"
    assert "stringData" not in secret  # never returned by the API server: each reconcile would apply it again
    assert unb64(secret["data"]["name"]) == "vc1"
    server = unb64(secret["data"]["server"])
    assert server == "https://vc1.vc1-ns.svc:443"
    sans = composed[RELEASE]["spec"]["forProvider"]["values"]["controlPlane"]["proxy"]["extraSANs"]
    assert server.removeprefix("https://").rpartition(":")[0] in sans


def test_the_composite_is_synced_and_waits_for_its_resources(reconciled: Reconciled) -> None:
    second = reconciled.second
    assert second.error == ""
    assert second.condition("Synced").get("status") == "True"
    # The providers reported nothing Ready in this world: Crossplane names what it waits for.
    ready = second.condition("Ready")
    assert (ready.get("status"), ready.get("reason")) == ("False", "Creating")
    assert ready.get("message", "").startswith("Unready resources: ")


def test_the_reconciled_objects_validate_against_the_pinned_schemas(
    reconciled: Reconciled, tmp_path: Path, versions: Versions
) -> None:
    desired = copy.deepcopy(list(reconciled.second.composed.values()))
    assert len(desired) == 3
    path = tmp_path / "rendered.yaml"
    path.write_text(yaml.safe_dump_all(desired), encoding="utf-8")
    assert validate_platform(load_platform([path]), versions=versions) == []
