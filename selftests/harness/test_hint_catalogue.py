"""Each known failure mode of phases 1-3 (Crossplane functions, webhooks, CRDs, vCluster, storage,
images, databases, Services) turns the upstream text it quotes into its cause and fix, with the values
the text carries."""

from __future__ import annotations

import pytest

from hintcases import ARGO_SIDE, Case, assert_hint
from oamconf.steps.hints import RULES

BITNAMI = "docker.io/bitnami/postgresql:17.6.0-debian-12-r4"


CASES = [
    Case(
        "function-fatal-result",
        "Synced=False reason=ReconcileError message='cannot compose resources: pipeline step "
        '"patch-and-transform" returned a fatal result: invalid Function input: resources[0].name: Required value\'',
        "the Composition function of pipeline step patch-and-transform returned a fatal result: invalid Function "
        "input: resources[0].name: Required value",
        ("step's input in the Composition",),
    ),
    Case(
        "function-unreachable",
        'cannot compose resources: cannot run Composition pipeline step "patch-and-transform": cannot get gRPC '
        'client connection for Function "function-patch-and-transform": cannot find an active FunctionRevision',
        "Crossplane cannot call function-patch-and-transform for pipeline step patch-and-transform: not "
        "installed, not Healthy, or no pod answers",
        ("function-patch-and-transform INSTALLED and HEALTHY True", "crossplane-system"),
    ),
    Case(
        "function-unreachable",
        'cannot run Composition pipeline step "render": cannot run Function "function-go-templating": rpc error: '
        "code = Unavailable desc = connection refused",
        "Crossplane cannot call function-go-templating for pipeline step render: not installed, not Healthy, or "
        "no pod answers",
        ("function-go-templating INSTALLED",),
    ),
    Case(
        "package-not-in-registry",  # Crossplane v2.3.4 on the local tier, its registry without the tag
        "Installed=False reason=UnpackingPackage message='cannot unpack package: cannot resolve "
        "xpkg.crossplane.io/crossplane-contrib/provider-helm:v9.9.9 to digest: failed to fetch package descriptor "
        "with a GET request after a previous HEAD request failure: HEAD https://xpkg.crossplane.io/v2/"
        "crossplane-contrib/provider-helm/manifests/v9.9.9: unexpected status code 404 Not Found (HEAD responses "
        "have no body, use GET for details): GET https://xpkg.crossplane.io/v2/crossplane-contrib/provider-helm/"
        "manifests/v9.9.9: MANIFEST_UNKNOWN: Unknown manifest'",
        "Crossplane cannot install the package xpkg.crossplane.io/crossplane-contrib/provider-helm:v9.9.9: its "
        "registry has no such tag or repository",
        ("spec.package",),
    ),
    Case(
        "provider-config-missing",  # provider-helm v1.3.0 on the local tier, a Release naming no ProviderConfig
        "Synced=False reason=ReconcileError message='connect failed: failed to resolve provider config: cannot get "
        'provider config: ProviderConfig.helm.crossplane.io "no-such-config" not found\'',
        "the ProviderConfig no-such-config (helm.crossplane.io) that the resource names does not exist",
        ("provider-configs.yaml",),
    ),
    Case(
        "composition-missing",  # Crossplane v2.3.4 on the local tier, a composite naming no Composition
        "want Synced=True, is Synced=False reason=ReconcileError message='cannot fetch Composition: cannot get "
        'Composition: Composition.apiextensions.crossplane.io "no-such-composition" not found\'',
        "the composite names Composition no-such-composition, which does not exist",
        ("compositionRef.name", "kubectl get compositions"),
    ),
    Case(
        "chart-version-not-in-repository",  # provider-helm v1.3.0 on the local tier, a version the repository lacks
        "Synced=False reason=ReconcileError message='create failed: failed to install release: failed to pull chart: "
        'chart "vcluster" version "0.0.404" not found in http://127.0.0.1:40111 repository\'',
        "repository http://127.0.0.1:40111 has no chart vcluster at version 0.0.404: the chart's name or its "
        "version is wrong (helm says the same of a name the repository does not have at all)",
        ("helm search repo vcluster --versions",),
    ),
    Case(
        "chart-repository-unreachable",  # provider-helm v1.3.0 on the local tier, a repository on a closed port
        "Synced=False reason=ReconcileError message='create failed: failed to install release: failed to pull chart: "
        'looks like "http://127.0.0.1:1" is not a valid chart repository or cannot be reached: Get '
        '"http://127.0.0.1:1/index.yaml": dial tcp 127.0.0.1:1: connect: connection refused\'',
        'provider-helm cannot read the chart repository http://127.0.0.1:1: Get "http://127.0.0.1:1/index.yaml": '
        "dial tcp 127.0.0.1:1: connect: connection refused",
        ("the Release's spec.forProvider.chart.repository", "mirrored"),
    ),
    Case(
        "chart-values-schema",  # provider-helm v1.3.0 and the real vcluster chart on the local tier, as 2.1 quotes it
        "Synced=False reason=ReconcileError message=\"create failed: failed to install release: values don't meet "
        "the specifications of the schema(s) in the following chart(s):\\nvcluster:\\n- at '/controlPlane': "
        "validation failed\\n  - at '/controlPlane/proxy/extraSANs': got string, want array\\n  - at "
        "'/controlPlane': additional properties 'nope' not allowed\\n\"",
        "the values given to chart vcluster break its values schema, at /controlPlane/proxy/extraSANs: got string, "
        "want array (the Release's message lists every violation)",
        ("helm lint <chart> --values <file>",),
    ),
    Case(
        "component-type-missing",  # vela-core v1.10.9 on the local tier, an Application naming no definition's type
        "want running, is rendering, Parsed=False reason=ReconcileError message='failed to parseComponents: fetch "
        "component/policy type of c: load template from component definition [no-such-type] : "
        'WorkloadDefinition.core.oam.dev "no-such-type" not found\'',
        "no ComponentDefinition no-such-type exists where the Application can see it (its namespace or vela-system)",
        ("componentdefinition-no-such-type.yaml",),
    ),
    Case(
        "component-template-does-not-compile",  # vela-core v1.10.9 on the local tier, a definition with a CUE error
        "want running, is workflowFailed (step c failed FailedAfterRetries: function call error for : "
        "GenerateComponentManifest: evaluate base template app=a in namespace=n: failed to compile workload c after "
        "merge parameter and context: expected operand, found '}' (and 1 more errors) (value: cue/format: unsupported "
        "node type <nil>))",
        "the ComponentDefinition's CUE template does not compile for component c: expected operand, found '}'",
        ("vela def vet",),
    ),
    Case(
        "component-properties-refused",  # vela-core v1.10.9 on the local tier, `database: 5` where a string goes
        "want running, is runningWorkflow (step test-db failed Execute: function call error for : "
        "GenerateComponentManifest: evaluate base template app=test-postgres-only in namespace=conformance: invalid "
        "cue template of workload test-db after merge parameter and context: "
        "output.spec.forProvider.values.auth.database: 2 errors in empty disjunction: (and 5 more errors) (value: "
        "cue/format: unsupported node type <nil>))",
        "component test-db's properties, merged into its ComponentDefinition's template, give no valid value for "
        "output.spec.forProvider.values.auth.database (2 errors in empty disjunction): most often a property of the "
        "wrong type or outside the values the definition allows",
        ("vela show <type>",),
    ),
    Case(
        "component-definition-schema-refused",  # vela-core v1.10.9 on the local tier, a template with a syntax error
        'ComponentDefinition vela-system/redis: want Synced=True, is Synced=False reason=ReconcileError message="'
        "cannot store capability redis in ConfigMap: failed to generate OpenAPI v3 JSON schema for capability redis: "
        "expected 'EOF', found '}'\"",
        "vela-core cannot read the parameters of ComponentDefinition redis from its CUE template: expected 'EOF', "
        "found '}'",
        ("vela def vet",),
    ),
    Case(
        "trait-type-missing",  # vela-core v1.10.9 on the local tier (test_real_kubevela), as phase 3's verdict says it
        "want running, is rendering, Parsed=False reason=ReconcileError message='failed to parseComponents: "
        "component(test-db) parse trait(no-such-trait): trait definition of no-such-trait not found'",
        "no TraitDefinition no-such-trait exists where the Application can see it (its namespace or vela-system): "
        "component test-db names it",
        ("vela def list --type trait",),
    ),
    Case(
        "definition-revision-stuck",  # vela-core v1.10.9 in a fresh-clone CI run (test_real_kubevela), as 1.2 words it
        "ComponentDefinition vela-system/redis: want Synced=True, is Synced=False reason=ReconcileError message='"
        "cannot generate DefinitionRevision of redis: get the definitionRevision redis-v1: "
        'DefinitionRevision.core.oam.dev "redis-v1" not found\' (waited 90s)',
        "vela-core stopped reconciling ComponentDefinition redis: its cached view did not show DefinitionRevision "
        "redis-v1, which it had just created, and vela-core v1.10.9 only records that in the definition's "
        "condition, without requeueing it; the definition itself is not at fault",
        ("kubectl annotate componentdefinition redis -n vela-system",),
    ),
    Case(
        "webhook-certificate",
        'Internal error occurred: failed calling webhook "validating.core.oam.dev.v1beta1.applications": failed to '
        'call webhook: Post "https://vela-core-webhook.vela-system.svc:443/validating?timeout=10s": tls: failed to '
        "verify certificate: x509: certificate signed by unknown authority",
        "the API server does not trust the serving certificate of webhook validating.core.oam.dev.v1beta1."
        "applications (x509: certificate signed by unknown authority)",
        ("caBundle",),
    ),
    Case(
        "webhook-not-ready",
        'Internal error occurred: failed calling webhook "mutating.core.oam.dev.v1beta1.applications": failed to '
        'call webhook: Post "https://vela-core-webhook.vela-system.svc:443/mutating?timeout=10s": no endpoints '
        'available for service "vela-core-webhook"',
        "an admission webhook was called before its pod was ready",
        ("pod behind mutating.core.oam.dev.v1beta1.applications is Ready",),
    ),
    Case(
        "crd-not-served",
        'resource mapping not found for name: "test-db" namespace: "" from "release.yaml": no matches for kind '
        '"Release" in version "helm.crossplane.io/v1beta1"',
        "Release (helm.crossplane.io/v1beta1) was used before its CRD was served",
        ("--for=condition=Established",),
    ),
    Case(
        "crd-not-served",
        "the API server does not serve pkg.crossplane.io/v1 Function (is its CRD installed?)",
        "Function (pkg.crossplane.io/v1) was used before its CRD was served",
        ("Established",),
    ),
    Case(
        "vcluster-pro-feature",
        "fatal start controllers: you are trying to use a vCluster pro feature 'Embedded Etcd' "
        "(vcp-distro-embedded-etcd) that is not available in the open source vcluster or disabled in your license.",
        "the vCluster stops at start: its values turn on the Pro feature 'Embedded Etcd', not in the open-source build",
        ("remove the setting behind 'Embedded Etcd'", "vcluster-pro image"),
    ),
    Case(
        "vcluster-pro-feature",  # the status YAML doubles a quote inside a single-quoted message
        "message: 'you are trying to use a vCluster pro feature ''embedded etcd'' that is not allowed by your "
        "current license.'",
        "the vCluster stops at start: its values turn on the Pro feature 'embedded etcd', not in the open-source build",
        ("'embedded etcd'",),
    ),
    Case(
        "vcluster-pro-settings",
        "vc1 (vc1-ns): sync.toHost.customResources, sync.fromHost.customResources needs vCluster Pro, image is "
        "ghcr.io/loft-sh/vcluster-oss:0.36.1",
        "sync.toHost.customResources, sync.fromHost.customResources in the values of vc1 needs vCluster Pro: the "
        "open-source image ignores it (custom resources silently) or stops at start",
        ("remove sync.toHost.customResources, sync.fromHost.customResources from the values of vc1",),
    ),
    Case(
        "vcluster-pro-settings",
        "sync.toHost.customResources needs vCluster Pro",
        "sync.toHost.customResources in the values of the vCluster needs vCluster Pro: the open-source image "
        "ignores it (custom resources silently) or stops at start",
        ("networking.replicateServices.fromHost",),
    ),
    Case(
        "vcluster-service-mapping",
        "start controllers: start controllers: parse physical service mapping: invalid service mapping, please use "
        "namespace1/service1=namespace2/service2",
        "the vCluster syncer stops at start: a networking.replicateServices mapping is malformed (it wants "
        "namespace1/service1=namespace2/service2)",
        ("to: <virtual-namespace>/<service>",),
    ),
    Case(
        "storage-class-missing",
        'Warning ProvisioningFailed: storageclass.storage.k8s.io "fast-ssd" not found',
        "a PersistentVolumeClaim names StorageClass fast-ssd, which does not exist",
        ("create fast-ssd", "kubectl get storageclass"),
    ),
    Case(
        "pvc-unbound",
        "phase Pending\nPodScheduled=False reason=Unschedulable message='0/1 nodes are available: pod has unbound "
        "immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful.'",
        "a PersistentVolumeClaim stays Pending, so its pod is not scheduled: no default StorageClass provisions it",
        ("controlPlane.statefulSet.persistence.volumeClaim.storageClass",),
    ),
    Case(
        "pvc-unbound",
        "Normal FailedBinding (x12): no persistent volumes available for this claim and no storage class is set",
        "a PersistentVolumeClaim stays Pending, so its pod is not scheduled: no default StorageClass provisions it",
        ("kind ships standard",),
    ),
    Case(
        "bitnami-image-check",
        "execution error at (postgresql/templates/primary/statefulset.yaml:1:3): ⚠ ERROR: Original containers have "
        "been substituted for unrecognized ones.",
        "the Bitnami chart's image check refuses a substituted image",
        ("global.security.allowInsecureImages: true",),
    ),
    Case(
        "bitnami-image-gone",  # the Kubernetes >= 1.32 back-off message carries the pull error (facts §8.10)
        f'container postgresql: waiting ImagePullBackOff: Back-off pulling image "{BITNAMI}": ErrImagePull: failed '
        f'to pull and unpack image "{BITNAMI}": failed to resolve reference "{BITNAMI}": {BITNAMI}: not found',
        f"the image {BITNAMI} is gone: Bitnami moved its versioned tags to docker.io/bitnamilegacy in 2025",
        ("image.repository: bitnamilegacy/postgresql", "image.registry: docker.io"),
    ),
    Case(
        "image-not-found",
        'Warning Failed: Failed to pull image "ghcr.io/stefanprodan/podinfo:9.9.9": rpc error: code = NotFound '
        'desc = failed to pull and unpack image "ghcr.io/stefanprodan/podinfo:9.9.9": failed to resolve reference '
        '"ghcr.io/stefanprodan/podinfo:9.9.9": ghcr.io/stefanprodan/podinfo:9.9.9: not found',
        "the image ghcr.io/stefanprodan/podinfo:9.9.9 does not exist in its registry (no such tag or repository)",
        ("docker manifest inspect ghcr.io/stefanprodan/podinfo:9.9.9",),
    ),
    Case(
        "image-pull-denied",
        'Warning Failed: Failed to pull image "acme/private-db:1.0": failed to pull and unpack image '
        '"docker.io/acme/private-db:1.0": failed to resolve reference "docker.io/acme/private-db:1.0": pull access '
        "denied, repository does not exist or may require authorization: server message: insufficient_scope",
        "the registry refuses acme/private-db:1.0: the repository is private or does not exist (Docker Hub says "
        "both ways)",
        ("repository name of acme/private-db:1.0", "imagePullSecret"),
    ),
    Case(
        "image-pull-denied",  # a registry's 401 is about the image, not about the suite's credentials
        'Failed to pull image "ghcr.io/acme/app:1": failed to resolve reference "ghcr.io/acme/app:1": failed to '
        "authorize: failed to fetch anonymous token: unexpected status from GET request: 401 Unauthorized",
        "the registry refuses ghcr.io/acme/app:1: the repository is private or does not exist (Docker Hub says "
        "both ways)",
        ("imagePullSecret",),
    ),
    Case(
        "image-pull-rate-limit",
        'Failed to pull image "postgres:17": failed to pull and unpack image "docker.io/library/postgres:17": '
        "unexpected status code: 429 Too Many Requests - Server message: toomanyrequests: You have reached your "
        "pull rate limit.",
        "Docker Hub's limit on anonymous pulls stopped the pull of postgres:17",
        ("kind load docker-image postgres:17", "containerdConfigPatches"),
    ),
    Case(
        "image-pull",
        'container app: waiting ErrImagePull: failed to pull and unpack image "registry.local:5000/app:1": failed '
        'to do request: Head "https://registry.local:5000/v2/app/manifests/1": connect: connection refused',
        "the image registry.local:5000/app:1 cannot be pulled",
        ("registry's reachability",),
    ),
    Case(
        "image-pull",
        "container app: waiting ImagePullBackOff, ready=False, restarts=0",
        "the image of a container cannot be pulled",
        ("pod's events",),
    ),
    Case(
        "postgres-password-rejected",
        'connection failed: connection to server at "127.0.0.1", port 54321 failed: FATAL:  password '
        'authentication failed for user "orders"',
        "PostgreSQL rejects the password of user orders: it is not the one the database was initialised with",
        ("existingSecret", "data-<release>-postgresql-0", "ALTER USER orders"),
    ),
    Case(
        "postgres-password-rejected",  # the suite's probe keeps the server's sentence
        'PostgreSQL at postgresql://app:***@127.0.0.1:54321/app: password authentication failed for user "app": '
        "check the password in the ComponentDefinition parameters / Secret",
        "PostgreSQL rejects the password of user app: it is not the one the database was initialised with",
        ("ALTER USER app",),
    ),
    Case(
        "redis-password-rejected",
        "Redis at 127.0.0.1:6379: the server rejected the password (WRONGPASS: invalid username-password pair or "
        "user is disabled.)",
        "Redis rejects the password (WRONGPASS): it is not the one the Redis pod started with",
        ("redis-password", "existingSecret", "restart the pod"),
    ),
    Case(
        "redis-password-missing",
        "AuthenticationError: Authentication required.",
        "Redis requires a password and the client sent none (NOAUTH)",
        ("existingSecret, key redis-password",),
    ),
    Case(
        "service-no-endpoints",
        'Error from server (ServiceUnavailable): no endpoints available for service "podinfo"',
        "Service podinfo has no ready endpoints: no Ready pod matches its selector",
        ("kubernetes.io/service-name=podinfo",),
    ),
    Case(
        "service-no-endpoints",
        "Endpoints default/orders-db: no addresses",
        "Service orders-db has no ready endpoints: no Ready pod matches its selector",
        ("kubernetes.io/service-name=orders-db",),
    ),
    Case(
        "port-forward-pod-not-running",  # oamconf/k8s/portforward.py around kubectl's own error
        "PortForwardFailed: kubectl port-forward svc/orders-db-postgresql :5432 -n default exited with status 1: "
        "error: unable to forward port because pod is not running. Current status=Pending",
        "kubectl port-forward to svc/orders-db-postgresql found its pod Pending, not Running",
        ("Running and Ready",),
    ),
    *(
        Case(
            "port-forward-hung-up",  # oamconf/probes/hangup.py: each probe's one text for every form of hang-up
            f"{where}: the connection was closed before {server} answered: the port-forward is up but cannot "
            f"reach the pod (restarting?), or the port is not {server}'s",
            f"the port-forward to {server} is up, but the pod behind it hung up on the connection: not Ready, "
            "restarting, or the Service's port leads to another process",
            (f"targetPort is {server}'s port",),
        )
        for where, server in (
            ("Redis at 127.0.0.1:6379", "Redis"),
            ("PostgreSQL at postgresql://app:***@127.0.0.1:5432/app", "PostgreSQL"),
            ("TLS to vc1.vc1-ns via 127.0.0.1:8443", "the vCluster pod"),
            (
                'Argo CD cluster vc1 (Secret argocd/vcluster-vc1) via 127.0.0.1:8443: Get "https://vc1.vc1-ns.svc:443/version"',
                "the cluster",
            ),
            ("Argo CD API at argocd-server via 127.0.0.1:8080: GET /api/version", "argocd-server"),
        )
    ),
    Case(
        "port-closed",  # oamconf/probes/tls.py connection_failure, as every probe words it
        "PostgreSQL at postgresql://app:***@127.0.0.1:41234/app: connection refused: nothing listens on "
        "127.0.0.1:41234; is the port-forward running and the PostgreSQL pod Ready?",
        "nothing listens on 127.0.0.1:41234, where the suite reached the PostgreSQL pod: the port-forward ended, "
        "or no Ready pod serves that port",
        ("read the pods behind the PostgreSQL pod",),
    ),
    Case(
        "helm-operation-in-progress",  # helm pkg/action/action.go errPending, through provider-helm's condition
        "Synced=False reason=ReconcileError message='failed to upgrade release: another operation "
        "(install/upgrade/rollback) is in progress'",
        "the Helm release is locked in a pending state (pending-install, pending-upgrade or pending-rollback): an "
        "earlier install or upgrade was interrupted, and Helm refuses every new action on it",
        ("spec.rollbackLimit", "crossplane.io/poll-interval", "helm rollback"),
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c.rule}-{i}") for i, c in enumerate(CASES)])
def test_an_upstream_message_gets_its_cause_and_fix(case: Case) -> None:
    assert_hint(case)


def test_every_rule_outside_argo_cd_has_an_upstream_message_here() -> None:
    assert {c.rule for c in CASES} == {r.name for r in RULES if not r.name.startswith(ARGO_SIDE)}
