"""The known failure modes of phases 4-5 (TLS to the vCluster, the Argo CD cluster Secret, Argo CD, the
credentials it signs in with), in the order ``hint_catalogue`` tries them after the platform's."""

from __future__ import annotations

from oamconf.steps.hint_known import Known

# A condition's message after its type: "ComparisonError: <msg>", "type: ComparisonError / message: '<msg>'" (its
# own quotes kept: the quote that closes it ends its line); in the Application's verdict, "(ComparisonError: <msg>;
# SyncError: <msg>)", the next condition and the closing parenthesis are not the message's (k8s/verdicts/argocd.py).
_ARGOCD_CONDITION = (
    r"(?:\W{1,4}(?:message\W{1,4})?(?P<detail>(?!lastTransitionTime)(?:(?!; \w+Error: )[^\n]){8,}?)"
    r"(?(open)\)(?=[;\n]|\Z)|(?=\x27?(?:\n|\Z)|; \w+Error: )))?"
)

# Go's HostnameError: "valid for <SANs>, not <host>", or with 100 names or more "valid for 120 names, but none
# matched <host>" (since Go 1.25.5, CVE-2025-61729); the host as Go prints it, an IPv6 address without brackets.
_VALID_FOR = r"valid for (?P<sans>[^\n]+?)(?:, not|(?:(?<= names)|(?<=IP SANs)), but none matched)"
_HOST = r"(?P<host>[\da-f]*:[\da-f:.]*[\da-f]|[\w-]+(?:\.[\w-]+)*)"

# What forbiddenMessage says a user may not do: a resource (its subresource after "/") in an API group, namespaced
# or cluster-wide, or a non-resource path ("/apis", "/version").
_FORBIDDEN_WHAT = (
    r'(?P<what>resource \\?"[^"\\]+\\?" in API group \\?"[^"\\]*\\?" (?:in the namespace \\?"[^"\\]+\\?"|at the '
    r'cluster scope)|path \\?"[^"\\]+\\?")'
)

ARGOCD: tuple[Known, ...] = (
    Known(
        "cluster-secret-ca-not-pem",
        r"tlsClientConfig\.caData holds no PEM certificate",
        "tlsClientConfig.caData of the Argo CD cluster Secret is not a PEM certificate once base64-decoded "
        "(encoded twice?): Argo CD would trust no CA and fail every handshake with the vCluster",
        "set caData to the vCluster's CA PEM base64-encoded once: the value of key certificate-authority in Secret "
        "vc-<name> is that already (copy it as it is, do not encode it again)",
        source="oamconf/probes/cluster_secret.py _ca; acd:pkg/apis/application/v1alpha1/types.go RawRestConfig "
        "(caData is []byte: base64 in JSON)",
    ),
    Known(
        "cluster-secret-malformed",
        r"(?P<problem>(?:want label argocd\.argoproj\.io/secret-type: cluster|no data key [\w, ]+|data\.server is "
        r"not an https://|data\.config sets (?:insecure: true|[\w., ]+)|data\.(?:config )?[\w.]+ is not base64|"
        r"data\.config is not JSON|data\.config (?:[\w.]+ )?is (?:an? )?\w+, not (?:an? )?\w+)"
        r"(?:\([^)\n]*\)|(?!: )[^;\n])*)",
        "Argo CD cannot use the vCluster's cluster Secret as written: {problem}",
        "correct the Secret where the platform writes it (the object that composes it, or the registration "
        "script), following the failure's own words; `kubectl -n argocd get secret -l "
        "argocd.argoproj.io/secret-type=cluster -o yaml` shows what Argo CD reads",
        source="oamconf/probes/cluster_secret.py parse_cluster_secret, after acd:util/db/cluster.go "
        "SecretToCluster (could not unmarshal cluster secret)",
    ),
    Known(
        "certificate-name-svc",
        r"x509: certificate is " + _VALID_FOR + " "
        r"(?P<host>(?P<vcluster>[\w-]+)\.(?P<namespace>[\w-]+)\.svc(?:\.cluster\.local)?)(?![\w-]|\.[\w-])",
        "the vCluster's serving certificate does not cover {host}, the host it was dialled with; it is valid "
        "for {sans}",
        "add {host} to controlPlane.proxy.extraSANs in the values of vCluster {vcluster}, or connect to "
        "https://{vcluster}.{namespace}:443, a default SAN",
        source="go1.26:src/crypto/x509/verify.go:109-143 HostnameError; vc:pkg/server/cert/cert.go:54-60,224 "
        "(<name>.<ns>, no .svc)",
    ),
    Known(
        "certificate-name",
        r"x509: certificate is (?:" + _VALID_FOR + "|not valid for any names, but wanted to match) " + _HOST,
        "the vCluster's serving certificate does not cover {host}, the host it was dialled with; it is valid "
        "for {sans}",
        "add {host} to controlPlane.proxy.extraSANs in the vCluster values, or have the client check a name it "
        "has (Argo CD cluster Secret: tlsClientConfig.serverName, e.g. kubernetes.default.svc)",
        {"sans": "no names"},
        source="go1.26:src/crypto/x509/verify.go:109-143 HostnameError",
    ),
    Known(
        "certificate-no-ip-sans",
        r"x509: cannot validate certificate for (?P<ip>\S+) because it doesn't contain any IP SANs",
        "the client dialled the IP address {ip}, and the server's certificate has no IP address among its SANs, "
        "only names",
        "connect by a name the certificate has (a vCluster's: <name>.<namespace>, kubernetes.default.svc), or add "
        "{ip} to controlPlane.proxy.extraSANs in the vCluster values",
        source="go1.26:src/crypto/x509/verify.go:118-122 HostnameError",
    ),
    Known(
        "certificate-legacy-common-name",
        r"x509: certificate relies on legacy Common Name field, use SANs instead",
        "the server's certificate names the host only in its subject's Common Name and has no SANs: Go (so Argo "
        "CD, kubectl and every controller) has ignored the Common Name since Go 1.15",
        "reissue the certificate with the host among its subjectAltNames; a vCluster's own certificate always has "
        "SANs, so this one was made by hand or by another tool",
        source="go1.26:src/crypto/x509/verify.go:113-115 HostnameError",
    ),
    Known(
        "argocd-server-certificate-untrusted",
        r"Argo CD API at (?P<host>\S+) via \S+: [A-Z]+ \S+: tls: failed to verify certificate: x509: certificate "
        r"signed by unknown authority",
        "the certificate the suite was given to trust argocd-server {host} with is not the one argocd-server serves",
        "take tls.crt of Secret argocd-server-tls in Argo CD's namespace if it exists (it wins), else tls.crt of "
        "argocd-secret; a restarted argocd-server without argocd-server-tls generated a new one",
        source="oamconf/probes/argocd.py ArgoCdApi._untrusted, over go1.26:src/crypto/x509/verify.go:156-170",
    ),
    Known(
        "certificate-unknown-authority",
        r'(?:\\?"(?P<server>https://[^/"\\\s]+)[^"\\\s]*\\?":\s*)?(?:tls: failed to verify certificate: )?'
        r"x509: certificate signed by unknown authority",
        "the CA the client trusts for {server} did not sign its certificate: caData is not that vCluster's CA",
        "copy certificate-authority of the vCluster's Secret vc-<name> into tlsClientConfig.caData of the Argo CD "
        "cluster Secret (both base64 PEM); a recreated vCluster has a new CA",
        {"server": "the vCluster"},
        source="go1.26:src/crypto/x509/verify.go:156-170 UnknownAuthorityError",
    ),
    Known(
        "argocd-repo-server-down",
        (
            r"(?P<dialled>dial tcp [^\s\"]+:8081: connect: connection refused)",
            r"(?P<dialled>lookup [\w.-]*repo-server[\w.-]* on \S+: no such host)",
        ),
        "Argo CD's repo-server does not answer the application controller ({dialled})",
        "`kubectl -n argocd get deploy,svc argocd-repo-server`: the Deployment must be Available and the Service "
        "present; then hard-refresh the Application (annotation argocd.argoproj.io/refresh=hard)",
        source="acd:controller/state.go:335,627; acd:common/common.go:41 (argocd-repo-server:8081)",
    ),
    Known(
        "argocd-cluster-not-monitored",
        r"Cluster has no applications and is not being monitored",
        "Argo CD checks a cluster's connection only once an Application targets it, so its state stays Unknown",
        "create the Application first, then poll the cluster's connection state (GET /api/v1/clusters)",
        source="acd:controller/clusterinfoupdater.go:163-166",
    ),
    Known(
        "argocd-in-cluster-disabled",
        r'cluster \\?"(?P<server>[^"\\\s]+)\\?" is disabled',
        "the Application's destination is {server}, Argo CD's own (in-cluster) cluster, which argocd-cm turns off "
        '(cluster.inClusterEnabled: "false"): the Application targets the host cluster, not a vCluster',
        "point the Application's destination.server at the vCluster's registered server (`argocd cluster list`); "
        'only if the host cluster is meant, set cluster.inClusterEnabled: "true" in argocd-cm',
        source="acd:util/db/cluster.go GetCluster (status NotFound: cluster %q is disabled, for "
        "https://kubernetes.default.svc when InClusterEnabled is false), over acd:util/argo/argo.go:1117",
    ),
    Known(
        "argocd-destination-unknown",
        r'error getting cluster by server \\?"(?P<server>[^"\\]+)\\?": rpc error: code = NotFound',
        "Argo CD has no cluster {server}: no cluster Secret (label argocd.argoproj.io/secret-type: cluster) has it",
        "make the cluster Secret's server exactly {server} (scheme, host, port), or point the Application's "
        "destination.server at a registered cluster (`argocd cluster list`)",
        source="acd:util/argo/argo.go:1117 over acd:util/db/cluster.go:232 (NotFound)",
    ),
    Known(
        "argocd-destination-name-unknown",
        r"there are no clusters with this name: (?P<cluster>[\w.:/@-]*\w)",
        "Argo CD has no cluster named {cluster}: no cluster Secret has name: {cluster}",
        "set name: {cluster} in the vCluster's cluster Secret, or correct the Application's destination.name",
        source="acd:util/argo/argo.go:1094",
    ),
    Known(
        "argocd-login-rejected",
        r"POST /api/v1/session: 401 Unauthorized",
        "argocd-server refused the suite's login: the username or password is not the account's",
        "pass the admin password the platform has: key password of Secret argocd-initial-admin-secret in the "
        "Argo CD namespace, valid until someone changes it (then use the changed one)",
        source="acd:server/session/session.go Create (Invalid username or password); oamconf/probes/argocd.py "
        "ArgoCdApi.login",
    ),
    Known(
        "credentials-rejected",
        (
            (
                r"401 Unauthorized[^\n]{0,400}?: the API server rejected (?P<credential>the bearer token|the client "
                r"certificate|username and password|an anonymous request)"
            ),
            r"the server has asked for the client to provide credentials|401 Unauthorized(?:: | \()Unauthorized",
        ),
        "the API server rejected the credentials (401): {credential} is not (or no longer) valid for that cluster",
        "for a bearer token: take it again from the Secret the vCluster exports for it (exportKubeConfig."
        "additionalSecrets, key token; a ServiceAccount deleted inside the vCluster revokes it) and set it as "
        "bearerToken in the Argo CD cluster Secret's config; for a client certificate: copy client-certificate "
        "and client-key of Secret vc-<name> again (a re-created vCluster has a new CA)",
        {"credential": "the credential it was sent"},
        source="apimachinery api/errors/errors.go (401); oamconf/k8s/apierrors.py (401 → AccessDenied); "
        "oamconf/probes/cluster_access.py _get (401 Unauthorized (<reason>): the API server rejected …)",
    ),
    Known(
        "rbac-forbidden",
        r'is forbidden: User \\?"system:serviceaccount:(?P<sa_namespace>[^:"\\]+):(?P<sa>[^"\\]+)\\?" cannot '
        r'(?P<verb>[\w-]+) resource \\?"(?P<resource>[^"\\]+)\\?" in API group \\?"(?P<group>[^"\\]*)\\?" '
        r'(?P<scope>in the namespace \\?"[^"\\]+\\?"|at the cluster scope)',
        'RBAC does not let ServiceAccount {sa_namespace}/{sa} {verb} {resource} (API group "{group}") {scope}',
        "bind it a Role or ClusterRole that allows {verb} on {resource} in the cluster that refused (Argo CD in a "
        "vCluster: exportKubeConfig.serviceAccount.clusterRole); check with "
        "`kubectl auth can-i --list --as=system:serviceaccount:{sa_namespace}:{sa}`",
        source="apiserver pkg/endpoints/handlers/responsewriters/errors.go forbiddenMessage",
    ),
    Known(
        "rbac-forbidden-anonymous",
        r'forbidden: User \\?"system:anonymous\\?" cannot (?P<verb>[\w-]+) ' + _FORBIDDEN_WHAT,
        'the API server took the request as anonymous (User "system:anonymous"): it carried no credentials, and '
        "anonymous may not {verb} {what}",
        "give the request credentials: a kubeconfig user needs a token, a client certificate and key, or an exec "
        "plugin (`kubectl config view --minify` shows what the context sends); an Argo CD cluster Secret needs "
        "config.bearerToken or tlsClientConfig.certData and keyData",
        source="apiserver pkg/endpoints/handlers/responsewriters/errors.go forbiddenMessage (anonymous: "
        "pkg/authentication/request/anonymous)",
    ),
    Known(
        "rbac-forbidden-user",  # any other user, and a ServiceAccount refused a non-resource path
        r'forbidden: User \\?"(?P<user>[^"\\]+)\\?" cannot (?P<verb>[\w-]+) ' + _FORBIDDEN_WHAT,
        "RBAC does not let user {user} {verb} {what}",
        "have {user} bound a Role or ClusterRole that allows {verb} there (in the cluster that refused), or use a "
        "kubeconfig context that has it; `kubectl auth can-i --list` shows what a context may do, and an admin "
        "checks for that user with `kubectl auth can-i {verb} <resource> --as={user}`",
        source="apiserver pkg/endpoints/handlers/responsewriters/errors.go forbiddenMessage",
    ),
    Known(
        "argocd-comparison-error",  # a catch-all, after the specific ones
        r"(?P<open>\()?ComparisonError" + _ARGOCD_CONDITION,
        "Argo CD cannot compare the Application with its source or destination: {detail}",
        "read the Application's status.conditions; Argo CD hides repo-side errors for 180 s, so annotate it "
        "argocd.argoproj.io/refresh=hard to see the current one",
        {"detail": "see its status.conditions"},
        source="acd:controller/state.go:512-524,628",
    ),
    Known(
        "argocd-sync-error",
        r"(?P<open>\()?SyncError" + _ARGOCD_CONDITION,
        "Argo CD's sync of the Application failed: {detail}",
        "read status.operationState (message, syncResult.resources) for the resource that failed to apply, "
        "correct it in the source, then sync again",
        {"detail": "see its status.operationState"},
        source="acd:controller/appcontroller.go:2257-2318",
    ),
)
