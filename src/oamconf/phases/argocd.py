"""Phase 4 and 5's Argo CD: the cluster Secret that registers a vCluster, its credentials' exposure, the API.

The VirtualCluster composition writes the cluster Secret (label ``argocd.argoproj.io/secret-type: cluster``)
in Argo CD's namespace; it is found by the server it names (``https://<name>.<namespace>.svc``), not by a
name, so a platform that names its Secrets otherwise is tested the same way.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator
from typing import Final

from oamconf.cluster.vclusters import Target
from oamconf.errors import CheckFailed
from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster, KubeObject, Ref
from oamconf.k8s.expect import Expect
from oamconf.k8s.wait import Observation
from oamconf.platform.profile import Profile
from oamconf.probes.argocd import ArgoCdApi
from oamconf.probes.cluster_access import Verified, verify_cluster_secret
from oamconf.probes.cluster_secret import ClusterSecret, parse_cluster_secret
from oamconf.probes.tls import san_hint
from oamconf.steps.evidence import Evidence

ARGOCD_PORT: Final = 443  # Service argocd-server, port https
VCLUSTER_PORT: Final = 443  # Service <vcluster>, port https (facts §3)
CLUSTER_LABEL: Final = {"argocd.argoproj.io/secret-type": "cluster"}
ADMIN_LOGIN: Final = ("argocd-initial-admin-secret", "password")  # Secret and key of the admin password (§4.1)


def server_of(target: Target) -> str:
    """The server Argo CD dials for a vCluster: its Service, a name the certificate's SANs cover."""
    return f"https://{target.name}.{target.namespace}.svc"


def cluster_secret_of(cluster: Cluster, expect: Expect, profile: Profile, target: Target) -> KubeObject:
    """The Argo CD cluster Secret whose server is the vCluster's, once the composition has written it."""
    namespace, wanted = profile.namespaces.argocd, server_of(target)
    found: list[KubeObject] = []

    def registered() -> Observation:
        secrets = cluster.list("v1", "Secret", namespace=namespace, labels=CLUSTER_LABEL)
        servers = {_decoded(s, "server").rstrip("/").removesuffix(":443"): s for s in secrets}
        if wanted in servers:
            found[:] = [servers[wanted]]
            return Observation.succeeded("registered")
        listed = ", ".join(sorted(servers)) or "none"
        return Observation.pending(f"want a cluster Secret for server {wanted}, is {listed}")

    expect.until(
        registered,
        subject=f"Argo CD cluster Secret for {target.name}",
        timeout=profile.timeouts.argocd_cluster_connected,
    )
    return found[0]


@contextlib.contextmanager
def argocd_api(cluster: Cluster, profile: Profile, evidence: Evidence) -> Iterator[ArgoCdApi]:
    """Argo CD's API through a port-forward to Service argocd-server, logged in as admin with the initial
    admin password, TLS verified against Argo CD's own certificate (``argocd-server-tls``, else
    ``argocd-secret``'s ``tls.crt``); the password and the session token are masked before use."""
    namespace = profile.namespaces.argocd
    name, key = ADMIN_LOGIN
    password = _decoded(_required(cluster, kinds.SECRET.ref(name, namespace)), key)
    evidence.secret(password)
    custom = cluster.get(kinds.SECRET.ref("argocd-server-tls", namespace))
    certificate = _decoded(custom, "tls.crt") if custom is not None else ""
    if not certificate:
        certificate = _decoded(_required(cluster, kinds.SECRET.ref("argocd-secret", namespace)), "tls.crt")
    with cluster.port_forward(namespace, "argocd-server", ARGOCD_PORT) as endpoint:
        api = ArgoCdApi(endpoint, ca_pem=certificate or None, secrets=evidence)
        api.login("admin", password)
        yield api


def insecure_hides(verified: Verified, evidence: Evidence) -> None:
    """With ``insecure: true``: say what TLS verification would have said of the name, as a hint to act on."""
    if not verified.hidden_failure:
        return
    evidence.warn(f"security: with TLS verification on, this Secret would fail: {verified.hidden_failure}")
    evidence.cause(
        f"the vCluster certificate does not name {verified.verified_name} ({verified.hidden_failure}); "
        "insecure: true only hides it",
        f"{san_hint(verified.verified_name)}; then set insecure: false and caData",
    )


def check_registration(
    cluster: Cluster, expect: Expect, profile: Profile, target: Target, evidence: Evidence
) -> tuple[ClusterSecret, Verified]:
    """The cluster Secret for *target*, parsed and used once as Argo CD would (port-forward to its Service)."""
    parsed = parse_cluster_secret(cluster_secret_of(cluster, expect, profile, target), secrets=evidence)
    with cluster.port_forward(target.namespace, target.name, VCLUSTER_PORT) as endpoint:
        verified = verify_cluster_secret(parsed, endpoint)
    insecure_hides(verified, evidence)
    return parsed, verified


def synced_pods(cluster: Cluster, target: Target, namespace: str) -> list[str]:
    """The host pods vCluster's syncer made for pods of *namespace* inside it (``<pod>-x-<ns>-x-<vcluster>``)."""
    suffix = f"-x-{namespace}-x-{target.name}"
    pods = cluster.list("v1", "Pod", namespace=target.namespace)
    return sorted(p.ref.name for p in pods if p.ref.name.endswith(suffix))


def _required(cluster: Cluster, ref: Ref) -> KubeObject:
    found = cluster.get(ref)
    if found is None:
        raise CheckFailed(f"{ref} not found: Argo CD's install creates it")
    return found


def _decoded(secret: KubeObject | None, key: str) -> str:
    raw = (secret.field("data") or {}).get(key, "") if secret is not None else ""
    try:
        return base64.b64decode(raw).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return ""
