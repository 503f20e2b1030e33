"""An Argo CD cluster Secret used as Argo CD would use it, against a real vCluster-like API over TLS
(vclusterapi.py): the serving certificate with and without ``vc1.vc1-ns.svc``, a bearer token or the
admin client certificate, and the errors a platform engineer meets in Argo CD (platform-facts §7.5)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest

from oamconf.errors import ProbeFailed
from oamconf.k8s.api import Endpoint
from oamconf.probes.cluster_access import verify_cluster_secret
from oamconf.probes.cluster_secret import Credential, FindingKind, parse_cluster_secret
from oamconf.redact import Redactor
from oamconf.testkit.certs import CertPair, make_ca
from probes.vclusterapi import (
    ADMIN,
    DEFAULT_SANS,
    VC1,
    WITH_SERVICE_NAME,
    b64,
    client_cert,
    cluster_secret,
    serve_vcluster_api,
)

TOKEN = "eyJhbGciOiJSUzI1NiJ9." + secrets.token_urlsafe(32)  # a ServiceAccount token's shape


@pytest.fixture(scope="module")
def ca() -> CertPair:
    return make_ca("vcluster-ca")


def token_config(ca: CertPair, **tls: object) -> dict[str, object]:
    return {"bearerToken": TOKEN, "tlsClientConfig": {"insecure": False, "caData": b64(ca.cert_pem), **tls}}


def test_a_good_secret_signs_in_and_reads_the_server_version(ca: CertPair, tmp_path: Path) -> None:
    cluster = parse_cluster_secret(cluster_secret(token_config(ca)), secrets=Redactor())

    with serve_vcluster_api(ca, tmp_path, tokens=[TOKEN]) as (api, endpoint):
        verified = verify_cluster_secret(cluster, endpoint)

    assert cluster.findings == ()
    assert verified.server_version == "v1.36.1-fake"
    assert verified.credentials == (Credential.BEARER_TOKEN,)
    assert api.server_names == ["vc1.vc1-ns.svc", "vc1.vc1-ns.svc"]  # SNI: the name verified, not 127.0.0.1
    assert [(r.path, r.headers["host"]) for r in api.received] == [
        ("/version", "vc1.vc1-ns.svc:443"),
        ("/api/v1/namespaces", "vc1.vc1-ns.svc:443"),
    ]
    assert str(verified) == (
        f"{VC1} via {endpoint}: certificate for vc1.vc1-ns.svc verified against caData; GET /version: Kubernetes "
        "v1.36.1-fake, then GET /api/v1/namespaces?limit=1: allowed, signed in with bearer token"
    )


def test_a_certificate_without_the_service_name_fails_as_argo_cd_reports_it(ca: CertPair, tmp_path: Path) -> None:
    cluster = parse_cluster_secret(cluster_secret(token_config(ca)), secrets=None)

    with (
        serve_vcluster_api(ca, tmp_path, dns_names=DEFAULT_SANS, tokens=[TOKEN]) as (_, endpoint),
        pytest.raises(ProbeFailed) as failure,
    ):
        verify_cluster_secret(cluster, endpoint)

    message = str(failure.value)
    sans = ", ".join(DEFAULT_SANS)
    assert f'Get "{VC1}/version": tls: failed to verify certificate: x509: certificate is valid for {sans}, ' in message
    assert re.search(r"x509: certificate is valid for .*, not vc1\.vc1-ns\.svc", message)  # platform-facts §7.5
    assert "add vc1.vc1-ns.svc to controlPlane.proxy.extraSANs" in message
    assert "or set tlsClientConfig.serverName to one of the names it lists" in message


def test_server_name_checks_a_name_the_certificate_has(ca: CertPair, tmp_path: Path) -> None:
    cluster = parse_cluster_secret(cluster_secret(token_config(ca, serverName="vc1")), secrets=None)

    with serve_vcluster_api(ca, tmp_path, dns_names=DEFAULT_SANS, tokens=[TOKEN]) as (api, endpoint):
        verified = verify_cluster_secret(cluster, endpoint)

    assert verified.verified_name == "vc1"
    assert set(api.server_names) == {"vc1"}


def test_a_server_name_the_certificate_lacks_says_to_pick_one_it_has(ca: CertPair, tmp_path: Path) -> None:
    cluster = parse_cluster_secret(cluster_secret(token_config(ca, serverName="vc9")), secrets=None)

    with serve_vcluster_api(ca, tmp_path, tokens=[TOKEN]) as (_, endpoint), pytest.raises(ProbeFailed) as failure:
        verify_cluster_secret(cluster, endpoint)

    assert "not vc9; fix: tlsClientConfig.serverName vc9 is not among them" in str(failure.value)


def test_a_ca_that_did_not_sign_the_certificate_is_an_unknown_authority(ca: CertPair, tmp_path: Path) -> None:
    """A re-created vCluster has a new CA: the caData copied before no longer verifies it."""
    cluster = parse_cluster_secret(cluster_secret(token_config(make_ca("old-vcluster-ca"))), secrets=None)

    with serve_vcluster_api(ca, tmp_path, tokens=[TOKEN]) as (_, endpoint), pytest.raises(ProbeFailed) as failure:
        verify_cluster_secret(cluster, endpoint)

    message = str(failure.value)
    assert "tls: failed to verify certificate: x509: certificate signed by unknown authority" in message
    assert "caData is not the CA that signed the cluster's certificate" in message


def test_a_rejected_token_is_a_401_without_the_token(ca: CertPair, tmp_path: Path) -> None:
    cluster = parse_cluster_secret(cluster_secret(token_config(ca)), secrets=None)

    with (
        serve_vcluster_api(ca, tmp_path, tokens=["another-token"]) as (_, endpoint),
        pytest.raises(ProbeFailed) as failure,
    ):
        verify_cluster_secret(cluster, endpoint)

    message = str(failure.value)
    assert f'Get "{VC1}/version": 401 Unauthorized (Unauthorized): the API server rejected the bearer token' in message
    assert TOKEN not in message


def test_a_forbidden_list_is_a_403_with_the_api_servers_words(ca: CertPair, tmp_path: Path) -> None:
    cluster = parse_cluster_secret(cluster_secret(token_config(ca)), secrets=None)
    forbidden = (
        'namespaces is forbidden: User "system:serviceaccount:kube-system:argocd-manager" cannot list resource '
        '"namespaces" in API group "" at the cluster scope'
    )

    with serve_vcluster_api(ca, tmp_path, tokens=[TOKEN]) as (api, endpoint):
        api.fail("GET", "/api/v1/namespaces", 403, "Forbidden", forbidden)
        with pytest.raises(ProbeFailed) as failure:
            verify_cluster_secret(cluster, endpoint)

    assert f'Get "{VC1}/api/v1/namespaces?limit=1": 403 Forbidden ({forbidden}): ' in str(failure.value)


def test_the_admin_client_certificate_signs_in_and_is_a_finding(ca: CertPair, tmp_path: Path) -> None:
    """The reference platform's registration: the vCluster's admin certificate, as the Composition copies it."""
    admin = client_cert(ca)
    tls = {
        "insecure": False,
        "caData": b64(ca.cert_pem),
        "certData": b64(admin.cert_pem),
        "keyData": b64(admin.key_pem),
    }
    cluster = parse_cluster_secret(cluster_secret({"tlsClientConfig": tls}), secrets=None)

    with serve_vcluster_api(ca, tmp_path, client_names=[ADMIN]) as (api, endpoint):
        verified = verify_cluster_secret(cluster, endpoint)

    assert [f.kind for f in cluster.findings] == [FindingKind.CLIENT_CERTIFICATE]
    assert verified.credentials == (Credential.CLIENT_CERTIFICATE,)
    assert {r.client_cert for r in api.received} == {ADMIN}
    assert "authorization" not in api.received[0].headers


def test_a_client_certificate_another_ca_signed_is_a_401_naming_the_certificate(ca: CertPair, tmp_path: Path) -> None:
    old_ca = make_ca("old-vcluster-ca")
    stranger = client_cert(old_ca, "old-admin")
    tls = {"caData": b64(ca.cert_pem), "certData": b64(stranger.cert_pem), "keyData": b64(stranger.key_pem)}
    cluster = parse_cluster_secret(cluster_secret({"tlsClientConfig": tls}), secrets=None)

    with (
        serve_vcluster_api(ca, tmp_path, client_names=[ADMIN], handshake_with=[old_ca]) as (_, endpoint),
        pytest.raises(ProbeFailed) as failure,
    ):
        verify_cluster_secret(cluster, endpoint)

    assert "401 Unauthorized (Unauthorized): the API server rejected the client certificate" in str(failure.value)


def test_insecure_connects_without_checking_and_is_a_finding(tmp_path: Path) -> None:
    config = {"bearerToken": TOKEN, "tlsClientConfig": {"insecure": True}}
    cluster = parse_cluster_secret(cluster_secret(config), secrets=None)

    with serve_vcluster_api(make_ca("any-ca"), tmp_path, dns_names=["elsewhere"], tokens=[TOKEN]) as (_, endpoint):
        verified = verify_cluster_secret(cluster, endpoint)

    assert [f.kind for f in cluster.findings] == [FindingKind.INSECURE]
    assert verified.trusted == ""
    assert verified.tls == "certificate for vc1.vc1-ns.svc NOT verified (insecure: true)"


def test_no_ca_data_trusts_the_system_roots_which_lack_a_vclusters_ca(ca: CertPair, tmp_path: Path) -> None:
    cluster = parse_cluster_secret(cluster_secret({"bearerToken": TOKEN, "tlsClientConfig": {}}), secrets=None)

    with serve_vcluster_api(ca, tmp_path, tokens=[TOKEN]) as (_, endpoint), pytest.raises(ProbeFailed) as failure:
        verify_cluster_secret(cluster, endpoint)

    assert [f.kind for f in cluster.findings] == [FindingKind.SYSTEM_ROOTS]
    assert "x509: certificate signed by unknown authority" in str(failure.value)
    assert "set caData to the cluster's CA" in str(failure.value)


def test_an_exec_provider_is_said_to_be_beyond_the_suite(ca: CertPair, refused_endpoint: Endpoint) -> None:
    config = {
        "execProviderConfig": {"command": "argocd-k8s-auth", "apiVersion": "client.authentication.k8s.io/v1beta1"}
    }
    cluster = parse_cluster_secret(
        cluster_secret({**config, "tlsClientConfig": {"caData": b64(ca.cert_pem)}}), secrets=None
    )

    assert cluster.credentials == (Credential.EXEC,)
    with pytest.raises(ProbeFailed, match="signs in through execProviderConfig, a command only Argo CD's pods run"):
        verify_cluster_secret(cluster, refused_endpoint)


def test_a_closed_port_says_nothing_listens(ca: CertPair, refused_endpoint: Endpoint) -> None:
    cluster = parse_cluster_secret(cluster_secret(token_config(ca)), secrets=None)

    with pytest.raises(ProbeFailed, match="connection refused: nothing listens on"):
        verify_cluster_secret(cluster, refused_endpoint)


def test_a_port_that_hangs_up_says_the_pod_behind_it_is_unreachable(ca: CertPair, hangup_endpoint: Endpoint) -> None:
    """Reset, or closed before or after the request: one fault, one text whatever the timing."""
    cluster = parse_cluster_secret(cluster_secret(token_config(ca)), secrets=None)

    with pytest.raises(ProbeFailed) as failure:
        verify_cluster_secret(cluster, hangup_endpoint)

    assert str(failure.value).endswith(
        '/version": the connection was closed before the cluster answered: the port-forward is up but cannot '
        "reach the pod (restarting?), or the port is not the cluster's"
    )


def test_no_message_carries_the_token_or_the_key(ca: CertPair, tmp_path: Path) -> None:
    someone = client_cert(ca, "someone")  # signed by the vCluster's CA, a name its API does not know
    key_b64 = b64(someone.key_pem)
    tls = {"caData": b64(ca.cert_pem), "certData": b64(someone.cert_pem), "keyData": key_b64}
    cluster = parse_cluster_secret(cluster_secret({"bearerToken": TOKEN, "tlsClientConfig": tls}), secrets=None)
    messages = []

    for dns_names in (DEFAULT_SANS, WITH_SERVICE_NAME):  # the name fails, then the sign-in
        with (
            serve_vcluster_api(ca, tmp_path, dns_names=dns_names) as (_, endpoint),
            pytest.raises(ProbeFailed) as failure,
        ):
            verify_cluster_secret(cluster, endpoint)
        messages.append(str(failure.value))

    assert "not vc1.vc1-ns.svc" in messages[0]
    assert "401 Unauthorized" in messages[1]
    key_lines = someone.key_pem.decode().splitlines()[1:-1]
    for message in messages:
        assert "\n" not in message
        for secret in (TOKEN, key_b64, *key_lines):
            assert secret not in message


def test_a_cluster_registered_for_some_namespaces_is_read_in_the_first(ca: CertPair, tmp_path: Path) -> None:
    """With ``namespaces`` Argo CD manages only those, so the identity need not list all namespaces."""
    secret = cluster_secret(token_config(ca), data={"namespaces": b64("demo,apps")})
    cluster = parse_cluster_secret(secret, secrets=None)

    with serve_vcluster_api(ca, tmp_path, tokens=[TOKEN]) as (api, endpoint):
        api.answer("GET", "/api/v1/namespaces/demo/configmaps", {"kind": "ConfigMapList", "items": []})
        verified = verify_cluster_secret(cluster, endpoint)

    assert verified.allowed == "GET /api/v1/namespaces/demo/configmaps?limit=1"
