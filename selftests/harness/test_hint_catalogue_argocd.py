"""Each known failure mode of phases 4-5 (the vCluster's certificate, Argo CD, its credentials and
RBAC) turns the upstream text it quotes into its cause and fix, with the values the text carries."""

from __future__ import annotations

import pytest

from hintcases import ARGO_SIDE, Case, assert_hint
from oamconf.steps.hints import RULES

SANS = (
    "kubernetes.default.svc.cluster.local, kubernetes.default.svc, kubernetes.default, kubernetes, localhost, "
    "vc1, vc1.vc1-ns, *.nodes.vcluster.com"
)
# acd:controller/state.go:627 over gitops-engine and Go's HostnameError (platform facts §7.5)
ARGOCD_SAN = (
    'Failed to load target state: failed to get cluster version for cluster "https://vc1.vc1-ns.svc:443": '
    'failed to get cluster info for "https://vc1.vc1-ns.svc:443": error synchronizing cache state : failed to get '
    'server version: failed to get server version: Get "https://vc1.vc1-ns.svc:443/version?timeout=32s": tls: '
    f"failed to verify certificate: x509: certificate is valid for {SANS}, not vc1.vc1-ns.svc"
)
REPO_SERVER_DOWN = (
    "Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unavailable "
    'desc = connection error: desc = "transport: Error while dialing: dial tcp 10.96.14.2:8081: connect: '
    'connection refused"'
)
# The other half of the catalogue has its messages in hintcases_platform.py and hintcases_workloads.py.


CASES = [
    Case(
        "certificate-name-svc",
        f"ComparisonError: {ARGOCD_SAN}",
        "the vCluster's serving certificate does not cover vc1.vc1-ns.svc, the host it was dialled with; it is "
        f"valid for {SANS}",
        ("add vc1.vc1-ns.svc to controlPlane.proxy.extraSANs", "vCluster vc1", "https://vc1.vc1-ns:443"),
    ),
    Case(
        "certificate-name-svc",
        "x509: certificate is valid for kubernetes, vc2, vc2.team-a, not vc2.team-a.svc.cluster.local",
        "the vCluster's serving certificate does not cover vc2.team-a.svc.cluster.local, the host it was dialled "
        "with; it is valid for kubernetes, vc2, vc2.team-a",
        ("add vc2.team-a.svc.cluster.local to controlPlane.proxy.extraSANs", "https://vc2.team-a:443"),
    ),
    Case(
        "certificate-name",
        'Get "https://vc1.example.com:443/version": tls: failed to verify certificate: x509: certificate is valid '
        "for kubernetes, localhost, vc1, vc1.vc1-ns, not vc1.example.com",
        "the vCluster's serving certificate does not cover vc1.example.com, the host it was dialled with; it is "
        "valid for kubernetes, localhost, vc1, vc1.vc1-ns",
        ("add vc1.example.com to controlPlane.proxy.extraSANs", "tlsClientConfig.serverName"),
    ),
    Case(
        "certificate-name",
        "x509: certificate is not valid for any names, but wanted to match vc1.vc1-ns",
        "the vCluster's serving certificate does not cover vc1.vc1-ns, the host it was dialled with; it is valid "
        "for no names",
        ("add vc1.vc1-ns to controlPlane.proxy.extraSANs",),
    ),
    Case(
        "certificate-no-ip-sans",  # Go 1.26 crypto/x509, as the suite's TLS probe and Argo CD both word it
        'Get "https://10.96.0.15:443/version": tls: failed to verify certificate: x509: cannot validate certificate '
        "for 10.96.0.15 because it doesn't contain any IP SANs",
        "the client dialled the IP address 10.96.0.15, and the server's certificate has no IP address among its "
        "SANs, only names",
        ("add 10.96.0.15 to controlPlane.proxy.extraSANs",),
    ),
    Case(
        "certificate-legacy-common-name",
        'Get "https://vc1.vc1-ns.svc:443/version": tls: failed to verify certificate: x509: certificate relies on '
        "legacy Common Name field, use SANs instead",
        "the server's certificate names the host only in its subject's Common Name and has no SANs: Go (so Argo CD, "
        "kubectl and every controller) has ignored the Common Name since Go 1.15",
        ("subjectAltNames",),
    ),
    Case(
        "argocd-server-certificate-untrusted",  # the suite's Argo CD API probe, given another certificate
        "Argo CD API at argocd-server.argocd.svc via 127.0.0.1:40123: POST /api/v1/session: tls: failed to verify "
        "certificate: x509: certificate signed by unknown authority (self-signed certificate); fix: the certificate "
        "given is not the one argocd-server serves",
        "the certificate the suite was given to trust argocd-server argocd-server.argocd.svc with is not the one "
        "argocd-server serves",
        ("tls.crt of Secret argocd-server-tls",),
    ),
    Case(
        "certificate-unknown-authority",
        'Failed to load target state: failed to get server version: Get "https://vc1.vc1-ns:443/version?timeout=32s"'
        ": tls: failed to verify certificate: x509: certificate signed by unknown authority",
        "the CA the client trusts for https://vc1.vc1-ns:443 did not sign its certificate: caData is not that "
        "vCluster's CA",
        ("certificate-authority of the vCluster's Secret vc-<name>", "tlsClientConfig.caData"),
    ),
    Case(
        "certificate-unknown-authority",
        'x509: certificate signed by unknown authority (possibly because of "crypto/rsa: verification error" while '
        'trying to verify candidate authority certificate "vcluster-ca")',
        "the CA the client trusts for the vCluster did not sign its certificate: caData is not that vCluster's CA",
        ("tlsClientConfig.caData",),
    ),
    Case(
        "argocd-repo-server-down",
        f"ComparisonError: {REPO_SERVER_DOWN}",
        "Argo CD's repo-server does not answer the application controller (dial tcp 10.96.14.2:8081: connect: "
        "connection refused)",
        ("argocd-repo-server", "argocd.argoproj.io/refresh=hard"),
    ),
    Case(
        "argocd-repo-server-down",  # its Service deleted
        'connection error: desc = "transport: Error while dialing: dial tcp: lookup argocd-repo-server on '
        '10.96.0.10:53: no such host"',
        "Argo CD's repo-server does not answer the application controller (lookup argocd-repo-server on "
        "10.96.0.10:53: no such host)",
        ("Service present",),
    ),
    Case(
        "argocd-cluster-not-monitored",
        "cluster https://vc1.vc1-ns:443: connection Unknown: Cluster has no applications and is not being monitored.",
        "Argo CD checks a cluster's connection only once an Application targets it, so its state stays Unknown",
        ("create the Application first",),
    ),
    Case(
        "argocd-in-cluster-disabled",  # Argo CD v3.4.4 with cluster.inClusterEnabled: "false"
        '- type: InvalidSpecError\n  message: \'error getting cluster by server "https://kubernetes.default.svc": rpc '
        'error: code = NotFound desc = cluster "https://kubernetes.default.svc" is disabled\'',
        "the Application's destination is https://kubernetes.default.svc, Argo CD's own (in-cluster) cluster, which "
        'argocd-cm turns off (cluster.inClusterEnabled: "false"): the Application targets the host cluster, not a '
        "vCluster",
        ("destination.server at the vCluster's registered server",),
    ),
    Case(
        "argocd-destination-unknown",
        '- type: InvalidSpecError\n  message: \'error getting cluster by server "https://vc1.vc1-ns.svc:443": rpc '
        'error: code = NotFound desc = cluster "https://vc1.vc1-ns.svc:443" not found\'',
        "Argo CD has no cluster https://vc1.vc1-ns.svc:443: no cluster Secret (label argocd.argoproj.io/"
        "secret-type: cluster) has it",
        ("server exactly https://vc1.vc1-ns.svc:443",),
    ),
    Case(
        "argocd-destination-name-unknown",
        "InvalidSpecError: there are no clusters with this name: vc1",
        "Argo CD has no cluster named vc1: no cluster Secret has name: vc1",
        ("set name: vc1",),
    ),
    Case(
        "credentials-rejected",
        "ComparisonError: Failed to load target state: failed to get server version: failed to get server version: "
        "the server has asked for the client to provide credentials",
        "the API server rejected the credentials (401): the credential it was sent is not (or no longer) valid for "
        "that cluster",
        ("bearerToken",),
    ),
    Case(
        "credentials-rejected",  # the suite's own client (oamconf/k8s/apierrors.py)
        "Namespace default: 401 Unauthorized: Unauthorized",
        "the API server rejected the credentials (401): the credential it was sent is not (or no longer) valid for "
        "that cluster",
        ("exportKubeConfig.additionalSecrets",),
    ),
    Case(
        "rbac-forbidden",
        'ComparisonError: Failed to load live state: failed to get cluster info for "https://vc1.vc1-ns:443": error '
        'synchronizing cache state : failed to load initial state of resource Pod: pods is forbidden: User "system:'
        'serviceaccount:kube-system:argocd-manager" cannot list resource "pods" in API group "" at the cluster scope',
        'RBAC does not let ServiceAccount kube-system/argocd-manager list pods (API group "") at the cluster scope',
        ("allows list on pods", "--as=system:serviceaccount:kube-system:argocd-manager"),
    ),
    Case(
        "rbac-forbidden",
        'Release test-db: 403 Forbidden: secrets "test-db" is forbidden: User "system:serviceaccount:default:'
        'conformance" cannot get resource "secrets" in API group "" in the namespace "apps"',
        'RBAC does not let ServiceAccount default/conformance get secrets (API group "") in the namespace "apps"',
        ("allows get on secrets",),
    ),
    Case(
        "rbac-forbidden-anonymous",  # a kubeconfig user with no credentials: discovery is refused first
        'access denied (403 Forbidden: forbidden: User "system:anonymous" cannot get path "/apis"); check the '
        "kubeconfig's credentials and RBAC",
        'the API server took the request as anonymous (User "system:anonymous"): it carried no credentials, and '
        'anonymous may not get path "/apis"',
        ("kubectl config view --minify", "config.bearerToken"),
    ),
    Case(
        "rbac-forbidden-user",  # a platform under review, tested with a user who may not read the platform's kinds
        'XComposite vc1: 403 Forbidden: compositions.apiextensions.crossplane.io is forbidden: User "jane@example.org" '
        'cannot list resource "compositions" in API group "apiextensions.crossplane.io" at the cluster scope',
        'RBAC does not let user jane@example.org list resource "compositions" in API group '
        '"apiextensions.crossplane.io" at the cluster scope',
        ("kubectl auth can-i --list", "--as=jane@example.org"),
    ),
    Case(
        "rbac-forbidden-user",  # a ServiceAccount refused a non-resource path (rbac-forbidden reads resources)
        'ComparisonError: Failed to load target state: failed to get cluster version for cluster "https://vc1.vc1-ns:'
        '443": failed to get cluster info for "https://vc1.vc1-ns:443": error synchronizing cache state : failed to '
        "get server version: failed to get server version: forbidden: User "
        '"system:serviceaccount:kube-system:argocd-manager" cannot get path "/version"',
        'RBAC does not let user system:serviceaccount:kube-system:argocd-manager get path "/version"',
        ("allows get there",),
    ),
    Case(
        "argocd-comparison-error",
        'ComparisonError: Failed to load target state: failed to get cluster version for cluster "https://vc1.'
        'vc1-ns:443": Get "https://vc1.vc1-ns:443/version?timeout=32s": dial tcp 10.96.5.5:443: connect: no route',
        "Argo CD cannot compare the Application with its source or destination: Failed to load target state: "
        'failed to get cluster version for cluster "https://vc1.vc1-ns:443": Get "https://vc1.vc1-ns:443/version?'
        'timeout=32s": dial tcp 10.96.5.5:443: connect: no route',
        ("argocd.argoproj.io/refresh=hard",),
    ),
    Case(
        "argocd-sync-error",
        '- type: SyncError\n  message: \'Failed to sync: Deployment.apps "podinfo" is invalid: spec.replicas: '
        "Invalid value: -1'",
        'Argo CD\'s sync of the Application failed: Failed to sync: Deployment.apps "podinfo" is invalid: '
        "spec.replicas: Invalid value: -1",
        ("status.operationState",),
    ),
    Case(
        "credentials-rejected",  # oamconf/probes/cluster_access.py, the suite's own words for a 401
        'Argo CD cluster vc1 (Secret argocd/vcluster-vc1) via 127.0.0.1:4431: Get "https://vc1.vc1-ns.svc:443/'
        'version": 401 Unauthorized (Unauthorized): the API server rejected the bearer token (expired, revoked, '
        "or another cluster's): put a current ServiceAccount token in it",
        "the API server rejected the credentials (401): the bearer token is not (or no longer) valid for that cluster",
        ("exportKubeConfig.additionalSecrets",),
    ),
    Case(
        "cluster-secret-ca-not-pem",
        "Secret argocd/vcluster-vc1: data.config tlsClientConfig.caData holds no PEM certificate (base64 twice?): "
        "Argo CD would trust no CA (x509: certificate signed by unknown authority)",
        "tlsClientConfig.caData of the Argo CD cluster Secret is not a PEM certificate once base64-decoded "
        "(encoded twice?): Argo CD would trust no CA and fail every handshake with the vCluster",
        ("do not encode it again",),
    ),
    Case(
        "cluster-secret-malformed",
        "Secret argocd/vcluster-vc1: data.server is not an https:// URL with a host (http://vc1)",
        "Argo CD cannot use the vCluster's cluster Secret as written: data.server is not an https:// URL with a host "
        "(http://vc1)",
        ("argocd.argoproj.io/secret-type=cluster",),
    ),
    Case(
        "argocd-login-rejected",
        "Argo CD API at argocd-server via 127.0.0.1:8443: POST /api/v1/session: 401 Unauthorized (Invalid "
        "username or password): check the username and password",
        "argocd-server refused the suite's login: the username or password is not the account's",
        ("argocd-initial-admin-secret",),
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c.rule}-{i}") for i, c in enumerate(CASES)])
def test_an_upstream_message_gets_its_cause_and_fix(case: Case) -> None:
    assert_hint(case)


def test_every_rule_of_argo_cd_and_its_certificates_has_an_upstream_message_here() -> None:
    assert {c.rule for c in CASES} == {r.name for r in RULES if r.name.startswith(ARGO_SIDE)}
