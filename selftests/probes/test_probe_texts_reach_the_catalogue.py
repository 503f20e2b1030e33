"""Every failure a probe reports, as the probe words it, reaches the hint catalogue's rule for that cause.

The catalogue's own tests feed it upstream texts; a step's failure, though, is often the probe's own
sentence (``401 Unauthorized (Unauthorized): the API server rejected the bearer token``). Here each probe
fails for real, against the real servers the other probe tests use, and its message goes through
``diagnose`` as a failed step's would: a probe rewording a message cannot silently lose its root cause.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from oamconf.errors import ProbeFailed
from oamconf.k8s.api import Endpoint
from oamconf.probes.argocd import ArgoCdApi
from oamconf.probes.cluster_access import verify_cluster_secret
from oamconf.probes.cluster_secret import parse_cluster_secret
from oamconf.probes.postgres import probe_postgres
from oamconf.probes.redis import probe_redis
from oamconf.probes.tls import probe_tls
from oamconf.steps.hints import matching_rule
from oamconf.testkit.certs import CertPair, make_ca
from probes.fakeargocd import FakeArgoCd, argocd_certificate
from probes.servers import REDIS_PASSWORD, PgTarget
from probes.vclusterapi import ADMIN, DEFAULT_SANS, b64, client_cert, cluster_secret, serve_vcluster_api

TOKEN = "eyJhbGciOiJSUzI1NiJ9." + secrets.token_urlsafe(32)


@pytest.fixture(scope="module")
def ca() -> CertPair:
    return make_ca("vcluster-ca")


def failure_of(probe: Callable[[], object]) -> str:
    with pytest.raises(ProbeFailed) as failure:
        probe()
    return str(failure.value)


def assert_reaches(text: str, rule: str, *cause_parts: str) -> None:
    found = matching_rule(text)
    assert found is not None, f"no rule explains the probe's text: {text}"
    assert found[0].name == rule, f"{rule} wanted, {found[0].name} matched: {text}"
    hint = found[0].hint(found[1])
    for part in cause_parts:
        assert part in hint.cause, hint.cause


def _verify(ca: CertPair, tmp_path: Path, config: dict[str, Any], **server: Any) -> str:
    cluster = parse_cluster_secret(cluster_secret(config), secrets=None)
    with serve_vcluster_api(ca, tmp_path, **server) as (_, endpoint):
        return failure_of(lambda: verify_cluster_secret(cluster, endpoint))


def test_a_rejected_bearer_token_is_credentials_rejected(ca: CertPair, tmp_path: Path) -> None:
    config = {"bearerToken": TOKEN, "tlsClientConfig": {"caData": b64(ca.cert_pem)}}
    text = _verify(ca, tmp_path, config, tokens=["another-token"])
    assert_reaches(text, "credentials-rejected", "the bearer token")


def test_a_rejected_client_certificate_is_credentials_rejected(ca: CertPair, tmp_path: Path) -> None:
    old_ca = make_ca("old-vcluster-ca")
    stranger = client_cert(old_ca, "old-admin")
    tls = {"caData": b64(ca.cert_pem), "certData": b64(stranger.cert_pem), "keyData": b64(stranger.key_pem)}
    cluster = parse_cluster_secret(cluster_secret({"tlsClientConfig": tls}), secrets=None)
    with serve_vcluster_api(ca, tmp_path, client_names=[ADMIN], handshake_with=[old_ca]) as (_, endpoint):
        text = failure_of(lambda: verify_cluster_secret(cluster, endpoint))
    assert_reaches(text, "credentials-rejected", "the client certificate")


def test_a_certificate_without_the_service_name_is_the_san_rule(ca: CertPair, tmp_path: Path) -> None:
    config = {"bearerToken": TOKEN, "tlsClientConfig": {"caData": b64(ca.cert_pem)}}
    text = _verify(ca, tmp_path, config, tokens=[TOKEN], dns_names=DEFAULT_SANS)
    assert_reaches(text, "certificate-name-svc", "vc1.vc1-ns.svc")


def test_another_vclusters_ca_is_an_unknown_authority(ca: CertPair, tmp_path: Path) -> None:
    config = {"bearerToken": TOKEN, "tlsClientConfig": {"caData": b64(make_ca("other").cert_pem)}}
    text = _verify(ca, tmp_path, config, tokens=[TOKEN])
    assert_reaches(text, "certificate-unknown-authority")


def test_ca_data_encoded_twice_is_not_called_an_unknown_authority() -> None:
    config = {"bearerToken": TOKEN, "tlsClientConfig": {"caData": b64(b64(make_ca("vc").cert_pem))}}
    text = failure_of(lambda: parse_cluster_secret(cluster_secret(config), secrets=None))
    assert_reaches(text, "cluster-secret-ca-not-pem", "not a PEM certificate")


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        pytest.param(lambda: cluster_secret("{not json"), "data.config is not JSON", id="config-not-json"),
        pytest.param(lambda: cluster_secret({}, labels={}), "want label", id="no-cluster-label"),
        pytest.param(lambda: cluster_secret({}, server="http://vc1"), "data.server is not an https", id="http"),
    ],
)
def test_a_malformed_cluster_secret_says_what_argo_cd_cannot_read(secret: Callable[[], Any], problem: str) -> None:
    text = failure_of(lambda: parse_cluster_secret(secret(), secrets=None))
    assert_reaches(text, "cluster-secret-malformed", problem)


def test_a_wrong_argocd_password_is_the_login_rule() -> None:
    argocd = FakeArgoCd(cert=argocd_certificate(), password=secrets.token_urlsafe(12), clusters=[])
    with argocd.serve() as endpoint:
        api = ArgoCdApi(endpoint, ca_pem=argocd.cert.cert_pem, secrets=None)
        text = failure_of(lambda: api.login("admin", "wrong-" + secrets.token_hex(4)))
    assert_reaches(text, "argocd-login-rejected")


def test_a_wrong_postgres_password_is_the_postgres_rule(pg_target: PgTarget) -> None:
    text = failure_of(
        lambda: probe_postgres(pg_target.endpoint, user=pg_target.user, password="wrong", database=pg_target.database)
    )
    assert_reaches(text, "postgres-password-rejected", pg_target.user)


def test_redis_passwords_wrong_or_missing_are_their_rules(redis_proc_with_password: Any) -> None:
    endpoint = Endpoint(str(redis_proc_with_password.host), int(redis_proc_with_password.port))
    assert REDIS_PASSWORD
    assert_reaches(failure_of(lambda: probe_redis(endpoint, password="wrong")), "redis-password-rejected")
    assert_reaches(failure_of(lambda: probe_redis(endpoint)), "redis-password-missing")


def test_a_closed_port_is_the_same_rule_for_every_probe(refused_endpoint: Endpoint, ca: CertPair) -> None:
    texts = [
        failure_of(lambda: probe_postgres(refused_endpoint, user="u", password="p", database="d", timeout=2)),
        failure_of(lambda: probe_redis(refused_endpoint, timeout=2)),
        failure_of(lambda: probe_tls(refused_endpoint, server_name="vc1.vc1-ns.svc", ca_pem=ca.cert_pem)),
    ]
    for text in texts:
        assert_reaches(text, "port-closed", str(refused_endpoint))
