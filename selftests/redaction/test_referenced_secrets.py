"""Secrets that platform objects reference are read and masked at the start of the run, on both backends."""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path
from typing import Any

import pytest

# selftests/ is on sys.path (pyproject pythonpath), so this folder imports as the namespace package k8s.
from k8s import fakeapi
from oamconf.cluster.secrets import references_in, register_referenced_secrets
from oamconf.k8s.api import KubeObject, Ref
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.scenario import load_scenario
from oamconf.platform.profile import Profile, load_profile
from oamconf.redact import Redactor

SCENARIOS = Path(__file__).parent.parent / "scenarios"
PLANTED = (
    "Pl4ntedProviderCred-1174",
    "Pl4ntedReleasePw-5531",
    "Pl4ntedPodinfoPw-4471",
    "Pl4ntedVclusterTok-3390",
    "Pl4ntedArgoBearer-8812",
    "Pl4ntedEmbedded-6620",
)
ECHOING = (
    Ref("helm.crossplane.io/v1beta1", "ProviderConfig", "helm-provider"),
    Ref("helm.crossplane.io/v1beta1", "Release", "test-postgres-only-test-db"),
    Ref("core.oam.dev/v1beta1", "Application", "podinfo", "conformance"),
    Ref("platform.example.org/v1alpha1", "VirtualCluster", "vc1"),
    Ref("kubernetes.crossplane.io/v1alpha2", "Object", "embedded-creds"),
)

# The backend fixtures for the real client against a local HTTP server, bound by name.
api, kubeconfig = fakeapi.api, fakeapi.kubeconfig


@pytest.fixture
def redactor() -> Redactor:
    return Redactor()


@pytest.fixture(scope="module")
def profile() -> Profile:
    return load_profile()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def echoed_text(cluster: MemoryCluster) -> str:
    """What a step could print about the echoing objects: their status and events."""
    parts = []
    for ref in ECHOING:
        found = cluster.get(ref)
        assert found is not None, ref
        parts += [str(dict(found.status)), *(str(e) for e in cluster.events(ref))]
    return "\n".join(parts)


def test_secrets_platform_objects_reference_are_masked_before_any_step_reads_them(
    redactor: Redactor, profile: Profile
) -> None:
    cluster = load_scenario(SCENARIOS / "planted-secrets.yaml", secrets=redactor)
    text = echoed_text(cluster)
    leaked = [v for v in PLANTED if v in redactor.redact(text) or b64(v) in redactor.redact(text)]
    assert leaked == list(PLANTED), "the scenario must echo every value, bare or in base64"

    register_referenced_secrets(cluster, redactor, profile)

    shown = redactor.redact(text)
    assert [v for v in PLANTED if v in shown or b64(v) in shown] == []
    assert "login to oci://registry-1.docker.io failed for ***" in shown


def test_a_referenced_secret_that_cannot_be_read_is_named_with_the_object_that_references_it(
    redactor: Redactor, profile: Profile
) -> None:
    cluster = load_scenario(SCENARIOS / "planted-secrets.yaml", secrets=redactor)

    notes = register_referenced_secrets(cluster, redactor, profile)

    forbidden = "from ProviderConfig kubernetes-provider spec.credentials.secretRef"
    assert notes == [
        f"Secret crossplane-system/k8s-creds ({forbidden}): 403 Forbidden",
        "Secret default/embedded-creds (from Object embedded-creds spec.forProvider.manifest): 404 not found",
    ]


def test_a_platform_without_credential_secrets_needs_no_note(redactor: Redactor, profile: Profile) -> None:
    cluster = load_scenario(SCENARIOS / "healthy", secrets=redactor)
    assert register_referenced_secrets(cluster, redactor, profile) == []


def scenario(tmp_path: Path, failures: str) -> MemoryCluster:
    """The podinfo Application and its credential Secret, with the given failures."""
    path = tmp_path / "apps.yaml"
    path.write_text(
        textwrap.dedent(f"""
        name: apps
        objects:
          - apiVersion: v1
            kind: Secret
            metadata: {{name: podinfo-db-credentials, namespace: conformance}}
            data: {{password: {b64("Zq9-app-pass-31")}}}
          - apiVersion: core.oam.dev/v1beta1
            kind: Application
            metadata: {{name: podinfo, namespace: conformance}}
            spec:
              components: [{{name: db, type: postgresql, properties: {{existingSecret: podinfo-db-credentials}}}}]
        failures: {failures}
        """),
        encoding="utf-8",
    )
    return load_scenario(path)


def test_applications_are_read_from_the_apps_namespace_when_all_namespaces_are_forbidden(
    tmp_path: Path, redactor: Redactor, profile: Profile
) -> None:
    # Listing in kube-system is forbidden, so is every list across all namespaces.
    cluster = scenario(tmp_path, "[{verb: list, match: {kind: Application, namespace: kube-system}, error: forbidden}]")

    notes = register_referenced_secrets(cluster, redactor, profile)

    assert notes == []
    assert redactor.redact("auth Zq9-app-pass-31") == "auth ***"


def test_applications_that_cannot_be_listed_anywhere_are_named(
    tmp_path: Path, redactor: Redactor, profile: Profile
) -> None:
    cluster = scenario(tmp_path, "[{verb: list, match: {kind: Application}, error: forbidden}]")

    notes = register_referenced_secrets(cluster, redactor, profile)

    assert notes == [
        (
            "cannot list Application (core.oam.dev/v1beta1) in conformance: 403 Forbidden, "
            "so the Secrets they reference were not read"
        )
    ]


def test_an_unreachable_cluster_gives_one_note_instead_of_an_error(
    tmp_path: Path, redactor: Redactor, profile: Profile
) -> None:
    cluster = scenario(tmp_path, "[{verb: [get, list], error: unreachable}]")

    notes = register_referenced_secrets(cluster, redactor, profile)

    assert len(notes) == 1
    assert notes[0].startswith("referenced Secrets not read: Unreachable: ")


def test_references_are_found_in_every_shape_a_platform_object_uses() -> None:
    release: dict[str, Any] = {
        "apiVersion": "helm.crossplane.io/v1beta1",
        "kind": "Release",
        "metadata": {"name": "db", "annotations": {"existingSecret": "not-a-reference"}},
        "spec": {
            "writeConnectionSecretToRef": {"name": "db-conn", "namespace": "crossplane-system"},
            "forProvider": {
                "namespace": "apps",
                "values": {"auth": {"existingSecret": "db-creds"}},
                "valuesFrom": [{"secretKeyRef": {"name": "extra-values", "namespace": "ops", "key": "v.yaml"}}],
                "set": [{"name": "x", "valueFrom": {"secretKeyRef": {"name": "set-value", "key": "k"}}}],
            },
        },
    }

    found = {(r.namespace, r.name, r.where) for r in references_in(KubeObject(release), fallback_namespace="cp")}

    assert found == {
        ("crossplane-system", "db-conn", "Release db spec.writeConnectionSecretToRef"),
        ("apps", "db-creds", "Release db spec.forProvider.values.auth.existingSecret"),
        ("ops", "extra-values", "Release db spec.forProvider.valuesFrom[0].secretKeyRef"),
        ("apps", "set-value", "Release db spec.forProvider.set[0].valueFrom.secretKeyRef"),
    }


# -- the real backend -------------------------------------------------------------------------


def _list(kind: str, *items: dict[str, Any]) -> dict[str, Any]:
    return {"kind": f"{kind}List", "apiVersion": "v1", "metadata": {}, "items": list(items)}


def test_the_real_backend_reads_referenced_secrets_through_the_api(
    api: fakeapi.FakeApiServer, kubeconfig: Path, redactor: Redactor, profile: Profile
) -> None:
    """Releases list cluster-wide; Applications only in the apps namespace; one Secret is forbidden."""
    values = {"auth": {"existingSecret": "db-creds"}}
    release = {"metadata": {"name": "db"}, "spec": {"forProvider": {"namespace": "conformance", "values": values}}}
    component = {"name": "db", "type": "postgresql", "properties": {"existingSecret": "pod-creds"}}
    app = {"metadata": {"name": "podinfo", "namespace": "conformance"}, "spec": {"components": [component]}}
    argocd_cluster = {"metadata": {"name": "vcluster-vc1"}, "data": {"config": b64('{"bearerToken":"Zq9-bearer-77"}')}}
    api.answer("GET", "/apis/helm.crossplane.io/v1beta1/releases", _list("Release", release))
    api.fail("GET", "/apis/core.oam.dev/v1beta1/applications", 403, "Forbidden", "cannot list applications")
    api.answer("GET", "/apis/core.oam.dev/v1beta1/namespaces/conformance/applications", _list("Application", app))
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db-creds"}, "data": {"p": b64("Zq9-db-9")}}
    api.answer("GET", "/api/v1/namespaces/conformance/secrets/db-creds", secret)
    api.fail("GET", "/api/v1/namespaces/conformance/secrets/pod-creds", 403, "Forbidden", "cannot get secrets")
    api.answer("GET", "/api/v1/namespaces/argocd/secrets", _list("Secret", argocd_cluster))
    cluster = KubeCluster.from_kubeconfig(kubeconfig, "fake")  # no sink: the function registers by itself
    try:
        notes = register_referenced_secrets(cluster, redactor, profile)
    finally:
        cluster.close()

    # Kinds the server does not serve (ProviderConfig, Object, VirtualCluster here) need no note.
    where = "Application conformance/podinfo spec.components[0].properties.existingSecret"
    assert notes == [f"Secret conformance/pod-creds (from {where}): 403 Forbidden"]
    assert redactor.redact("auth Zq9-db-9 and Zq9-bearer-77") == "auth *** and ***"
    selectors = {r.param("labelSelector") for r in api.calls("/api/v1/namespaces/argocd/secrets")}
    assert selectors == {f"argocd.argoproj.io/secret-type={t}" for t in ("cluster", "repository", "repo-creds")}
