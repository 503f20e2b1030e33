"""Texts built from the upstream format strings the Argo CD side of the hint catalogue quotes (Argo CD
v3.4.4, Go 1.26's crypto/x509, the Kubernetes v1.36.1 API server, the suite's own probes), with other
names and values, and the forms they arrive in: the tables of ``test_hint_variants_argocd``.

Besides the shared forms of ``hintvariants.WRAPS``, an Argo CD text arrives as an Application's condition
in the status YAML the diagnostics dump (``- type: ComparisonError`` / ``  message: …``), in the line the
Application's verdict writes (``… (ComparisonError: …)``), or as a cluster's connection state."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hintvariants import WRAPS, Variant, go_q
from oamconf.yamlio import dump

# Left out on purpose, each a text whose cause would need wording no rule has (a new rule, not a wider regex):
# - forbiddenMessage's other users ("User \"kubernetes-admin\" cannot ...") and its non-resource form
#   ('cannot %s path %q'): rbac-forbidden's cause names a ServiceAccount and a resource.


def _app_status(kind: str) -> Callable[[Variant], str]:
    """The Application's status as the diagnostics dump it: Argo CD writes a condition type, message, time."""

    def wrap(v: Variant) -> str:
        condition = {"type": kind, "message": v.chain + v.message, "lastTransitionTime": "2026-01-02T03:04:05Z"}
        status = {"sync": {"status": "Unknown"}, "health": {"status": "Missing"}, "conditions": [condition]}
        return "Application argocd/podinfo-2: want Synced and Healthy\n" + dump(status)

    return wrap


def _verdict(kind: str) -> Callable[[Variant], str]:
    """The line the Application's verdict writes (oamconf.k8s.verdicts.argocd)."""
    return lambda v: f"want Synced and Healthy, is sync Unknown, health Missing ({kind}: {v.chain + v.message})"


def _cluster_state(v: Variant) -> str:
    """Argo CD's connection state of a cluster as the suite's wait reports it (oamconf.probes.argocd)."""
    return f"want Successful for https://vc-7.ns-7:443, is Failed: {v.chain + v.message}"


ARGO_WRAPS: Mapping[str, Callable[[Variant], str]] = {
    **WRAPS,
    "comparison": _app_status("ComparisonError"),
    "invalid-spec": _app_status("InvalidSpecError"),
    "sync": _app_status("SyncError"),
    "comparison-verdict": _verdict("ComparisonError"),
    "invalid-spec-verdict": _verdict("InvalidSpecError"),
    "sync-verdict": _verdict("SyncError"),
    "cluster-state": _cluster_state,
}
APP = ("bare", "chained", "comparison", "comparison-verdict", "event", "folded", "json")
CLUSTER = (*APP, "cluster-state")
PROBE = ("bare",)  # the suite's own ProbeFailed text, as the step's failure carries it
SPEC = ("bare", "invalid-spec", "invalid-spec-verdict", "folded", "json")


def _target_state(server: str) -> str:
    """What Argo CD puts in front of the discovery client's error when it asks the cluster's version:
    acd:controller/state.go:627, :207; acd:controller/cache/cache.go:742, :659;
    acd:gitops-engine/pkg/cache/cluster.go:1028; acd:gitops-engine/pkg/utils/kube/ctl.go:353."""
    return (
        f"Failed to load target state: failed to get cluster version for cluster {go_q(server)}: failed to get "
        f"cluster info for {go_q(server)}: error synchronizing cache state : failed to get server version: "
        f"failed to get server version: "
    )


def _live_state(server: str, group_kind: str) -> str:
    """acd:controller/state.go:712, cache.go:732, :659, gitops-engine/pkg/cache/cluster.go:1110."""
    return (
        f"Failed to load live state: failed to get cluster info for {go_q(server)}: error synchronizing cache "
        f"state : failed to load initial state of resource {group_kind}: "
    )


def _tls(server: str, x509: str) -> str:
    """client-go's request error (net/http: 'Get "<url>": <err>') over Go's crypto/tls handshake_client.go
    "tls: failed to verify certificate: %w"."""
    return f"Get {go_q(server + '/version?timeout=32s')}: tls: failed to verify certificate: {x509}"


def _name_error(sans: str, host: str) -> str:
    """go:src/crypto/x509/verify.go HostnameError.Error: "x509: certificate is valid for " + valid + ", not " + h.Host;
    with 100 names or more (CVE-2025-61729): "x509: certificate is valid for %d names, but none matched %s"."""
    if sans[:1].isdigit() and sans.endswith(("names", "IP SANs")):
        return f"x509: certificate is valid for {sans}, but none matched {host}"
    if not sans:
        return f"x509: certificate is not valid for any names, but wanted to match {host}"
    return f"x509: certificate is valid for {sans}, not {host}"


def _svc_name(vcluster: str, namespace: str, suffix: str, sans: str, server: str) -> Variant:
    host = f"{vcluster}.{namespace}.{suffix}"
    values = {"host": host, "sans": sans, "vcluster": vcluster, "namespace": namespace}
    message = _tls(server, _name_error(sans, host))
    return Variant("certificate-name-svc", host, message, values, _target_state(server), CLUSTER)


def _other_name(host: str, sans: str, server: str) -> Variant:
    values = {"host": host, "sans": sans or "no names"}
    return Variant(
        "certificate-name",
        f"{host}-{sans[:12]}",
        _tls(server, _name_error(sans, host)),
        values,
        _target_state(server),
        CLUSTER,
    )


VCLUSTER_SANS = "kubernetes, kubernetes.default, kubernetes.default.svc, localhost, vc-2, vc-2.team-b, *.vc-2.team-b"
CERTIFICATE_NAMES: tuple[Variant, ...] = (
    _svc_name("vc-2", "team-b", "svc", VCLUSTER_SANS, "https://vc-2.team-b.svc:6443"),
    _svc_name(
        "tenant3-vc",
        "vcluster-tenant3",
        "svc.cluster.local",
        "tenant3-vc, tenant3-vc.vcluster-tenant3, 10.96.0.15, 127.0.0.1",
        "https://tenant3-vc.vcluster-tenant3.svc.cluster.local",
    ),
    _svc_name("vc1", "ns-01", "svc", "120 names", "https://vc1.ns-01.svc:443"),
    _other_name(
        "api.vc-3.apps.example.org", "vc-3, vc-3.team-c, api.vc-3.example.org", "https://api.vc-3.apps.example.org:8443"
    ),
    _other_name("192.168.49.2", "10.96.0.15, 127.0.0.1", "https://192.168.49.2:31443"),
    _other_name("fd00:10:96::1a", "fd00:10:96::1, ::1", "https://[fd00:10:96::1a]:443"),
    _other_name("vc-4.team-d", "", "https://vc-4.team-d"),
    _other_name("vc5.ns5", "100 names", "https://vc5.ns5:443"),
    _other_name("172.18.0.3", "100 IP SANs", "https://172.18.0.3:30443"),
)


def _no_ip_sans(ip: str, server: str) -> Variant:
    # go1.26:src/crypto/x509/verify.go:120-122: "x509: cannot validate certificate for " + h.Host + " because it
    # doesn't contain any IP SANs" (the host parsed as an IP address)
    message = _tls(server, f"x509: cannot validate certificate for {ip} because it doesn't contain any IP SANs")
    return Variant("certificate-no-ip-sans", ip, message, {"ip": ip}, _target_state(server), CLUSTER)


NO_IP_SANS = (
    _no_ip_sans("10.96.0.15", "https://10.96.0.15"),
    _no_ip_sans("172.18.0.3", "https://172.18.0.3:30443"),
    _no_ip_sans("fd00:10:96::1a", "https://[fd00:10:96::1a]:443"),
)


def _unknown_authority(server: str, hint: str) -> Variant:
    # go:src/crypto/x509/verify.go UnknownAuthorityError.Error, with a hint: "x509: certificate signed by unknown
    # authority (possibly because of %q while trying to verify candidate authority certificate %q)"
    message = _tls(server, "x509: certificate signed by unknown authority" + hint)
    return Variant("certificate-unknown-authority", server, message, {"server": server}, _target_state(server), CLUSTER)


UNKNOWN_AUTHORITIES = (
    _unknown_authority("https://vc-2.team-b.svc:6443", ""),
    _unknown_authority(
        "https://10.96.0.15",
        f" (possibly because of {go_q('crypto/rsa: verification error')} "
        f"while trying to verify candidate authority certificate {go_q('vcluster-ca')})",
    ),
    _unknown_authority("https://[fd00:10:96::1a]:443", ""),
    _unknown_authority("https://api.vc-3.apps.example.org:8443", ""),
)


def _repo_server(dialled: str) -> Variant:
    # grpc-go's 'connection error: desc = "transport: Error while dialing: %v"' over a refused dial of Go's
    # net.OpError or a DNSError ("lookup <name> on <server>: no such host")
    message = (
        "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = "
        f'Unavailable desc = connection error: desc = "transport: Error while dialing: {dialled}"'
    )
    label = dialled.split()[2 if dialled.startswith("dial") else 1].rstrip(":")
    return Variant("argocd-repo-server-down", label, message, {"dialled": dialled}, "", APP)


REPO_SERVER = (
    _repo_server("dial tcp 10.96.203.17:8081: connect: connection refused"),
    _repo_server("dial tcp [fd00:10:96::8a]:8081: connect: connection refused"),
    _repo_server("lookup argocd-repo-server.argocd-2.svc.cluster.local on 10.96.0.10:53: no such host"),
    _repo_server("lookup argo-cd-argocd-repo-server on 10.96.0.10:53: no such host"),  # Helm release "argo-cd"
)


def _destination(server: str) -> Variant:
    # acd:util/argo/argo.go:363 "Unable to get cluster: %v", :1117 "error getting cluster by server %q: %w" over
    # acd:util/db/cluster.go:263 status.Errorf(codes.NotFound, "cluster %q not found", server) (server trimmed)
    message = (
        f"Unable to get cluster: error getting cluster by server {go_q(server)}: rpc error: code = NotFound desc = "
        f"cluster {go_q(server.rstrip('/'))} not found"
    )
    return Variant("argocd-destination-unknown", server, message, {"server": server}, "", SPEC)


def _destination_name(cluster: str) -> Variant:
    # acd:util/argo/argo.go:1094 "there are no clusters with this name: %s"
    message = f"there are no clusters with this name: {cluster}"
    return Variant("argocd-destination-name-unknown", cluster, message, {"cluster": cluster}, "", SPEC)


def _in_cluster_disabled(server: str) -> Variant:
    # acd:util/db/cluster.go GetCluster: status.Errorf(codes.NotFound, "cluster %q is disabled", server), for the
    # in-cluster address when argocd-cm's cluster.inClusterEnabled is "false"; wrapped as _destination's
    message = (
        f"Unable to get cluster: error getting cluster by server {go_q(server)}: rpc error: code = NotFound desc = "
        f"cluster {go_q(server)} is disabled"
    )
    return Variant("argocd-in-cluster-disabled", server, message, {"server": server}, "", SPEC)


def _untrusted_argocd(host: str, endpoint: str, request: str) -> Variant:
    # oamconf/probes/argocd.py: f"Argo CD API at {server_name} via {endpoint}: {method} {path}: tls: failed to
    # verify certificate: {x509_failure}; fix: ..." with Go's UnknownAuthorityError text (go1.26 verify.go:157)
    message = (
        f"Argo CD API at {host} via {endpoint}: {request}: tls: failed to verify certificate: x509: certificate "
        "signed by unknown authority (unable to get local issuer certificate); fix: the certificate given is not "
        "the one argocd-server serves"
    )
    return Variant("argocd-server-certificate-untrusted", host, message, {"host": host}, "", PROBE)


UNTRUSTED_ARGOCD = (
    _untrusted_argocd("argocd-server.argocd.svc", "127.0.0.1:40123", "POST /api/v1/session"),
    _untrusted_argocd("argocd.apps.example.org", "[::1]:8443", "GET /api/v1/clusters"),
    _untrusted_argocd("argo-cd-argocd-server.argocd-2", "127.0.0.1:4431", "GET /api/v1/applications/podinfo-vc1"),
)


DESTINATIONS = (
    _in_cluster_disabled("https://kubernetes.default.svc"),
    _destination("https://vc-2.team-b.svc:6443"),
    _destination("https://10.96.0.15"),
    _destination("https://api.vc-3.apps.example.org:8443/k8s/clusters/c-m-4x7z/"),
    _destination("https://[fd00:10:96::1a]:443"),
    _destination_name("vc-2.team-b"),
    _destination_name("vcluster_vc1_vc1-ns_kind-kind"),  # `vcluster connect`'s kube context, as `argocd cluster add`
    _destination_name("Prod-EU-1"),
    _destination_name("arn:aws:eks:eu-west-1:123456789012:cluster/prod-2"),  # an EKS context name
)


def _credentials(where: str, server: str, credential: str, why: str) -> Variant:
    # oamconf/probes/cluster_access.py _get: '{where}: Get "{server}{path}": {status} {reason} ({message}): the API
    # server rejected {_rejected(cluster)}', the message the API server's NewUnauthorized("Unauthorized") carries
    # (apiserver pkg/endpoints/filters/authentication.go:148)
    message = f"{where}: Get {go_q(server + '/version')}: 401 Unauthorized (Unauthorized): the API server rejected "
    return Variant(
        "credentials-rejected", credential, message + credential + why, {"credential": credential}, "", PROBE
    )


def _asked_for_credentials(server: str) -> Variant:
    # apimachinery pkg/api/errors/errors.go:456, client-go's text for a 401 without a Status body
    text = "the server has asked for the client to provide credentials"
    default = {"credential": "the credential it was sent"}
    return Variant("credentials-rejected", server, text, default, _target_state(server), CLUSTER)


CREDENTIALS = (
    _credentials(
        "Argo CD cluster vc-2.team-b (Secret argocd/cluster-vc-2-2945) via 127.0.0.1:40213",
        "https://vc-2.team-b.svc:6443",
        "the bearer token",
        " (expired, revoked, or another cluster's): put a current ServiceAccount token in it",
    ),
    _credentials(
        "Argo CD cluster Prod-EU-1 (Secret argocd-2/prod-eu-1) via [::1]:8443",
        "https://10.96.0.15",
        "the client certificate",
        ": this cluster's CA did not sign it (a re-created vCluster has a new "
        "CA); copy client-certificate and client-key of Secret vc-<name> again",
    ),
    _credentials(
        "Argo CD cluster vc3 (Secret argocd/vc3) via 127.0.0.1:4431",
        "https://vc3.vc3-ns:443",
        "username and password",
        ": Kubernetes has no basic authentication since v1.19",
    ),
    _credentials(
        "Argo CD cluster vc-4 (Secret argocd/vc-4) via 127.0.0.1:4432",
        "https://vc-4.team-d.svc",
        "an anonymous request",
        ": set bearerToken to a ServiceAccount token",
    ),
    _asked_for_credentials("https://vc-2.team-b.svc:6443"),
    _asked_for_credentials("https://[fd00:10:96::1a]:443"),
)


def _forbidden(user: tuple[str, str], verb: str, resource: tuple[str, str, str], namespace: str) -> Variant:
    """apiserver v0.36.1 pkg/endpoints/handlers/responsewriters/errors.go:76,79 forbiddenMessage, in
    apimachinery v0.36.1 pkg/api/errors/errors.go:214,216 NewForbidden ('%s %q is forbidden: %v')."""
    sa_namespace, sa = user
    plural, group, name = resource
    scope = f"in the namespace {go_q(namespace)}" if namespace else "at the cluster scope"
    qualified = f"{plural.split('/')[0]}.{group}" if group else plural.split("/")[0]
    subject = f"{qualified} {go_q(name)}" if name else qualified
    message = (
        f"{subject} is forbidden: User {go_q(f'system:serviceaccount:{sa_namespace}:{sa}')} cannot {verb} resource "
        f"{go_q(plural)} in API group {go_q(group)} {scope}"
    )
    values = {"sa_namespace": sa_namespace, "sa": sa, "verb": verb, "resource": plural, "group": group, "scope": scope}
    kind = "".join(part.title() for part in plural.split("/")[0].rstrip("s").split("-"))
    chain = _live_state("https://vc-2.team-b.svc:6443", f"{kind}.{group}" if group else kind)
    return Variant("rbac-forbidden", f"{sa}-{verb}-{plural}", message, values, chain, APP)


FORBIDDEN = (
    _forbidden(("kube-system", "argocd-manager"), "list", ("deployments", "apps", ""), ""),
    _forbidden(("vcluster-team-b2", "argocd.manager-v2"), "watch", ("ingresses", "networking.k8s.io", ""), "apps-1"),
    _forbidden(("default", "conformance"), "get", ("pods/log", "", "web-7d9f"), "team-a"),
    _forbidden(("argocd", "argocd-application-controller"), "deletecollection", ("secrets", "", ""), "ns.with-1"),
)


def _comparison(label: str, detail: str) -> Variant:
    # acd:controller/state.go:627 "Failed to load target state: " + err.Error(), as the ComparisonError condition
    message = "Failed to load target state: " + detail
    return Variant(
        "argocd-comparison-error", label, message, {"detail": message}, "", ("comparison", "comparison-verdict")
    )


def _sync(revision: str, reason: str) -> Variant:
    # acd:controller/appcontroller.go:2256 "Failed last sync attempt to %s: %s" over the operation's message,
    # acd:gitops-engine/pkg/sync/sync_context.go:897 "%s, reason: %s"
    message = f"Failed last sync attempt to [{revision}]: one or more objects failed to apply, reason: {reason}"
    return Variant("argocd-sync-error", revision, message, {"detail": message}, "", ("sync", "sync-verdict"))


CONDITIONS = (
    _comparison(
        "helm-failed",
        "failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = Manifest generation error "
        "(cached): `helm template . --name-template podinfo-2 --namespace team-b` failed exit status 1: Error: "
        "execution error at (podinfo/templates/deployment.yaml:12:4): replicaCount is required",
    ),
    _comparison(
        "no-route",
        'failed to get cluster version for cluster "https://vc-2.team-b:6443": Get "https://vc-2.team-b:6443/'
        'version?timeout=32s": dial tcp 10.96.0.15:6443: connect: no route to host',
    ),
    _comparison(
        "apostrophe",
        # acd:util/git/client.go:818 "unable to resolve '%s' to a commit SHA"
        "failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = unable to resolve "
        "'release-2.1' to a commit SHA",
    ),
    _sync("4f2a9c1e", 'Deployment.apps "web-2" is invalid: spec.replicas: Invalid value: -1'),
    _sync("HEAD", 'error validating data: ValidationError(Service.spec): unknown field "prot" in io.k8s.api.core'),
)


def _secret(secret: str, problem: str, tail: str) -> Variant:
    # oamconf/probes/cluster_secret.py parse_cluster_secret: f"{where}: <problem>" with where the Secret's Ref
    message = f"Secret {secret}: {problem}{tail}"
    return Variant("cluster-secret-malformed", f"{secret}-{problem[-28:]}", message, {"problem": problem}, "", PROBE)


UNREADABLE = ': Argo CD cannot unmarshal it ("could not unmarshal cluster secret") and skips the cluster'
CLUSTER_SECRETS = (
    _secret(
        "argocd/cluster-vc-2-2945",
        "want label argocd.argoproj.io/secret-type: cluster, it is 'repository'",
        ": Argo CD does not read it",
    ),
    _secret(
        "argocd-2/vc3", "want label argocd.argoproj.io/secret-type: cluster, it has none", ": Argo CD does not read it"
    ),
    _secret(
        "argocd/vc-4.team-d",
        "no data key config, server (it has: name, namespaces)",
        ": an Argo CD cluster Secret needs name, server and config",
    ),
    _secret("argocd/vc1", "data.server is not an https:// URL with a host (scheme http, host vc1.vc1-ns)", ""),
    _secret("argocd/vc1", "data.server is not an https:// URL with a host (scheme none, host none)", ""),
    _secret("argocd/vc-5", "data.namespaces is not base64 of UTF-8 text", ""),
    _secret("argocd/vc-5", "data.config tlsClientConfig.caData is not base64", UNREADABLE),
    _secret("argocd/vc-6", "data.config is not JSON (Expecting value at line 1 column 1)", UNREADABLE),
    _secret("argocd/vc-6", "data.config is an array, not an object", ""),
    _secret("argocd/vc-6", "data.config is null, not an object", ""),
    _secret("argocd/vc-7", "data.config tlsClientConfig.insecure is a string, not a boolean", UNREADABLE),
    _secret("argocd/vc-7", "data.config bearerToken is a number, not a string", UNREADABLE),
    _secret(
        "argocd/vc-8",
        "data.config sets insecure: true and caData (specifying a root certificates file with the "
        "insecure flag is not allowed)",
        ": client-go refuses that and Argo CD cannot connect",
    ),
    _secret(
        "argocd/vc-8",
        "data.config sets username/password and bearerToken (username/password or bearer token "
        "may be set, but not both)",
        ": client-go refuses that and Argo CD cannot connect",
    ),
)


def _ca_not_pem(secret: str) -> Variant:
    # oamconf/probes/cluster_secret.py _ca: its x509 words must not take it to certificate-unknown-authority
    message = (
        f"Secret {secret}: data.config tlsClientConfig.caData holds no PEM certificate (base64 twice?): Argo CD "
        "would trust no CA (x509: certificate signed by unknown authority)"
    )
    return Variant("cluster-secret-ca-not-pem", secret, message, {}, "", PROBE)


ALL: tuple[Variant, ...] = (
    *CERTIFICATE_NAMES,
    *UNTRUSTED_ARGOCD,
    *NO_IP_SANS,
    *UNKNOWN_AUTHORITIES,
    *REPO_SERVER,
    *DESTINATIONS,
    *CREDENTIALS,
    *FORBIDDEN,
    *CONDITIONS,
    *CLUSTER_SECRETS,
    _ca_not_pem("argocd/cluster-vc-2-2945"),
    _ca_not_pem("argocd-2/Prod-EU-1"),
)
