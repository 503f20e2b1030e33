"""The TLS probe against a real TLS server whose certificate is shaped like a vCluster's (vc1 in vc1-ns).

The SAN list is vCluster's default one (platform-facts §3): ``vc1`` and ``vc1.vc1-ns`` are in it,
``vc1.vc1-ns.svc`` is not, which is what breaks an Argo CD cluster registered by its Service name.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import re
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from oamconf.errors import ProbeFailed
from oamconf.k8s.api import Endpoint
from oamconf.probes.tls import certificate_sans, probe_tls
from oamconf.testkit.certs import CertPair, make_ca, make_server_cert, serve_tls

VCLUSTER_DNS_SANS = (
    "kubernetes.default.svc.cluster.local",
    "kubernetes.default.svc",
    "kubernetes.default",
    "kubernetes",
    "localhost",
    "vc1",
    "vc1.vc1-ns",
    "*.nodes.vcluster.com",
    "*.vc1.vc1-ns.nodes.vcluster.com",
)


@pytest.fixture(scope="module")
def ca() -> CertPair:
    return make_ca("vcluster-ca")


@pytest.fixture(scope="module")
def default_sans_server(ca: CertPair) -> Iterator[Endpoint]:
    """A vCluster API endpoint with the default SANs only."""
    cert = make_server_cert(ca, dns_names=VCLUSTER_DNS_SANS, ip_addresses=["127.0.0.1"], common_name="kube-apiserver")
    with serve_tls(cert) as endpoint:
        yield endpoint


def test_a_certificate_with_the_name_as_a_san_passes_and_reports_its_sans(ca: CertPair) -> None:
    """With ``vc1.vc1-ns.svc`` in controlPlane.proxy.extraSANs, the Service name verifies."""
    dns_sans = (*VCLUSTER_DNS_SANS, "vc1.vc1-ns.svc")
    cert = make_server_cert(ca, dns_names=dns_sans, ip_addresses=["127.0.0.1"], common_name="kube-apiserver")

    with serve_tls(cert) as endpoint:
        result = probe_tls(endpoint, server_name="vc1.vc1-ns.svc", ca_pem=ca.cert_pem)

    assert result.server_name == "vc1.vc1-ns.svc"
    assert result.subject == "CN=kube-apiserver"
    assert result.dns_sans == dns_sans
    assert result.ip_sans == ("127.0.0.1",)
    assert result.not_after == cert.certificate.not_valid_after_utc


def test_a_certificate_lacking_the_service_name_fails_as_argo_cd_reports_it(
    ca: CertPair, default_sans_server: Endpoint
) -> None:
    """The message is Go's x509 HostnameError, listing the SANs, then how to fix it."""
    with pytest.raises(ProbeFailed) as failure:
        probe_tls(default_sans_server, server_name="vc1.vc1-ns.svc", ca_pem=ca.cert_pem)

    message = str(failure.value)
    go_text = f"x509: certificate is valid for {', '.join(VCLUSTER_DNS_SANS)}, not vc1.vc1-ns.svc"
    assert f"tls: failed to verify certificate: {go_text};" in message
    # The regex the Argo CD negative tests use (platform-facts §7.5).
    assert re.search(r"x509: certificate is valid for .*, not vc1\.vc1-ns\.svc", message)
    assert "add vc1.vc1-ns.svc to controlPlane.proxy.extraSANs" in message
    assert "register the cluster as https://vc1.vc1-ns, which is a default SAN" in message


def test_connecting_by_name_dot_namespace_works_with_the_default_sans(
    ca: CertPair, default_sans_server: Endpoint
) -> None:
    result = probe_tls(default_sans_server, server_name="vc1.vc1-ns", ca_pem=ca.cert_pem)

    assert "vc1.vc1-ns" in result.dns_sans


def test_an_ip_address_not_in_the_sans_lists_the_ip_sans_as_go_does(
    ca: CertPair, default_sans_server: Endpoint
) -> None:
    with pytest.raises(ProbeFailed, match=re.escape("x509: certificate is valid for 127.0.0.1, not 10.96.0.1;")):
        probe_tls(default_sans_server, server_name="10.96.0.1", ca_pem=ca.cert_pem)


def test_a_certificate_from_another_ca_fails_as_unknown_authority(default_sans_server: Endpoint) -> None:
    """A re-created vCluster has a new CA; the old caData in Argo CD no longer verifies it."""
    other_ca = make_ca("another-vcluster-ca")

    with pytest.raises(ProbeFailed, match="x509: certificate signed by unknown authority"):
        probe_tls(default_sans_server, server_name="vc1.vc1-ns", ca_pem=other_ca.cert_pem)


def test_an_expired_certificate_is_reported_as_expired(ca: CertPair) -> None:
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    cert = make_server_cert(ca, dns_names=["vc1.vc1-ns"], not_after=yesterday)

    with serve_tls(cert) as endpoint, pytest.raises(ProbeFailed, match="x509: certificate has expired"):
        probe_tls(endpoint, server_name="vc1.vc1-ns", ca_pem=ca.cert_pem)


def test_a_ca_that_is_not_pem_is_refused_with_where_to_find_the_right_one(default_sans_server: Endpoint) -> None:
    with pytest.raises(ProbeFailed, match=r"the CA given is not a PEM certificate .*certificate-authority"):
        probe_tls(default_sans_server, server_name="vc1.vc1-ns", ca_pem=b"not a certificate")


def test_a_closed_port_says_nothing_listens(ca: CertPair, refused_endpoint: Endpoint) -> None:
    with pytest.raises(ProbeFailed, match=f"connection refused: nothing listens on {refused_endpoint}"):
        probe_tls(refused_endpoint, server_name="vc1.vc1-ns", ca_pem=ca.cert_pem)


def test_a_port_that_hangs_up_says_the_pod_behind_it_is_unreachable(ca: CertPair, hangup_endpoint: Endpoint) -> None:
    """Reset, or closed before or after the ClientHello (an SSL EOF): one fault, one text whatever the timing."""
    with pytest.raises(ProbeFailed) as failure:
        probe_tls(hangup_endpoint, server_name="vc1.vc1-ns", ca_pem=ca.cert_pem)

    assert str(failure.value) == (
        f"TLS to vc1.vc1-ns via {hangup_endpoint}: the connection was closed before the vCluster pod answered: "
        "the port-forward is up but cannot reach the pod (restarting?), or the port is not the vCluster pod's"
    )


def test_a_server_that_never_answers_times_out_in_the_time_given(ca: CertPair, silent_endpoint: Endpoint) -> None:
    with pytest.raises(ProbeFailed, match=re.escape("no TLS handshake within 0.5s")):
        probe_tls(silent_endpoint, server_name="vc1.vc1-ns", ca_pem=ca.cert_pem, timeout=0.5)


def test_certificate_sans_lists_dns_names_then_ip_addresses(ca: CertPair) -> None:
    cert = make_server_cert(ca, dns_names=["vc1", "vc1.vc1-ns"], ip_addresses=["127.0.0.1", "::1"])

    assert certificate_sans(cert.cert_pem) == ("vc1", "vc1.vc1-ns", "127.0.0.1", "::1")


def test_the_test_server_answers_version_like_a_kube_api_server(ca: CertPair, default_sans_server: Endpoint) -> None:
    context = ssl.create_default_context(cadata=ca.cert_pem.decode())
    connection = http.client.HTTPSConnection(default_sans_server.host, default_sans_server.port, context=context)
    try:
        connection.request("GET", "/version")
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()

    assert response.status == 200
    assert body["gitVersion"].startswith("v1.")


def test_the_test_server_stops_and_joins_its_threads_on_exit(ca: CertPair) -> None:
    cert = make_server_cert(ca, dns_names=["localhost"], ip_addresses=["127.0.0.1"])
    threads_before = set(threading.enumerate())

    with serve_tls(cert) as endpoint:
        probe_tls(endpoint, server_name="localhost", ca_pem=ca.cert_pem)
        started = set(threading.enumerate()) - threads_before

    assert started  # at least the serving thread, maybe the probe's handler still finishing
    assert not [thread for thread in started if thread.is_alive()]
    with pytest.raises(ProbeFailed, match="nothing listens"):
        probe_tls(endpoint, server_name="localhost", ca_pem=ca.cert_pem)


def test_a_cert_pair_writes_its_key_readable_by_the_owner_only(ca: CertPair, tmp_path: Path) -> None:
    cert_path, key_path = ca.write(tmp_path, "ca")

    assert cert_path.read_bytes() == ca.cert_pem
    assert key_path.read_bytes() == ca.key_pem
    assert key_path.stat().st_mode & 0o777 == 0o600
