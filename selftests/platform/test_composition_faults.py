"""The Composition through the real engines end to end, and what each engine says when it is broken.

Crossplane's render and function-patch-and-transform compose the Release; helm renders the vcluster chart
(v0.36.1, packaged from its Go module as the release pipeline does) with those values; the vCluster API's
certificate carries the SANs the chart passes on; Argo CD's cluster Secret, as the second reconcile wrote
it, must pass a real TLS handshake and token sign-in against that API. Each mutation is caught by an
engine's own message, or by the TLS check a real Argo CD would fail.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine_world import (
    CLUSTER_SECRET,
    READER,
    RELEASE,
    SA_TOKEN,
    Reconciled,
    composition,
    reconcile,
    resources,
    secret_of,
)
from oamconf.cluster.gobuild import Built, module_dir
from oamconf.errors import ProbeFailed
from oamconf.k8s.api import KubeObject
from oamconf.platform.versions import Versions
from oamconf.probes.cluster_access import verify_cluster_secret
from oamconf.probes.cluster_secret import Credential, parse_cluster_secret
from oamconf.redact import Redactor
from oamconf.testkit import helm
from oamconf.testkit.xrender import Function, RenderFailed
from probes.vclusterapi import DEFAULT_SANS, serve_vcluster_api

Change = Callable[[list[dict[str, Any]]], None]


@pytest.fixture(scope="module")
def vcluster_chart(engines: dict[str, Built], versions: Versions, tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = module_dir("github.com/loft-sh/vcluster", f"v{versions.vcluster.chart_version}") / "chart"
    return helm.published_chart(
        engines["helm"], source, versions.vcluster.chart_version, tmp_path_factory.mktemp("charts")
    )


def _mutated(change: Change) -> dict[str, Any]:
    comp = composition()
    change(resources(comp))
    return comp


def _reconcile(engines: dict[str, Built], function: Function, reconciled: Reconciled, change: Change) -> Reconciled:
    return reconcile(engines, function, reconciled.ca, _mutated(change))


def _serving_sans(engines: dict[str, Built], chart: Path, reconciled: Reconciled) -> list[str]:
    """The names the vCluster API's certificate carries: vCluster's own, plus the extraSANs of the config
    the chart hands it (Secret vc-config-<name>, key config.yaml)."""
    release = reconciled.first.composed[RELEASE]["spec"]["forProvider"]
    objects = helm.template(
        engines["helm"], chart, release="vc1", namespace=release["namespace"], values=release["values"]
    )
    config_secret = helm.find(objects, "Secret", "vc-config-vc1")
    config = yaml.safe_load(base64.b64decode(config_secret["data"]["config.yaml"]))
    return [*DEFAULT_SANS, *config["controlPlane"]["proxy"].get("extraSANs", [])]


def _argo_cd_signs_in(reconciled: Reconciled, sans: list[str], tmp_path: Path) -> Any:
    """Argo CD's cluster Secret as the API server returns it, checked as Argo CD would use it."""
    manifest = secret_of(reconciled.second.composed[CLUSTER_SECRET])
    cluster = parse_cluster_secret(KubeObject(manifest), secrets=Redactor())
    with serve_vcluster_api(reconciled.ca, tmp_path, dns_names=sans, tokens=[SA_TOKEN]) as (_, endpoint):
        return verify_cluster_secret(cluster, endpoint)


def test_argo_cd_signs_in_to_the_vcluster_the_chart_renders_with_the_composed_secret(
    reconciled: Reconciled, engines: dict[str, Built], vcluster_chart: Path, tmp_path: Path
) -> None:
    verified = _argo_cd_signs_in(reconciled, _serving_sans(engines, vcluster_chart, reconciled), tmp_path)
    assert verified.credentials == (Credential.BEARER_TOKEN,)
    assert "certificate for vc1.vc1-ns.svc verified against caData" in str(verified)


def test_a_san_dropped_from_the_composition_fails_argo_cd_s_tls_check(
    reconciled: Reconciled,
    engines: dict[str, Built],
    patch_and_transform: Function,
    vcluster_chart: Path,
    tmp_path: Path,
) -> None:
    def drop_svc_san(items: list[dict[str, Any]]) -> None:
        release = next(r for r in items if r["name"] == RELEASE)
        release["patches"] = [
            p for p in release["patches"] if p.get("combine", {}).get("string", {}).get("fmt") != "%s.%s.svc"
        ]

    broken = _reconcile(engines, patch_and_transform, reconciled, drop_svc_san)
    sans = _serving_sans(engines, vcluster_chart, broken)
    assert "vc1.vc1-ns.svc" not in sans
    with pytest.raises(ProbeFailed, match=r"x509: certificate is valid for .*, not vc1\.vc1-ns\.svc"):
        _argo_cd_signs_in(broken, sans, tmp_path)


def test_a_misspelled_transform_fails_the_composite_once_the_vcluster_is_up_with_the_function_s_message(
    reconciled: Reconciled, engines: dict[str, Built], patch_and_transform: Function
) -> None:
    def misspell(items: list[dict[str, Any]]) -> None:
        reader = next(r for r in items if r["name"] == READER)
        reader["patches"][-1]["transforms"][0]["string"]["convert"] = "FromBase46"

    broken = _reconcile(engines, patch_and_transform, reconciled, misspell)
    # function-patch-and-transform does not check a transform's type up front: the patch reads observed state,
    # so the first reconcile (nothing observed yet) passes and the mistake waits for the vCluster to exist.
    assert broken.first.error == ""
    expected = (
        'pipeline step "patch-and-transform" returned a fatal result: cannot render composed resource '
        f'"{READER}" "ToEnvironmentFieldPath" patch at index 3: transform at index 0 returned error: '
        "string transform could not resolve: type FromBase46 is not supported for string convert"
    )
    assert expected in broken.second.error
    synced = broken.second.condition("Synced")
    assert (synced.get("status"), synced.get("reason")) == ("False", "ReconcileError")
    assert synced.get("message") == f"cannot compose resources: {expected}"


def test_the_secret_reader_listed_after_the_cluster_secret_leaves_argo_cd_without_the_cluster(
    reconciled: Reconciled, engines: dict[str, Built], patch_and_transform: Function
) -> None:
    def reader_last(items: list[dict[str, Any]]) -> None:
        reader = next(r for r in items if r["name"] == READER)
        items.remove(reader)
        items.append(reader)

    second = _reconcile(engines, patch_and_transform, reconciled, reader_last).second
    assert CLUSTER_SECRET not in second.composed  # the token is read after the Secret was rendered: never
    assert any(f'not adding new composed resource "{CLUSTER_SECRET}"' in w for w in second.warnings())


def test_without_required_the_cluster_secret_is_created_without_credentials(
    reconciled: Reconciled, engines: dict[str, Built], patch_and_transform: Function
) -> None:
    def optional_config(items: list[dict[str, Any]]) -> None:
        secret = next(r for r in items if r["name"] == CLUSTER_SECRET)
        del next(p for p in secret["patches"] if p["type"] == "CombineFromEnvironment")["policy"]

    first = _reconcile(engines, patch_and_transform, reconciled, optional_config).first
    data = secret_of(first.composed[CLUSTER_SECRET])["data"]
    assert "config" not in data  # Argo CD would get a cluster Secret with no credentials at all


def test_a_composition_naming_a_function_that_does_not_run_fails_with_crossplane_s_message(
    reconciled: Reconciled, engines: dict[str, Built], patch_and_transform: Function
) -> None:
    comp = composition()
    comp["spec"]["pipeline"][0]["functionRef"]["name"] = "function-patch-and-transfrom"
    with pytest.raises(RenderFailed) as caught:
        reconcile(engines, patch_and_transform, reconciled.ca, comp)
    assert (
        'cannot compose resources: cannot run Composition pipeline step "patch-and-transform": '
        'unknown function "function-patch-and-transfrom"'
    ) in str(caught.value)
