"""The Argo CD API probe against a stand-in argocd-server (fakeargocd.py): real HTTPS with a certificate made
as Argo CD makes its own, sessions and cluster lists shaped like Argo CD 3.4.4's."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest

from oamconf.errors import ProbeFailed
from oamconf.k8s.api import Endpoint
from oamconf.k8s.wait import State
from oamconf.probes.argocd import NOT_MONITORED_HINT, ArgoCdApi, ClusterInfo, connection_state, connection_verdict
from oamconf.redact import MASK, Redactor
from oamconf.testkit.certs import CertPair, make_ca, make_server_cert
from probes.fakeargocd import VERSION, FakeArgoCd, argocd_certificate, cluster_item

VC1 = "https://vc1.vc1-ns.svc:443"
X509_NOT_VC1 = "failed to get server version: ... x509: certificate is valid for localhost, vc1, not vc1.vc1-ns.svc"


@pytest.fixture(scope="module")
def generated() -> CertPair:
    """argocd-server's own certificate, as Secret argocd-secret's tls.crt holds it."""
    return argocd_certificate()


@pytest.fixture
def argocd(generated: CertPair) -> FakeArgoCd:
    clusters = [
        cluster_item(
            "https://kubernetes.default.svc", "in-cluster", status="Successful", applications=3, version="1.36"
        ),
        cluster_item(VC1, "vc1", status="Unknown", message="Cluster has no applications and is not being monitored."),
    ]
    return FakeArgoCd(cert=generated, password=secrets.token_urlsafe(12), clusters=clusters)


@pytest.fixture
def endpoint(argocd: FakeArgoCd) -> Iterator[Endpoint]:
    with argocd.serve() as served:
        yield served


def test_the_api_signs_in_and_lists_clusters_verifying_argocd_servers_own_certificate(
    argocd: FakeArgoCd, endpoint: Endpoint, generated: CertPair
) -> None:
    redactor = Redactor()
    api = ArgoCdApi(endpoint, ca_pem=generated.cert_pem, secrets=redactor)

    version = api.version()
    token = api.login("admin", argocd.password)
    clusters = api.clusters()

    assert version == VERSION
    assert api.verified
    assert set(argocd.server_names) == {"argocd-server"}  # SNI is the name verified, not 127.0.0.1
    assert redactor.redact(f"token {token} password {argocd.password}") == f"token {MASK} password {MASK}"
    assert [(c.server, c.status, c.applications_count) for c in clusters] == [
        ("https://kubernetes.default.svc", "Successful", 3),
        (VC1, "Unknown", 0),
    ]
    assert clusters[0].server_version == "1.36"
    assert clusters[0].attempted_at == "2026-05-10T12:00:00Z"
    assert argocd.requests[-1][2]["authorization"] == f"Bearer {token}"


def test_another_name_the_certificate_covers_verifies_too(argocd: FakeArgoCd, generated: CertPair) -> None:
    with argocd.serve() as endpoint:  # the PEM as text, as read from a Secret's decoded data
        api = ArgoCdApi(endpoint, ca_pem=generated.cert_pem.decode(), secrets=None, server_name="localhost")
        api.login("admin", argocd.password)

    assert argocd.server_names == ["localhost"]


def test_a_wrong_password_is_one_line_naming_the_admin_secret_and_not_the_password(
    argocd: FakeArgoCd, endpoint: Endpoint, generated: CertPair
) -> None:
    api = ArgoCdApi(endpoint, ca_pem=generated.cert_pem, secrets=None)
    wrong = secrets.token_urlsafe(12)

    with pytest.raises(ProbeFailed) as failure:
        api.login("admin", wrong)

    message = str(failure.value)
    assert "POST /api/v1/session: 401 Unauthorized (Invalid username or password)" in message
    assert "argocd-initial-admin-secret" in message
    assert wrong not in message
    assert argocd.password not in message
    assert "\n" not in message


def test_listing_clusters_needs_a_session(endpoint: Endpoint, generated: CertPair) -> None:
    api = ArgoCdApi(endpoint, ca_pem=generated.cert_pem, secrets=None)

    with pytest.raises(ProbeFailed, match="GET /api/v1/clusters: no session: log in first"):
        api.clusters()


def test_a_session_the_server_no_longer_knows_says_so(
    argocd: FakeArgoCd, endpoint: Endpoint, generated: CertPair
) -> None:
    api = ArgoCdApi(endpoint, ca_pem=generated.cert_pem, secrets=None)
    token = api.login("admin", argocd.password)
    argocd.tokens.clear()  # argocd-secret's server.secretkey rotated: every session is void

    with pytest.raises(ProbeFailed) as failure:
        api.clusters()

    assert "401 Unauthorized (invalid session: token signature is invalid): the session token was refused" in str(
        failure.value
    )
    assert token not in str(failure.value)


def test_without_a_certificate_the_api_fails_closed_unless_told_otherwise(
    argocd: FakeArgoCd, endpoint: Endpoint
) -> None:
    with pytest.raises(
        ProbeFailed, match=re.escape("no certificate to verify argocd-server with: pass tls.crt of Secret")
    ):
        ArgoCdApi(endpoint, ca_pem=None, secrets=None)

    unverified = ArgoCdApi(endpoint, ca_pem=None, secrets=None, allow_unverified=True)

    assert unverified.login("admin", argocd.password)
    assert not unverified.verified


def test_a_certificate_argocd_server_does_not_serve_is_an_unknown_authority(endpoint: Endpoint) -> None:
    """argocd-server regenerated its certificate, or argocd-server-tls holds one: the old tls.crt fails."""
    stale = argocd_certificate()

    with pytest.raises(ProbeFailed) as failure:
        ArgoCdApi(endpoint, ca_pem=stale.cert_pem, secrets=None).version()

    message = str(failure.value)
    assert "tls: failed to verify certificate: x509: certificate signed by unknown authority" in message
    assert "take tls.crt of Secret argocd-server-tls if it exists (it wins), else of argocd-secret" in message


def test_a_name_the_certificate_lacks_lists_the_names_it_has(endpoint: Endpoint, generated: CertPair) -> None:
    api = ArgoCdApi(endpoint, ca_pem=generated.cert_pem, secrets=None, server_name="argocd.example.com")

    with pytest.raises(ProbeFailed) as failure:
        api.version()

    names = "localhost, argocd-server, argocd-server.argocd, argocd-server.argocd.svc"
    names += ", argocd-server.argocd.svc.cluster.local"
    assert f"x509: certificate is valid for {names}, not argocd.example.com; fix: pass server_name" in str(
        failure.value
    )


@pytest.mark.parametrize("trust", ["ca", "leaf"])
def test_a_certificate_from_argocd_server_tls_verifies_with_its_ca_or_itself(trust: str) -> None:
    """A certificate issued by a CA (cert-manager into argocd-server-tls): Go trusts either in its roots."""
    ca = make_ca("platform-ca")
    leaf = make_server_cert(ca, dns_names=["argocd.example.com"])
    fake = FakeArgoCd(cert=leaf, password="unused")

    with fake.serve() as endpoint:
        pem = ca.cert_pem if trust == "ca" else leaf.cert_pem
        version = ArgoCdApi(endpoint, ca_pem=pem, secrets=None, server_name="argocd.example.com").version()

    assert version == VERSION


def test_a_server_that_speaks_plain_http_is_named_as_insecure_mode(generated: CertPair) -> None:
    fake = FakeArgoCd(cert=generated, password="unused", tls=False)

    with fake.serve() as endpoint, pytest.raises(ProbeFailed) as failure:
        ArgoCdApi(endpoint, ca_pem=generated.cert_pem, secrets=None).version()

    assert "the TLS handshake failed" in str(failure.value)
    assert "argocd-server may serve plain HTTP (server.insecure: true, --insecure)" in str(failure.value)


def test_a_closed_port_says_nothing_listens(refused_endpoint: Endpoint, generated: CertPair) -> None:
    with pytest.raises(ProbeFailed, match=f"connection refused: nothing listens on {refused_endpoint}"):
        ArgoCdApi(refused_endpoint, ca_pem=generated.cert_pem, secrets=None).version()


def test_a_port_that_hangs_up_says_the_pod_behind_it_is_unreachable(
    hangup_endpoint: Endpoint, generated: CertPair
) -> None:
    """Reset, or closed before or after the request: one fault, one text whatever the timing."""
    with pytest.raises(ProbeFailed) as failure:
        ArgoCdApi(hangup_endpoint, ca_pem=generated.cert_pem, secrets=None).version()

    assert str(failure.value) == (
        f"Argo CD API at argocd-server via {hangup_endpoint}: GET /api/version: the connection was closed before "
        "argocd-server answered: the port-forward is up but cannot reach the pod (restarting?), or the port is "
        "not argocd-server's"
    )


def _clusters(*items: dict[str, object]) -> list[ClusterInfo]:
    return [ClusterInfo.from_api(item) for item in items]


def test_a_successful_connection_succeeds() -> None:
    clusters = _clusters(cluster_item(VC1, "vc1", status="Successful", applications=1, version="1.36"))

    verdict = connection_verdict(clusters, VC1 + "/")

    assert verdict.state is State.SUCCEEDED
    assert verdict.message == f"Argo CD connects to {VC1}/: Successful (Kubernetes 1.36, 1 Applications)"


def test_a_certificate_error_fails_at_once_with_argo_cds_message() -> None:
    clusters = _clusters(cluster_item(VC1, "vc1", status="Failed", message=X509_NOT_VC1, applications=1))

    verdict = connection_verdict(clusters, VC1)

    assert verdict.state is State.FAILED
    assert re.search(r"x509: certificate is valid for .*, not vc1\.vc1-ns\.svc", verdict.message)


def test_a_refused_connection_is_pending_since_the_controller_tries_again() -> None:
    message = "failed to get server version: dial tcp 10.96.0.12:443: connect: connection refused"
    clusters = _clusters(cluster_item(VC1, "vc1", status="Failed", message=message, applications=1))

    verdict = connection_verdict(clusters, VC1)

    assert verdict.state is State.PENDING
    assert verdict.message == f"want Successful for {VC1}, is Failed: {message}"


def test_unknown_with_no_application_says_argo_cd_has_not_tried() -> None:
    message = "Cluster has no applications and is not being monitored."
    clusters = _clusters(cluster_item(VC1, "vc1", status="Unknown", message=message))

    verdict = connection_verdict(clusters, VC1)

    assert verdict.state is State.PENDING
    assert verdict.message == f"want Successful for {VC1}, is Unknown ({message}): {NOT_MONITORED_HINT}"


def test_a_cluster_the_controller_has_not_reported_on_is_pending() -> None:
    clusters = _clusters(cluster_item(VC1, "vc1", applications=1))

    verdict = connection_verdict(clusters, VC1)

    assert verdict.state is State.PENDING
    assert "is not reported: the application controller has not synced it yet" in verdict.message


def test_a_cluster_argo_cd_does_not_list_is_pending_with_what_it_lists() -> None:
    clusters = _clusters(cluster_item("https://kubernetes.default.svc", "in-cluster", status="Successful"))

    assert connection_state(clusters, VC1) is None
    verdict = connection_verdict(clusters, VC1)
    assert verdict.state is State.PENDING
    assert f"want cluster {VC1} in Argo CD, it lists https://kubernetes.default.svc" in verdict.message


def test_a_server_url_is_found_with_or_without_the_default_port() -> None:
    clusters = _clusters(cluster_item(VC1, "vc1", status="Successful", applications=1, version="1.36"))

    found = connection_state(clusters, "https://vc1.vc1-ns.svc")

    assert found is not None
    assert found.server == VC1


def test_the_api_gives_a_clusters_verdict_for_a_wait(
    argocd: FakeArgoCd, endpoint: Endpoint, generated: CertPair
) -> None:
    api = ArgoCdApi(endpoint, ca_pem=generated.cert_pem, secrets=None)
    api.login("admin", argocd.password)

    verdict = api.connection(VC1)

    assert verdict.state is State.PENDING
    assert verdict.message.endswith(NOT_MONITORED_HINT)
