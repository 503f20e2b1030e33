"""Kubeconfigs and credentials against the real API server: client certificates verified against the CA,
a CA that does not match, credentials it refuses, no credentials at all, RBAC, and the events the suite reads.
The stand-in (selftests/k8s/test_kube_backend.py) answered what each test programmed; here the server says."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

import pytest
from kubernetes import config as k8s_config

from oamconf.cluster.guard import ensure_ours
from oamconf.cluster.localcp.certs import Identity, client_certificate, make_pki
from oamconf.cluster.localcp.controlplane import CONTEXT, NODE, LocalControlPlane, write_kubeconfig
from oamconf.errors import AccessDenied, ClusterUnreachable, UsageError
from oamconf.k8s.api import Ref
from oamconf.k8s.expect import Expect
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.kube_vcluster import VClusterApi
from oamconf.k8s.kubeconfig import choose_context, context_server
from oamconf.k8s.reactions import DENIED_USER, forbidden_message
from oamconf.k8s.wait import Observation
from oamconf.redact import MASK, Redactor
from oamconf.steps.hints import diagnose, matching_rule

NOBODY = Identity("oamconf-nobody")  # a user no RBAC rule names


def kubeconfig(path: Path, server: str, *, ca: Path, user: dict[str, str]) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server, "certificate-authority": str(ca)}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "ctx",
    }
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def test_a_client_certificate_kubeconfig_connects_with_the_ca_verified(plane: LocalControlPlane) -> None:
    with closing(KubeCluster.from_kubeconfig(plane.kubeconfig, CONTEXT)) as backend:
        assert backend.server_version().startswith("v1.")
        assert backend.server == plane.server


def test_a_kubeconfig_whose_ca_did_not_sign_the_server_is_unreachable_saying_why(
    plane: LocalControlPlane, tmp_path: Path
) -> None:
    other = make_pki(tmp_path / "other", identities=())
    path = kubeconfig(tmp_path / "kc", plane.server, ca=other.ca.cert, user={})

    with closing(KubeCluster.from_kubeconfig(path, None)) as backend, pytest.raises(ClusterUnreachable) as caught:
        backend.server_version()

    # The other CA has the same name as the server's issuer: OpenSSL finds it and reports the signature, not
    # an unknown issuer (a re-created cluster's CA keeps its name; kube_vcluster counts this as untrusted too).
    assert caught.value.message == (
        f"cannot reach the API server at {plane.server}: certificate verify failed: certificate signature failure"
    )


def test_a_token_the_server_does_not_know_is_access_denied_401(plane: LocalControlPlane, tmp_path: Path) -> None:
    ca = plane.layout.pki / "ca.crt"
    redactor = Redactor()
    path = kubeconfig(tmp_path / "kc", plane.server, ca=ca, user={"token": "not-a-token-0123456789"})

    with (
        closing(KubeCluster.from_kubeconfig(path, None, secrets=redactor)) as backend,
        pytest.raises(AccessDenied) as caught,
    ):
        backend.get(Ref("v1", "Namespace", "default"))

    assert str(caught.value) == "401 Unauthorized: Unauthorized"
    assert _hint(str(caught.value)) == "credentials-rejected"
    assert redactor.redact("sent not-a-token-0123456789") == f"sent {MASK}"


def test_no_credentials_at_all_is_anonymous_and_forbidden_not_unauthorized(
    plane: LocalControlPlane, tmp_path: Path
) -> None:
    path = kubeconfig(tmp_path / "kc", plane.server, ca=plane.layout.pki / "ca.crt", user={})

    with closing(KubeCluster.from_kubeconfig(path, None)) as backend, pytest.raises(AccessDenied) as caught:
        backend.get(Ref("v1", "Namespace", "default"))

    # Discovery comes first and is refused too: anonymous users may not even list the API groups.
    assert (caught.value.status, caught.value.reason) == (403, "Forbidden")
    assert caught.value.message == 'forbidden: User "system:anonymous" cannot get path "/apis"'
    # As a step's failure carries it: the wait's line around the server's words.
    assert _hint(f"access denied ({caught.value}); check the kubeconfig's credentials and RBAC") == (
        "rbac-forbidden-anonymous"
    )


def test_a_user_without_rbac_is_forbidden_in_the_servers_words(plane: LocalControlPlane, tmp_path: Path) -> None:
    assert plane.pki is not None
    nobody = client_certificate(plane.pki.ca, NOBODY, tmp_path)  # signed by the cluster's CA: authenticated
    path = write_kubeconfig(tmp_path / "kc", plane.server, plane.pki.ca.cert, nobody, NOBODY.user)

    with closing(KubeCluster.from_kubeconfig(path, CONTEXT)) as backend, pytest.raises(AccessDenied) as caught:
        backend.get(Ref("v1", "ConfigMap", "x", "default"))

    assert (caught.value.status, caught.value.reason) == (403, "Forbidden")
    assert caught.value.message == forbidden_message("get", Ref("v1", "ConfigMap", "x", "default")).replace(
        DENIED_USER, NOBODY.user
    )
    assert caught.value.message == (
        'configmaps "x" is forbidden: User "oamconf-nobody" cannot get resource "configmaps" '
        'in API group "" in the namespace "default"'
    )
    hint = diagnose(f"access denied ({caught.value}); check the kubeconfig's credentials and RBAC")
    assert hint is not None
    assert hint.cause == (
        'RBAC does not let user oamconf-nobody get resource "configmaps" in API group "" in the namespace "default"'
    )


def _hint(text: str) -> str | None:
    found = matching_rule(text)
    return found[0].known.name if found else None


def test_the_events_of_a_pod_are_found_by_its_involved_object(cluster: KubeCluster, namespace: str) -> None:
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": namespace},
                   "spec": {"containers": [{"name": "app", "image": "registry.invalid/app:1"}]}})  # fmt: skip
    ref = Ref("v1", "Pod", "web", namespace)

    def scheduled() -> Observation:
        reasons = [event.reason for event in cluster.events(ref)]
        return Observation.simple("Scheduled" in reasons, f"want a Scheduled event, are {reasons}")

    Expect(cluster).until(scheduled, subject=f"events of {ref}", timeout=60)

    (event,) = [e for e in cluster.events(ref) if e.reason == "Scheduled"]
    assert event.type == "Normal"
    assert event.message == f"Successfully assigned {namespace}/web to {NODE}"


def test_a_vcluster_ca_with_the_old_ones_name_but_another_key_is_called_untrusted(
    plane: LocalControlPlane, tmp_path: Path
) -> None:
    # The real server sends its leaf alone, so OpenSSL finds the same-named CA and fails on its signature (7).
    other = make_pki(tmp_path / "other", identities=())
    path = kubeconfig(tmp_path / "kc", plane.server, ca=other.ca.cert, user={})
    client = k8s_config.new_client_from_config(config_file=str(path), persist_config=False)  # type: ignore[no-untyped-call]

    inside = VClusterApi(client, namespace="vc1-ns", name="vc1", context_name="vc1")
    with closing(inside), pytest.raises(ClusterUnreachable) as caught:
        inside.list("v1", "Namespace")

    assert "is not trusted by the vCluster's CA" in caught.value.message
    assert "certificate signature failure" in caught.value.message


def test_the_guard_reads_the_real_server_from_the_kubeconfig_and_refuses_a_context_that_is_not_kind(
    plane: LocalControlPlane,
) -> None:
    files, context = choose_context(plane.kubeconfig, None)

    assert context_server(files, context) == plane.server
    with pytest.raises(
        UsageError, match=r"refusing to install or delete anything in context 'oamconf-local': it is not a kind context"
    ):
        ensure_ours(context, [], allow_foreign=False, server=plane.server)
