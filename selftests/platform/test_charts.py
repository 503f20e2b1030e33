"""The charts whose source ships in a Go module, rendered by helm with the platform's values.

helm is v4.2.3 built from helm.sh/helm/v4 (the CLI version fixtures/versions.toml pins); each chart is
taken from its module at the pinned version and packaged as its release pipeline does (chart and app
version = the release). The Bitnami PostgreSQL and Redis charts are in no Go module and no registry this
machine reaches: only their values schemas are checked (test_reference_platform), never rendered.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine_world import Reconciled
from oamconf.cluster.gobuild import Built, module_dir
from oamconf.cluster.vclusters import pro_only_settings
from oamconf.platform.paths import fixtures_dir
from oamconf.platform.versions import Versions
from oamconf.testkit import helm


def _chart(engines: dict[str, Built], module: str, version: str, subdir: str, into: Path) -> Path:
    return helm.published_chart(engines["helm"], module_dir(module, f"v{version}") / subdir, version, into)


@pytest.fixture(scope="module")
def vcluster_objects(
    engines: dict[str, Built], versions: Versions, reconciled: Reconciled, tmp_path_factory: pytest.TempPathFactory
) -> list[dict[str, Any]]:
    """The vcluster chart rendered with the values the Composition composed for vc1 (Crossplane's render)."""
    chart = _chart(
        engines, "github.com/loft-sh/vcluster", versions.vcluster.chart_version, "chart", tmp_path_factory.mktemp("vc")
    )
    release = reconciled.first.composed["vcluster-release"]["spec"]["forProvider"]
    return helm.template(
        engines["helm"], chart, release="vc1", namespace=release["namespace"], values=release["values"]
    )


def _config(objects: list[dict[str, Any]]) -> dict[str, Any]:
    secret = helm.find(objects, "Secret", "vc-config-vc1")
    config: dict[str, Any] = yaml.safe_load(base64.b64decode(secret["data"]["config.yaml"]))
    return config


def test_the_vcluster_config_carries_the_extra_sans_argo_cd_dials(vcluster_objects: list[dict[str, Any]]) -> None:
    assert _config(vcluster_objects)["controlPlane"]["proxy"]["extraSANs"] == [
        "vc1.vc1-ns.svc",
        "vc1.vc1-ns.svc.cluster.local",
    ]


def test_the_vcluster_config_replicates_the_host_database_service(vcluster_objects: list[dict[str, Any]]) -> None:
    assert _config(vcluster_objects)["networking"]["replicateServices"]["fromHost"] == [
        {"from": "conformance/podinfo-db", "to": "demo/podinfo-db"}
    ]


def test_the_vcluster_config_exports_argo_cd_s_kubeconfig(vcluster_objects: list[dict[str, Any]]) -> None:
    (extra,) = _config(vcluster_objects)["exportKubeConfig"]["additionalSecrets"]
    assert (extra["name"], extra["serviceAccount"]["name"]) == ("vc-vc1-argocd", "argocd-manager")


# What Argo CD must be able to do inside the vCluster: read every kind (its cluster cache lists and watches all
# of them) and apply the kinds of the Applications it deploys (podinfo: a Deployment and a Service in a namespace
# it creates, CreateNamespace=true). Writes that would let the token outgrow its role are left out: RBAC
# (bind/escalate), CRDs, admission webhooks, nodes, impersonation.
_NOT_WRITABLE = {
    ("rbac.authorization.k8s.io", "*"),
    ("apiextensions.k8s.io", "*"),
    ("admissionregistration.k8s.io", "*"),
    ("", "nodes"),
    ("*", "*"),
}
_WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection", "bind", "escalate", "impersonate", "*"}


def _argo_cd_role(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The ClusterRole the vCluster binds Argo CD's ServiceAccount to, among the manifests the config tells the
    vCluster to apply inside itself at start (experimental.deploy.vcluster.manifests, applied by the OSS build:
    vcluster v0.36.1 pkg/setup/controllers.go:54-58, pkg/controllers/deploy/deploy.go:180-230)."""
    config = _config(objects)
    (extra,) = config["exportKubeConfig"]["additionalSecrets"]
    wanted = extra["serviceAccount"]["clusterRole"]
    manifests = list(
        yaml.safe_load_all(config.get("experimental", {}).get("deploy", {}).get("vcluster", {}).get("manifests", ""))
    )
    roles = [m for m in manifests if m and m.get("kind") == "ClusterRole" and m["metadata"]["name"] == wanted]
    assert roles, f"ClusterRole {wanted} is not among the manifests the vCluster applies: vCluster binds, never creates"
    role: dict[str, Any] = roles[0]
    return role


def _grants(role: dict[str, Any], verbs: set[str]) -> set[tuple[str, str]]:
    return {
        (group, resource)
        for rule in role.get("rules", [])
        if verbs & set(rule.get("verbs", []))
        for group in rule.get("apiGroups", [])
        for resource in rule.get("resources", [])
    }


def test_argo_cd_s_token_is_bound_to_a_role_that_reads_everything_and_writes_only_workloads(
    vcluster_objects: list[dict[str, Any]],
) -> None:
    role = _argo_cd_role(vcluster_objects)
    assert ("*", "*") in _grants(role, {"list"})
    assert ("*", "*") in _grants(role, {"watch"})
    writes = _grants(role, _WRITE_VERBS)
    for group, resource in writes:
        assert (group, resource) not in _NOT_WRITABLE, (group, resource)
        assert (group, "*") not in _NOT_WRITABLE, (group, resource)
    assert {("", "namespaces"), ("apps", "deployments"), ("", "services")} <= writes
    assert not any({"bind", "escalate", "impersonate", "*"} & set(r.get("verbs", [])) for r in role["rules"])


def test_the_service_and_statefulset_are_named_after_the_vcluster(vcluster_objects: list[dict[str, Any]]) -> None:
    # The steps and Argo CD's server URL (https://vc1.vc1-ns.svc:443) rely on these names and labels.
    service = helm.find(vcluster_objects, "Service", "vc1")
    assert service["metadata"]["namespace"] == "vc1-ns"
    assert any(port.get("port") == 443 for port in service["spec"]["ports"])
    statefulset = helm.find(vcluster_objects, "StatefulSet", "vc1")
    assert statefulset["spec"]["selector"]["matchLabels"] == {"app": "vcluster", "release": "vc1"}


def test_the_vcluster_image_is_the_release_s_and_says_which_build_it_is(
    vcluster_objects: list[dict[str, Any]], versions: Versions
) -> None:
    statefulset = helm.find(vcluster_objects, "StatefulSet", "vc1")
    images = [c["image"] for c in statefulset["spec"]["template"]["spec"]["containers"]]
    # The chart's default is the Pro build with Pro modules off (platform-facts §9); the platform runs the OSS
    # build the suite describes (chart values.yaml: "set the repository to 'loft-sh/vcluster-oss'").
    assert f"ghcr.io/loft-sh/vcluster-oss:{versions.vcluster.chart_version}" in images, images


def test_the_crossplane_values_activate_every_managed_resource(
    engines: dict[str, Built], versions: Versions, tmp_path: Path
) -> None:
    chart = _chart(
        engines,
        "github.com/crossplane/crossplane/v2",
        versions.crossplane.chart_version,
        "cluster/charts/crossplane",
        tmp_path,
    )
    values = yaml.safe_load((fixtures_dir() / "values" / "crossplane.yaml").read_text(encoding="utf-8"))
    objects = helm.template(engines["helm"], chart, release="crossplane", namespace="crossplane-system", values=values)
    pod = helm.find(objects, "Deployment", "crossplane")["spec"]["template"]["spec"]
    (core,) = [c for c in pod["containers"] if c["name"] == "crossplane"]
    assert core["image"] == f"xpkg.crossplane.io/crossplane/crossplane:v{versions.crossplane.chart_version}"
    # The init container writes the default ManagedResourceActivationPolicy from these (chart deployment.yaml).
    (init,) = [c for c in pod["initContainers"] if c["name"] == "crossplane-init"]
    assert init["args"] == ["core", "init", "--activation", "*"]


def test_the_composed_vcluster_uses_no_pro_only_setting(vcluster_objects: list[dict[str, Any]]) -> None:
    # The real chart's config carries `resourceClaims: {enabled: false}` and the like: switched off, not used
    # (the local tier's first real run found 2.2 reading them as Pro-only).
    assert pro_only_settings(_config(vcluster_objects)) == []


@pytest.mark.parametrize(
    ("values", "used"),
    [
        ({"sync": {"toHost": {"resourceClaims": {"enabled": False}}}}, []),
        ({"sync": {"toHost": {"resourceClaims": {"enabled": True}}}}, ["sync.toHost.resourceClaims.enabled"]),
        ({"sleep": {}}, ["sleep"]),  # a pointer in vCluster's config: given at all is Pro
        ({"sleep": None}, []),
        ({"sync": {"toHost": {"customResources": {}}}}, []),
        ({"networking": {"resolveDNS": [{"hostname": "a"}]}}, ["networking.resolveDNS"]),
        ({"privateNodes": {"enabled": True}}, ["privateNodes.enabled"]),
        ({"privateNodes": {"enabled": True}, "controlPlane": {"standalone": {"enabled": True}}}, []),
    ],
)
def test_pro_only_settings_are_read_as_vcluster_reads_them(values: dict[str, Any], used: list[str]) -> None:
    assert pro_only_settings(values) == used
