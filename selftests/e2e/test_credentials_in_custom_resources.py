"""Step 4.1's scan: any custom resource's spec or status holding a vCluster credential is found, with the
ClusterRoles that can read it named (platform review: the token is readable through crossplane-view)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from oamconf.cluster.vclusters import Target
from oamconf.k8s import kinds
from oamconf.k8s.memory import MemoryCluster
from oamconf.phases.exposure import CROSSPLANE_READERS, credentials_in_custom_resources, vcluster_credentials

TOKEN = "eyJhbGciOiJSUzI1NiJ9.scenario-token-0123456789abcdef"
XR = kinds.Kind("platform.example.org/v1alpha1", "VirtualCluster", "Cluster")


def cluster_with(*objects: Mapping[str, Any]) -> MemoryCluster:
    cluster = MemoryCluster("unit")
    cluster.declare_kind(XR.api_version, XR.kind, "Cluster")
    secret = {"token": base64.b64encode(TOKEN.encode()).decode()}
    exported = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "vc-vc1-argocd", "namespace": "vc1-ns"}}
    cluster.seed([{**exported, "data": secret}, *objects])
    return cluster


def test_a_virtualcluster_status_with_a_kubeconfig_token_is_found_with_crossplanes_roles() -> None:
    """Not a provider-kubernetes Object: the XR itself, which passed the old Object-only check."""
    xr = {
        "apiVersion": XR.api_version, "kind": XR.kind, "metadata": {"name": "vc1"},
        "status": {"kubeconfig": f"users:\n- name: a\n  user:\n    token: {TOKEN}\n"},
    }  # fmt: skip
    cluster = cluster_with(xr)

    found = credentials_in_custom_resources(
        cluster, extra=[XR], known=vcluster_credentials(cluster, Target("vc1", "vc1-ns"))
    )

    assert [(str(e.obj.ref), e.path, e.readers) for e in found] == [
        ("VirtualCluster vc1", "status.kubeconfig", CROSSPLANE_READERS)
    ]
    assert "readable by crossplane-view, crossplane-edit, crossplane-admin" in str(found[0])
    assert "view role of the XRD" in str(found[0])


def test_an_object_holding_the_token_in_its_spec_names_the_roles_the_cluster_grants() -> None:
    obj = {
        "apiVersion": "kubernetes.crossplane.io/v1alpha2", "kind": "Object", "metadata": {"name": "vc1-argocd"},
        "spec": {"forProvider": {"manifest": {"data": {"config": base64.b64encode(
            f'{{"bearerToken":"{TOKEN}"}}'.encode()).decode()}}}},
    }  # fmt: skip
    view = {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "crossplane-view"},
        "rules": [{"apiGroups": ["kubernetes.crossplane.io"], "resources": ["objects"], "verbs": ["get", "list"]}],
    }  # fmt: skip
    other = {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "apps-only"},
        "rules": [{"apiGroups": ["apps"], "resources": ["*"], "verbs": ["*"]}],
    }  # fmt: skip
    cluster = cluster_with(obj, view, other)

    found = credentials_in_custom_resources(cluster, known=[TOKEN])

    assert [(e.path, e.readers) for e in found] == [("spec.forProvider.manifest.data.config", ("crossplane-view",))]


def test_a_resource_without_credentials_is_not_a_finding() -> None:
    xr = {"apiVersion": XR.api_version, "kind": XR.kind, "metadata": {"name": "vc1"}, "spec": {"namespace": "vc1-ns"}}
    assert credentials_in_custom_resources(cluster_with(xr), extra=[XR], known=[TOKEN]) == []


def test_a_composition_s_format_string_with_a_placeholder_for_the_token_is_no_finding() -> None:
    """Seen on the local tier with the real Composition installed: its combine patch's fmt is the Argo CD config
    with ``%s`` where the token goes. A template is not a credential; the same text with a value is."""
    xr = {
        "apiVersion": XR.api_version, "kind": XR.kind, "metadata": {"name": "vc1"},
        "spec": {"patches": [{"combine": {"string": {"fmt": '{"bearerToken":"%s","tlsClientConfig":{"caData":"%s"}}'}}},
                             {"template": '{"bearerToken":"{{ .token }}"}'}]},
    }  # fmt: skip
    assert credentials_in_custom_resources(cluster_with(xr), extra=[XR]) == []
    xr["spec"] = {"config": '{"bearerToken":"eyJhbGciOiJSUzI1NiJ9.other-token"}'}
    assert [e.path for e in credentials_in_custom_resources(cluster_with(xr), extra=[XR])] == ["spec.config"]
