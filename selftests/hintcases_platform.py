"""The hint catalogue's upstream messages for Crossplane, its functions and packages, provider-helm, KubeVela,
webhooks, CRDs and vCluster (phases 1-2), each with the cause and fix it must get: a table of
``test_hint_catalogue``."""

from __future__ import annotations

from hintcases import Case

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
]
