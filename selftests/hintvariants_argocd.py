"""Texts built from the upstream format strings the Argo CD side of the hint catalogue quotes (Argo CD
v3.4.4, Go 1.26's crypto/x509, the Kubernetes v1.36.1 API server, the suite's own probes), with other
names and values, and the forms they arrive in (``hintvariants_argocd_forms``): the tables of
``test_hint_variants_argocd``; the certificate texts are in ``hintvariants_argocd_tls``."""

from __future__ import annotations

from hintvariants import Variant, go_q
from hintvariants_argocd_forms import APP, ARGO_WRAPS, CLUSTER, PROBE, SPEC, live_state, target_state
from hintvariants_argocd_tls import CERTIFICATE_NAMES, NO_IP_SANS, UNKNOWN_AUTHORITIES, UNTRUSTED_ARGOCD

__all__ = ["ALL", "ARGO_WRAPS"]


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
    return Variant("credentials-rejected", server, text, default, target_state(server), CLUSTER)


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


def _forbidden_text(user: str, verb: str, resource: tuple[str, str, str], namespace: str) -> tuple[str, str]:
    """The message and its 'resource … scope' part: apiserver v0.36.1 pkg/endpoints/handlers/responsewriters/
    errors.go:76,79 forbiddenMessage, in apimachinery v0.36.1 pkg/api/errors/errors.go:214,216 NewForbidden
    ('%s %q is forbidden: %v')."""
    plural, group, name = resource
    scope = f"in the namespace {go_q(namespace)}" if namespace else "at the cluster scope"
    qualified = f"{plural.split('/')[0]}.{group}" if group else plural.split("/")[0]
    subject = f"{qualified} {go_q(name)}" if name else qualified
    what = f"resource {go_q(plural)} in API group {go_q(group)} {scope}"
    return f"{subject} is forbidden: User {go_q(user)} cannot {verb} {what}", what


def _live_chain(resource: tuple[str, str, str]) -> str:
    plural, group, _ = resource
    kind = "".join(part.title() for part in plural.split("/")[0].rstrip("s").split("-"))
    return live_state("https://vc-2.team-b.svc:6443", f"{kind}.{group}" if group else kind)


def _forbidden(user: tuple[str, str], verb: str, resource: tuple[str, str, str], namespace: str) -> Variant:
    sa_namespace, sa = user
    message, what = _forbidden_text(f"system:serviceaccount:{sa_namespace}:{sa}", verb, resource, namespace)
    scope = what.split(f"{go_q(resource[1])} ", 1)[1]
    values = {"sa_namespace": sa_namespace, "sa": sa, "verb": verb, "resource": resource[0], "group": resource[1]}
    values["scope"] = scope
    return Variant("rbac-forbidden", f"{sa}-{verb}-{resource[0]}", message, values, _live_chain(resource), APP)


def _user_or_anonymous(user: str, label: str, message: str, *, verb: str, what: str, chain: str) -> Variant:
    if user == "system:anonymous":
        return Variant("rbac-forbidden-anonymous", label, message, {"verb": verb, "what": what}, chain, APP)
    return Variant("rbac-forbidden-user", label, message, {"user": user, "verb": verb, "what": what}, chain, APP)


def _forbidden_user(user: str, verb: str, resource: tuple[str, str, str], namespace: str) -> Variant:
    """Any user but a ServiceAccount: the suite's own kubeconfig user, or the one Argo CD's cluster config names."""
    message, what = _forbidden_text(user, verb, resource, namespace)
    return _user_or_anonymous(
        user, f"{user}-{verb}-{resource[0]}", message, verb=verb, what=what, chain=_live_chain(resource)
    )


def _forbidden_path(user: str, verb: str, path: str) -> Variant:
    """forbiddenMessage's non-resource form (errors.go:67), in NewForbidden with no resource ('forbidden: %v')."""
    what = f"path {go_q(path)}"
    message = f"forbidden: User {go_q(user)} cannot {verb} {what}"
    return _user_or_anonymous(
        user, f"{user}-{path}", message, verb=verb, what=what, chain=target_state("https://vc-2.team-b.svc")
    )


FORBIDDEN = (
    _forbidden(("kube-system", "argocd-manager"), "list", ("deployments", "apps", ""), ""),
    _forbidden(("vcluster-team-b2", "argocd.manager-v2"), "watch", ("ingresses", "networking.k8s.io", ""), "apps-1"),
    _forbidden(("default", "conformance"), "get", ("pods/log", "", "web-7d9f"), "team-a"),
    _forbidden(("argocd", "argocd-application-controller"), "deletecollection", ("secrets", "", ""), "ns.with-1"),
    _forbidden_user("jane@example.org", "list", ("compositions", "apiextensions.crossplane.io", ""), ""),
    _forbidden_user("kubernetes-admin", "get", ("secrets", "", "vc-vc1"), "vc1-ns"),
    _forbidden_user("Jane Doe", "watch", ("applications", "core.oam.dev", ""), "team-a.apps"),
    _forbidden_user("oidc:https://accounts.example.com#1234", "create", ("pods/portforward", "", "web-0"), "apps"),
    _forbidden_user("arn:aws:iam::123456789012:role/ci", "patch", ("releases", "helm.crossplane.io", "db"), ""),
    _forbidden_user("system:node:kind-worker2", "delete", ("deployments/scale", "apps", "web"), "default"),
    _forbidden_user("system:anonymous", "list", ("pods", "", ""), "default"),
    _forbidden_user("system:anonymous", "get", ("xvclusters", "platform.example.org", "vc1"), ""),
    _forbidden_path("system:anonymous", "get", "/apis"),
    _forbidden_path("system:anonymous", "get", "/version"),
    _forbidden_path("system:serviceaccount:kube-system:argocd-manager", "get", "/version"),
    _forbidden_path("jane@example.org", "get", "/openapi/v3/apis/apps/v1"),
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
