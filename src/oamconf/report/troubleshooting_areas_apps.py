"""``docs/troubleshooting.md``'s areas of phases 3 to 5: the databases and Argo CD (the platform's own areas are in
``troubleshooting_areas``, which lists them all)."""

from __future__ import annotations

from typing import Final

from oamconf.report.troubleshooting_entry import Area, Entry

_ARGO = "Argo CD's cluster connection state, or an Application's ComparisonError"

APP_AREAS: Final[tuple[Area, ...]] = (
    Area(
        "Databases",
        "The databases phase 3 provisions through OAM (their Helm releases included), and the Services and "
        "port-forwards that reach them.",
        {
            "component-type-missing": Entry(
                "An Application names a component type no definition provides",
                "the OAM Application's Parsed condition",
                "failed to parseComponents: fetch component/policy type of <component>: load template from component "
                'definition [<type>] : WorkloadDefinition.core.oam.dev "<type>" not found',
            ),
            "trait-type-missing": Entry(
                "An Application names a trait type that is not installed",
                "the Application's Parsed condition",
                "failed to parseComponents: component(<component>) parse trait(<trait>): trait definition of <trait> "
                "not found",
            ),
            "component-template-does-not-compile": Entry(
                "A ComponentDefinition's CUE template does not compile",
                "the OAM Application's workflow step",
                "GenerateComponentManifest: evaluate base template ...: failed to compile workload <component> after "
                "merge parameter and context: <CUE error>",
            ),
            "component-properties-refused": Entry(
                "A component's properties do not fit its definition",
                "the Application's workflow step",
                "GenerateComponentManifest: evaluate base template ...: invalid cue template of workload <component> "
                "after merge parameter and context: output.<field>: <CUE error>",
            ),
            "component-definition-schema-refused": Entry(
                "A ComponentDefinition's template is refused when it is registered",
                "the ComponentDefinition's Synced condition",
                "cannot store capability <definition> in ConfigMap: failed to generate OpenAPI v3 JSON schema for "
                "capability <definition>: <CUE error>",
            ),
            "definition-revision-stuck": Entry(
                "A ComponentDefinition stays unsynced although its template is fine",
                "the ComponentDefinition's Synced condition",
                "cannot generate DefinitionRevision of <definition>: get the definitionRevision <definition>-v1: "
                'DefinitionRevision.core.oam.dev "<definition>-v1" not found',
            ),
            "provider-config-missing": Entry(
                "A managed resource names a ProviderConfig that does not exist",
                "the Helm Release's Synced condition",
                "connect failed: failed to resolve provider config: cannot get provider config: "
                'ProviderConfig.helm.crossplane.io "<name>" not found',
            ),
            "chart-version-not-in-repository": Entry(
                "A chart, or its version, is not in its repository",
                "the Helm Release's Synced condition",
                'create failed: failed to install release: failed to pull chart: chart "<chart>" version "<version>" '
                "not found in <repository> repository",
            ),
            "chart-repository-unreachable": Entry(
                "A chart repository cannot be reached",
                "the Helm Release's Synced condition",
                'failed to pull chart: looks like "<repository>" is not a valid chart repository or cannot be '
                "reached: <error>",
            ),
            "chart-values-schema": Entry(
                "A chart's values schema refuses the values",
                "the Helm Release's Synced condition",
                "failed to install release: values don't meet the specifications of the schema(s) in the following "
                "chart(s): <chart>: - at '<path>': <problem>",
            ),
            "helm-operation-in-progress": Entry(
                "A Helm release is locked by an interrupted operation",
                "the Helm Release's Synced condition",
                "failed to upgrade release: another operation (install/upgrade/rollback) is in progress",
            ),
            "postgres-password-rejected": Entry(
                "PostgreSQL rejects the password",
                "step 3.2's failure",
                'FATAL:  password authentication failed for user "<user>"',
            ),
            "redis-password-rejected": Entry(
                "Redis rejects the password",
                "step 3.3's failure",
                "WRONGPASS invalid username-password pair or user is disabled.",
            ),
            "redis-password-missing": Entry(
                "Redis wants a password the client did not send",
                "step 3.3's failure",
                "NOAUTH Authentication required.",
            ),
            "service-no-endpoints": Entry(
                "A Service has no ready endpoints",
                "an API or port-forward error, or the Service's diagnostics",
                'no endpoints available for service "<service>"',
            ),
            "port-closed": Entry(
                "Nothing listens where a probe connects",
                "step 3.2's, 3.3's or 4.1's failure",
                "connection refused: nothing listens on 127.0.0.1:<port>; is the port-forward running and the "
                "<behind> Ready?",
            ),
            "port-forward-pod-not-running": Entry(
                "A port-forward finds its pod not running",
                "step 3.2's or 3.3's failure",
                "port-forward <target> :<port> -n <namespace> exited with status 1: error: unable to forward port "
                "because pod is not running. Current status=<phase>",
            ),
            "port-forward-hung-up": Entry(
                "The pod behind a port-forward hangs up",
                "a probe's failure in step 3.2, 3.3, 4.1, 4.2 or 5",
                "Redis at 127.0.0.1:<port>: the connection was closed before Redis answered: the port-forward "
                "is up but cannot reach the pod (restarting?), or the port is not Redis's",
            ),
        },
    ),
    Area(
        "Argo CD and cluster access",
        "Argo CD deploying into a vCluster: its repo-server, its registered clusters, and their credentials.",
        {
            "cluster-secret-ca-not-pem": Entry(
                "The cluster Secret's caData is not a PEM certificate",
                "step 4.1's failure",
                "data.config tlsClientConfig.caData holds no PEM certificate (base64 twice?)",
            ),
            "cluster-secret-malformed": Entry(
                "Argo CD cannot read the cluster Secret",
                "step 4.1's failure",
                "data.config is not JSON (<error>): Argo CD cannot unmarshal it",
            ),
            "argocd-server-certificate-untrusted": Entry(
                "The suite does not trust argocd-server's certificate",
                "the suite's Argo CD API probe (4.2)",
                "Argo CD API at <host> via <endpoint>: POST /api/v1/session: tls: failed to verify certificate: x509: "
                "certificate signed by unknown authority",
            ),
            "argocd-repo-server-down": Entry(
                "Argo CD's repo-server does not answer",
                "the Application's ComparisonError",
                "failed to generate manifest for source 1 of 1: rpc error: code = Unavailable … dial tcp <ip>:8081: "
                "connect: connection refused",
            ),
            "argocd-cluster-not-monitored": Entry(
                "Argo CD does not monitor the cluster yet",
                "the cluster's connection state in Argo CD",
                "Cluster has no applications and is not being monitored.",
            ),
            "argocd-in-cluster-disabled": Entry(
                "The Application targets Argo CD's own cluster, which is turned off",
                "the Application's InvalidSpecError",
                'error getting cluster by server "<server>": rpc error: code = NotFound desc = cluster "<server>" is '
                "disabled",
            ),
            "argocd-destination-unknown": Entry(
                "The Application's destination server is not registered",
                "the Application's InvalidSpecError",
                'error getting cluster by server "<server>": rpc error: code = NotFound desc = cluster "<server>" not '
                "found",
            ),
            "argocd-destination-name-unknown": Entry(
                "The Application's destination name is not registered",
                "the Application's InvalidSpecError",
                "there are no clusters with this name: <cluster>",
            ),
            "argocd-login-rejected": Entry(
                "argocd-server refuses the suite's login",
                "step 4.2's failure",
                "POST /api/v1/session: 401 Unauthorized (Invalid username or password)",
            ),
            "credentials-rejected": Entry(
                "The API server rejects the credentials",
                f"{_ARGO}, or the suite's own client",
                'Get "<server>/version": 401 Unauthorized (Unauthorized): the API server rejected the bearer token',
            ),
            "rbac-forbidden": Entry(
                "RBAC denies a ServiceAccount",
                f"{_ARGO}, or an API error",
                '<resource> is forbidden: User "system:serviceaccount:<sa_namespace>:<sa>" cannot <verb> resource '
                '"<resource>" in API group "<group>" at the cluster scope',
            ),
            "rbac-forbidden-anonymous": Entry(
                "The API server takes a request as anonymous",
                f"{_ARGO}, or the suite's own client",
                'forbidden: User "system:anonymous" cannot <verb> path "<path>"',
            ),
            "rbac-forbidden-user": Entry(
                "RBAC denies a user (the suite's kubeconfig user, or a ServiceAccount a path)",
                f"{_ARGO}, or an API error",
                '<resource> is forbidden: User "<user>" cannot <verb> resource "<resource>" in API group "<group>" '
                "at the cluster scope",
            ),
            "argocd-comparison-error": Entry(
                "Argo CD cannot compare the Application (any other ComparisonError)",
                "the Application's conditions",
                "ComparisonError: <detail>",
            ),
            "argocd-sync-error": Entry(
                "Argo CD's sync failed",
                "the Application's conditions",
                "SyncError: <detail>",
            ),
        },
    ),
)
