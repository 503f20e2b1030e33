"""An Argo CD cluster Secret read as Argo CD 3.4.4 reads it (SecretToCluster, ClusterConfig through Go's
encoding/json, client-go's rules): what it signs in with, what a report should warn about, and one-line
errors that name the key and never its value."""

from __future__ import annotations

import json
import re
import secrets

import pytest

from oamconf.errors import ProbeFailed
from oamconf.probes.cluster_secret import Credential, FindingKind, parse_cluster_secret
from oamconf.redact import MASK, Redactor
from oamconf.testkit.certs import CertPair, make_ca
from probes.vclusterapi import VC1, b64, client_cert, cluster_secret

TOKEN = "eyJhbGciOiJSUzI1NiJ9." + secrets.token_urlsafe(32)


@pytest.fixture(scope="module")
def ca() -> CertPair:
    return make_ca("vcluster-ca")


@pytest.fixture(scope="module")
def admin(ca: CertPair) -> CertPair:
    return client_cert(ca)


def test_the_reference_platforms_secret_signs_in_with_the_admin_certificate(ca: CertPair, admin: CertPair) -> None:
    """The Composition's config, byte for byte: CA, client certificate and key of Secret vc-vc1."""
    template = '{"tlsClientConfig":{"insecure":false,"caData":"%s","certData":"%s","keyData":"%s"}}'
    config = template % (b64(ca.cert_pem), b64(admin.cert_pem), b64(admin.key_pem))

    cluster = parse_cluster_secret(cluster_secret(config), secrets=None)

    assert (cluster.name, cluster.server, cluster.host) == ("vc1", VC1, "vc1.vc1-ns.svc")
    assert cluster.tls.ca_pem == ca.cert_pem
    assert cluster.credentials == (Credential.CLIENT_CERTIFICATE,)
    assert [finding.kind for finding in cluster.findings] == [FindingKind.CLIENT_CERTIFICATE]
    assert "ServiceAccount token" in str(cluster.findings[0])
    assert cluster.summary == "TLS verified against caData for vc1.vc1-ns.svc, signs in with client certificate"


def test_keys_match_in_any_case_and_unknown_ones_are_findings(ca: CertPair) -> None:
    """Go's encoding/json matches ``CAData`` to caData, and drops ``caData`` at the top level silently."""
    config = {"BearerToken": TOKEN, "tlsclientconfig": {"CAData": b64(ca.cert_pem), "ca": "x"}, "caData": "x"}

    cluster = parse_cluster_secret(cluster_secret(config), secrets=None)

    assert cluster.credentials == (Credential.BEARER_TOKEN,)
    assert cluster.tls.ca_pem == ca.cert_pem
    assert [str(finding) for finding in cluster.findings] == [
        (
            "data.config key caData is not one Argo CD reads: Argo CD drops it without a word; "
            "it belongs under tlsClientConfig"
        ),
        "data.config key tlsClientConfig.ca is not one Argo CD reads: Argo CD drops it without a word",
    ]


def test_insecure_and_no_ca_data_are_findings() -> None:
    insecure = parse_cluster_secret(
        cluster_secret({"bearerToken": TOKEN, "tlsClientConfig": {"insecure": True}}), secrets=None
    )
    roots = parse_cluster_secret(cluster_secret({"bearerToken": TOKEN}), secrets=None)

    assert [f.kind for f in insecure.findings] == [FindingKind.INSECURE]
    assert "accepts any certificate for vc1.vc1-ns.svc" in str(insecure.findings[0])
    assert insecure.summary.startswith("TLS NOT verified (insecure: true)")
    assert [f.kind for f in roots.findings] == [FindingKind.SYSTEM_ROOTS]


def test_half_a_client_certificate_signs_in_with_nothing(ca: CertPair, admin: CertPair) -> None:
    """client-go presents a client certificate only with both certData and keyData."""
    config = {"tlsClientConfig": {"caData": b64(ca.cert_pem), "certData": b64(admin.cert_pem)}}

    cluster = parse_cluster_secret(cluster_secret(config), secrets=None)

    assert cluster.credentials == ()
    assert [f.kind for f in cluster.findings] == [FindingKind.NO_CREDENTIALS]
    assert "needs both certData and keyData" in str(cluster.findings[0])


def test_trailing_slashes_are_cut_and_namespaces_split_as_argo_cd_does() -> None:
    data = {"namespaces": b64("demo, apps,")}
    secret = cluster_secret({"bearerToken": TOKEN}, server=VC1 + "/", data=data)

    cluster = parse_cluster_secret(secret, secrets=None)

    assert cluster.server == VC1
    assert cluster.namespaces == ("demo", "apps")


def test_every_credential_is_registered_before_a_check_can_fail(admin: CertPair) -> None:
    """The config is unreadable (insecure is a string), yet the token and the key are already masked."""
    redactor = Redactor()
    env = {"AWS_SECRET": "s3cr3t-" + secrets.token_hex(8)}
    config = {
        "bearerToken": TOKEN,
        "execProviderConfig": {"command": "aws", "env": env},
        "tlsClientConfig": {"insecure": "false", "keyData": b64(admin.key_pem)},
    }

    with pytest.raises(ProbeFailed, match=re.escape("tlsClientConfig.insecure is a string, not a boolean")):
        parse_cluster_secret(cluster_secret(config), secrets=redactor)

    key_lines = admin.key_pem.decode().splitlines()[1:-1]
    for secret in (TOKEN, b64(admin.key_pem), *key_lines, env["AWS_SECRET"]):
        assert redactor.redact(f"leaked {secret}") == f"leaked {MASK}"


def test_malformed_json_is_one_line_without_what_it_holds() -> None:
    text = json.dumps({"bearerToken": TOKEN, "tlsClientConfig": {"insecure": False}})[:-2]

    with pytest.raises(ProbeFailed) as failure:
        parse_cluster_secret(cluster_secret(text), secrets=None)

    message = str(failure.value)
    assert message.startswith("Secret argocd/vcluster-vc1: data.config is not JSON (Expecting ',' delimiter at line 1")
    assert message.endswith('Argo CD cannot unmarshal it ("could not unmarshal cluster secret") and skips the cluster')
    assert TOKEN not in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("config", "said"),
    [
        pytest.param([], "data.config is an array, not an object", id="array"),
        pytest.param({"bearerToken": 42}, "bearerToken is a number, not a string", id="token-number"),
        pytest.param({"tlsClientConfig": "yes"}, "tlsClientConfig is a string, not an object", id="tls"),
        pytest.param(
            {"tlsClientConfig": {"caData": "not base64!"}}, "tlsClientConfig.caData is not base64", id="ca-not-base64"
        ),
        pytest.param({"tlsClientConfig": {"caData": b64("hello")}}, "caData holds no PEM certificate", id="ca-not-pem"),
        pytest.param(
            {"username": "admin", "password": "hunter2-hunter2", "bearerToken": TOKEN},
            "username/password or bearer token may be set, but not both",
            id="basic-and-token",
        ),
    ],
)
def test_a_config_argo_cd_cannot_use_is_one_line_naming_the_key(config: object, said: str) -> None:
    with pytest.raises(ProbeFailed) as failure:
        parse_cluster_secret(cluster_secret(json.dumps(config)), secrets=None)

    message = str(failure.value)
    assert said in message
    assert message.startswith("Secret argocd/vcluster-vc1: ")
    assert TOKEN not in message
    assert "hunter2" not in message


def test_a_ca_encoded_twice_is_caught(ca: CertPair) -> None:
    with pytest.raises(ProbeFailed, match=r"caData holds no PEM certificate \(base64 twice\?\)"):
        parse_cluster_secret(cluster_secret({"tlsClientConfig": {"caData": b64(b64(ca.cert_pem))}}), secrets=None)


def test_insecure_with_a_ca_is_refused_as_client_go_refuses_it(ca: CertPair) -> None:
    config = {"bearerToken": TOKEN, "tlsClientConfig": {"insecure": True, "caData": b64(ca.cert_pem)}}

    with pytest.raises(ProbeFailed, match="specifying a root certificates file with the insecure flag is not allowed"):
        parse_cluster_secret(cluster_secret(config), secrets=None)


def test_a_secret_without_the_cluster_label_is_not_argo_cds() -> None:
    with pytest.raises(ProbeFailed, match=re.escape("want label argocd.argoproj.io/secret-type: cluster, it has none")):
        parse_cluster_secret(cluster_secret({}, labels={}), secrets=None)
    with pytest.raises(ProbeFailed, match="it is 'repository'"):
        parse_cluster_secret(cluster_secret({}, labels={"argocd.argoproj.io/secret-type": "repository"}), secrets=None)


def test_missing_keys_are_named_with_the_keys_there_are() -> None:
    secret = cluster_secret({}, data={"config": "", "name": ""})

    with pytest.raises(ProbeFailed, match=r"no data key name, config \(it has: config, name, server\)"):
        parse_cluster_secret(secret, secrets=None)


def test_a_server_that_is_not_https_is_refused() -> None:
    with pytest.raises(ProbeFailed, match=r"data.server is not an https:// URL with a host \(scheme http, host vc1\)"):
        parse_cluster_secret(cluster_secret({}, server="http://vc1:80"), secrets=None)
