"""The suite says a certificate does not cover a host in Go's own words, as Argo CD and kubectl would: each
text ``go_x509.go_hostname_error`` renders is the one Go's crypto/x509 returns for the same certificate and
host (the machine's Go, through ``gox509/main.go``), including the forms a short list of SANs never shows."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from oamconf.probes.go_x509 import go_hostname_error

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def gox509(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None:
        pytest.skip("no Go toolchain on PATH: Go's own words cannot be asked for")
    binary = tmp_path_factory.mktemp("gox509") / "gox509"
    env = {**os.environ, "GOTOOLCHAIN": "local", "CGO_ENABLED": "0"}
    argv = [go, "build", "-o", str(binary), str(HERE / "gox509" / "main.go")]
    subprocess.run(argv, check=True, env=env, timeout=300)  # noqa: S603 - the machine's Go on our own file
    return binary


def _certificate(
    common_name: str, dns: Sequence[str] = (), ips: Sequence[str] = (), *, sans: bool = True
) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
    )
    if sans:
        general: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
        general += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
        builder = builder.add_extension(x509.SubjectAlternativeName(general), critical=False)
    return builder.sign(key, hashes.SHA256())


def _go_says(gox509: Path, cert: x509.Certificate, host: str) -> str:
    pem = cert.public_bytes(serialization.Encoding.PEM)
    done = subprocess.run([str(gox509), host], input=pem, capture_output=True, check=True, timeout=30)  # noqa: S603
    return done.stdout.decode()


MANY_NAMES = [f"vc{i}.team-{i}.svc" for i in range(100)]
MANY_IPS = [f"10.96.{i // 250}.{i % 250 + 1}" for i in range(100)]
CASES = {
    "names-not-the-host": (_certificate("vc1", ["vc1", "vc1.vc1-ns", "localhost"], ["127.0.0.1"]), "vc1.vc1-ns.svc"),
    "ips-not-the-ip": (_certificate("vc1", ["vc1"], ["10.96.0.15", "127.0.0.1"]), "10.96.0.16"),
    "no-ip-sans": (_certificate("vc1", ["vc1", "vc1.vc1-ns"]), "10.96.0.15"),
    "ipv6-not-covered": (_certificate("vc1", ["vc1"], ["fd00:10:96::1"]), "fd00:10:96::1a"),
    "a-hundred-names": (_certificate("vc1", MANY_NAMES), "vc1.vc1-ns.svc"),
    "ninety-nine-names": (_certificate("vc1", MANY_NAMES[:99]), "vc1.vc1-ns.svc"),
    "a-hundred-ips": (_certificate("vc1", [], MANY_IPS), "10.96.9.9"),
    "legacy-common-name": (_certificate("vc1.vc1-ns.svc", sans=False), "vc1.vc1-ns.svc"),
    "legacy-wildcard-common-name": (_certificate("*.vc1-ns.svc", sans=False), "VC1.vc1-ns.svc"),
    "common-name-not-the-host": (_certificate("vc1", sans=False), "vc1.vc1-ns.svc"),
}


@pytest.mark.parametrize(("cert", "host"), list(CASES.values()), ids=list(CASES))
def test_the_suite_says_what_go_says_of_a_host_the_certificate_does_not_cover(
    gox509: Path, cert: x509.Certificate, host: str
) -> None:
    go = _go_says(gox509, cert, host)
    assert go.startswith("x509: "), go  # every case is a certificate that does not cover its host
    assert go_hostname_error(cert, host) == go
