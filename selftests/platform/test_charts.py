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
    # The chart's default is the Pro build with Pro modules off (platform-facts §9); the tag is the release.
    assert any(image.endswith(f"/loft-sh/vcluster-pro:{versions.vcluster.chart_version}") for image in images), images


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
