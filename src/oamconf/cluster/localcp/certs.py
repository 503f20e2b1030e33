"""The local control plane's certificates: one CA, the serving certificates and a client certificate per identity.

kubeadm's layout, made small: the API server's serving certificate names every way a client reaches it
(``127.0.0.1``, ``localhost`` and the ``kubernetes`` Service names), the other components serve on loopback
with a certificate from the same CA (so their health checks verify TLS too), and each client identity is a
certificate whose common name and organisation are what RBAC sees (``system:kube-controller-manager``,
``system:masters``...). The service-account key pair signs the tokens the API server issues. Keys are
ECDSA P-256: quick to make, accepted by every component. Private keys are written mode 0600.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# The run's certificates live as long as one run can; a kept data dir is for debugging, not for reuse.
LIFETIME: Final = dt.timedelta(days=7)
SERVICE_CIDR: Final = "10.96.0.0/16"
KUBERNETES_SERVICE_IP: Final = "10.96.0.1"  # the first address of SERVICE_CIDR: the `kubernetes` Service
API_SERVER_NAMES: Final = (
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)
LOOPBACK: Final = "127.0.0.1"


@dataclass(frozen=True)
class Identity:
    """Who a client certificate says it is: the user (common name) and its groups (organisations)."""

    user: str
    groups: tuple[str, ...] = ()


ADMIN: Final = Identity("oamconf-admin", ("system:masters",))
CONTROLLER_MANAGER: Final = Identity("system:kube-controller-manager")
SCHEDULER: Final = Identity("system:kube-scheduler")
# kwok writes every node's and pod's status and the node leases: the cluster's own superuser group, as
# kwokctl gives it, rather than a role of our own that would have to follow kwok's needs.
KWOK: Final = Identity("kwok-controller", ("system:masters",))


@dataclass(frozen=True)
class Pair:
    """A certificate and its key, as files."""

    cert: Path
    key: Path


@dataclass(frozen=True)
class Pki:
    """Every file the components are started with (``make_pki``)."""

    ca: Pair
    api_server: Pair
    loopback_server: Pair  # kube-controller-manager's, kube-scheduler's and kwok's serving certificate
    service_account: Pair  # cert: the public key (PEM), key: the private key
    clients: dict[Identity, Pair] = field(default_factory=dict)

    def client(self, who: Identity) -> Pair:
        return self.clients[who]


def make_pki(folder: Path, identities: Sequence[Identity] = (ADMIN, CONTROLLER_MANAGER, SCHEDULER, KWOK)) -> Pki:
    """Generate the control plane's certificates into *folder* (created), a client certificate per identity."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oamconf-local-ca")])
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    ca = _write(folder, "ca", ca_cert, ca_key)
    signer = (ca_cert, ca_key)
    ips = (LOOPBACK, KUBERNETES_SERVICE_IP)
    api_server = _leaf(folder, "apiserver", signer, Identity("kube-apiserver"), dns=API_SERVER_NAMES, ips=ips)
    loopback = _leaf(folder, "loopback-serving", signer, Identity("oamconf-local"), dns=("localhost",), ips=(LOOPBACK,))
    clients = {who: _leaf(folder, _stem(who), signer, who) for who in identities}
    return Pki(ca, api_server, loopback, _service_account(folder), clients)


def client_certificate(ca: Pair, who: Identity, folder: Path) -> Pair:
    """A client certificate for *who* signed by the CA in *ca* (files from ``make_pki``), written into *folder*."""
    ca_cert = x509.load_pem_x509_certificate(ca.cert.read_bytes())
    ca_key = serialization.load_pem_private_key(ca.key.read_bytes(), password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise TypeError(f"{ca.key}: not the ECDSA key make_pki writes")
    folder.mkdir(parents=True, exist_ok=True)
    return _leaf(folder, _stem(who), (ca_cert, ca_key), who)


def serving_certificate(ca: Pair, who: Identity, folder: Path, *, dns: Sequence[str], ips: Sequence[str] = ()) -> Pair:
    """A serving certificate for *dns* and *ips* signed by the CA in *ca*, written into *folder*: what Crossplane's
    TLS initializer makes for a provider's or function's Service (``DNSNamesForService``)."""
    ca_cert = x509.load_pem_x509_certificate(ca.cert.read_bytes())
    ca_key = serialization.load_pem_private_key(ca.key.read_bytes(), password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise TypeError(f"{ca.key}: not the ECDSA key make_pki writes")
    folder.mkdir(parents=True, exist_ok=True)
    return _leaf(folder, _stem(who), (ca_cert, ca_key), who, dns=dns, ips=ips)


def _leaf(
    folder: Path,
    stem: str,
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
    who: Identity,
    *,
    dns: Sequence[str] = (),
    ips: Sequence[str] = (),
) -> Pair:
    """A certificate signed by the CA: a server's when it has names (*dns*, *ips*), else a client's."""
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, group) for group in who.groups]
        + [x509.NameAttribute(NameOID.COMMON_NAME, who.user)]
    )
    serving = bool(dns or ips)
    usage = ExtendedKeyUsageOID.SERVER_AUTH if serving else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        _builder(subject, ca_cert.subject, key.public_key())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    )
    if serving:
        names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns]
        names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return _write(folder, stem, builder.sign(ca_key, hashes.SHA256()), key)


def _service_account(folder: Path) -> Pair:
    key = ec.generate_private_key(ec.SECP256R1())
    public = folder / "sa.pub"
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return Pair(public, _write_key(folder / "sa.key", key))


def _builder(subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))  # tolerate a little clock skew between processes
        .not_valid_after(now + LIFETIME)
    )


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=not ca,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _write(folder: Path, stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> Pair:
    cert_path = folder / f"{stem}.crt"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return Pair(cert_path, _write_key(folder / f"{stem}.key", key))


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> Path:
    path.touch(mode=0o600)
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return path


def _stem(who: Identity) -> str:
    return "client-" + who.user.replace(":", "-")
