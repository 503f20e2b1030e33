"""The known failure modes of phases 1-3 (Crossplane, webhooks, CRDs, vCluster, storage, images, Helm,
databases, Services; KubeVela's are in ``hint_rules_kubevela``), in the order ``hint_catalogue`` tries them:
see its docstring for the conventions."""

from __future__ import annotations

from oamconf.steps.hint_known import Known

# A pull that failed, not the Normal "Pulling image" event (where that text comes from: _PULL_SOURCE).
_PULL_SOURCE = (
    'kubernetes pkg/kubelet/images/image_manager.go ("Failed to pull image %q: %v", "Back-off pulling image %q"), '
    'containerd\'s "failed to pull and unpack image %q"'
)
_PULL_FAILED = r'(?:failed to pull(?: and unpack)?|back-off pulling) image \\?"(?P<image>[^"\\\s]+)\\?"'

PLATFORM: tuple[Known, ...] = (
    Known(
        "function-fatal-result",
        r'pipeline step \\?"(?P<step>[^"\\]+)\\?" returned a fatal result: (?P<result>[^\x27\n]+)',
        "the Composition function of pipeline step {step} returned a fatal result: {result}",
        "correct what it names, in the step's input in the Composition or in the XR fields it reads",
        source="xp:internal/controller/apiextensions/composite/composition_functions.go:93",
    ),
    Known(
        "function-unreachable",
        r'cannot run Composition pipeline step \\?"(?P<step>[^"\\]+)\\?"'
        r'(?::\s*cannot (?:get gRPC client connection for|run) Function \\?"(?P<function>[^"\\]+))?',
        "Crossplane cannot call {function} for pipeline step {step}: not installed, not Healthy, or no pod answers",
        "`kubectl get functions.pkg.crossplane.io` must show {function} INSTALLED and HEALTHY True (as the "
        "functionRef names it); then read its pod's log in crossplane-system",
        {"function": "the step's Function"},
        source="xp:internal/controller/apiextensions/composite/composition_functions.go:74,408; "
        "xp:internal/xfn/function_runner.go:47-50",
    ),
    Known(
        "composition-missing",
        r"cannot fetch Composition: cannot get Composition: Composition\.apiextensions\.crossplane\.io "
        r"\\?\"(?P<composition>[^\"\\]+)\\?\" not found",
        "the composite names Composition {composition}, which does not exist",
        "apply the platform's Composition (fixtures/platform/vcluster/composition.yaml for a VirtualCluster), or "
        "correct the composite's spec.crossplane.compositionRef.name (or the XRD's defaultCompositionRef); "
        "`kubectl get compositions` lists the installed ones",
        source="crossplane internal/controller/apiextensions/composite/reconciler.go:72,702 (cannot fetch "
        "Composition), api.go:50 (cannot get Composition); seen on the local tier (test_real_crossplane)",
    ),
    Known(
        "package-not-in-registry",
        r"cannot unpack package: cannot resolve (?P<image>[^\s']+) to digest: [^\n]{0,800}?"
        r"(?:MANIFEST_UNKNOWN|NAME_UNKNOWN|404 Not Found)",
        "Crossplane cannot install the package {image}: its registry has no such tag or repository",
        "correct spec.package of the Provider or Function to a tag its registry lists; behind an ImageConfig "
        "rewriteImage the image named is the rewritten one",
        source="xp:internal/controller/pkg/manager/reconciler.go:70,320 (Installed=False UnpackingPackage, the same "
        "message on Healthy); crossplane-runtime pkg/xpkg/client.go:270; seen on the local tier (test_real_crossplane)",
    ),
    Known(
        "webhook-certificate",
        r'failed calling webhook \\?"(?P<webhook>[^"\\]+)\\?"[^\n]{0,400}?x509: (?P<error>[^\x27\n]+)',
        "the API server does not trust the serving certificate of webhook {webhook} (x509: {error})",
        "its caBundle and certificate differ: wait for the chart's certificate job (or cert-manager), or "
        "reinstall the chart that owns {webhook}",
        source="kube-apiserver: k8s.io/apiserver pkg/util/webhook/error.go ErrCallingWebhook (failed calling webhook "
        '"<name>": failed to call webhook: Post …), carrying Go\'s x509 error',
    ),
    Known(
        "webhook-not-ready",
        r'failed calling webhook \\?"?(?P<webhook>[\w.-]+)',
        "an admission webhook was called before its pod was ready",
        "wait until the pod behind {webhook} is Ready (its Deployment Available), then apply again",
        {"webhook": "the webhook"},
        source="kube-apiserver: k8s.io/apiserver pkg/util/webhook/error.go ErrCallingWebhook (failed calling webhook "
        '"<name>": failed to call webhook: Post …)',
    ),
    Known(
        "crd-not-served",
        (
            r'no matches for kind \\?"?(?P<kind>\w+)\\?"? in (?:version|group) \\?"?(?P<version>[\w./-]+)',
            r'no matches for kind \\?"?(?P<kind>\w+)\\?"? in versions \[(?P<version>[^\]\n]+)\]',
            r"does not serve (?P<version>[\w./-]+) (?P<kind>\w+) \(is its CRD",
        ),
        "{kind} ({version}) was used before its CRD was served",
        "wait for the CRD to be Established (kubectl wait --for=condition=Established crd/<name>) "
        "and for its provider or chart to be Healthy",
        source="apimachinery pkg/api/meta/errors.go NoKindMatchError (no matches for kind %q in version %q; in group "
        "%q when no version was searched, in versions %q with several); oamconf/k8s/kube.py KubeCluster._resource",
    ),
    Known(
        "vcluster-pro-feature",
        r"you are trying to use a vCluster pro feature '{1,2}(?P<feature>[^']+?)'{1,2}",
        "the vCluster stops at start: its values turn on the Pro feature '{feature}', not in the open-source build",
        "remove the setting behind '{feature}' from the vCluster values (platform facts §7.3 lists them), or run "
        "the vcluster-pro image with a license",
        source='vc:pkg/pro/error.go:9-15 (older: "... that is not allowed by your current license")',
    ),
    Known(
        "vcluster-pro-settings",
        r"(?:(?P<vcluster>[\w.-]+) \([\w-]+\): )?(?P<settings>[\w.]+(?:, [\w.]+)*) needs (?:a )?vCluster Pro",
        "{settings} in the values of {vcluster} needs vCluster Pro: the open-source image ignores it (custom "
        "resources silently) or stops at start",
        "remove {settings} from the values of {vcluster} (for host Services use "
        "networking.replicateServices.fromHost), or run the vcluster-pro image with a license",
        {"vcluster": "the vCluster"},
        source="step 2.2's finding, from vc:config/config.go IsProFeatureEnabled",
    ),
    Known(
        "vcluster-service-mapping",
        (
            r"invalid service mapping, please use (?P<form>namespace1/service1=(?:namespace2/)?service2)",
            r"parse physical service mapping",
        ),
        "the vCluster syncer stops at start: a networking.replicateServices mapping is malformed (it wants {form})",
        "write each fromHost entry as from: <host-namespace>/<service>, to: <virtual-namespace>/<service> "
        "(toHost: from <virtual-namespace>/<service>, to <service>)",
        {"form": "namespace/service on both sides"},
        source="vc:pkg/controllers/register.go:112,166,192-235; vc:cmd/vcluster/cmd/start.go:201",
    ),
    Known(
        "storage-class-missing",
        r'storageclass\.storage\.k8s\.io \\?"(?P<storage_class>[^"\\]+)\\?" not found',
        "a PersistentVolumeClaim names StorageClass {storage_class}, which does not exist",
        "name one that `kubectl get storageclass` lists in the chart's persistence values (kind's default is "
        "standard), or create {storage_class}",
        source='apimachinery NotFound ("%s %q not found"), as the PV controller reports it',
    ),
    Known(
        "pvc-unbound",
        (
            r"pod has unbound immediate PersistentVolumeClaims",
            r"no persistent volumes available for this claim and no storage class is set",
        ),
        "a PersistentVolumeClaim stays Pending, so its pod is not scheduled: no default StorageClass provisions it",
        "`kubectl get storageclass` must show a (default) one (kind ships standard), or name one in the values "
        "(vCluster: controlPlane.statefulSet.persistence.volumeClaim.storageClass)",
        source="kubernetes pkg/scheduler/framework/plugins/volumebinding/volume_binding.go PreFilter "
        "(FailedScheduling); pkg/controller/volume/persistentvolume/pv_controller.go syncUnboundClaim "
        "(FailedBinding on the PVC)",
    ),
    Known(
        "bitnami-image-check",
        r"Original containers have been substituted",
        "the Bitnami chart's image check refuses a substituted image",
        "keep image.registry: docker.io with bitnamilegacy/<name> (only warned about), or set "
        "global.security.allowInsecureImages: true for any other image",
        source="bitnami/common 2.31.4 _errors.tpl common.errors.insecureImages (facts §5)",
    ),
    Known(
        "bitnami-image-gone",
        r"(?:ImagePullBackOff|ErrImagePull|failed to pull(?: and unpack)? image|back-off pulling image)"
        r"[^\n]{0,300}?(?<![\w./-])(?P<image>(?:(?:registry-1\.|index\.)?docker\.io/)?bitnami/(?P<repository>[\w.-]+)"
        r"(?::[\w.-]+)?)",
        "the image {image} is gone: Bitnami moved its versioned tags to docker.io/bitnamilegacy in 2025",
        "set image.repository: bitnamilegacy/{repository} with image.registry: docker.io exactly, or use a chart "
        "with official images (platform facts §5)",
        source="bitnami/charts#35164: versioned tags moved to docker.io/bitnamilegacy (facts §5)",
    ),
    Known(
        "image-not-found",
        _PULL_FAILED + r"[^\n]{0,600}?(?:: not found|manifest unknown)",
        "the image {image} does not exist in its registry (no such tag or repository)",
        "correct the repository or tag of {image} in the values (`docker manifest inspect {image}` checks it)",
        source=f'{_PULL_SOURCE}; containerd\'s resolver says "<ref>: not found", other registries "manifest unknown"',
    ),
    Known(
        "image-pull-denied",
        _PULL_FAILED + r"[^\n]{0,600}?(?:pull access denied|insufficient_scope|unauthorized|403 Forbidden)",
        "the registry refuses {image}: the repository is private or does not exist (Docker Hub says both ways)",
        "check the repository name of {image}; if it is private, give the pods an imagePullSecret (the chart's "
        "imagePullSecrets or global.imagePullSecrets)",
        source=f'{_PULL_SOURCE}; the registry\'s refusal as containerd words it ("pull access denied", '
        "insufficient_scope, 401 Unauthorized, 403 Forbidden)",
    ),
    Known(
        "image-pull-rate-limit",
        _PULL_FAILED + r"[^\n]{0,600}?(?:toomanyrequests|pull rate limit)",
        "Docker Hub's limit on anonymous pulls stopped the pull of {image}",
        "pull it with credentials and `kind load docker-image {image}`, or give the kind node a registry mirror "
        "(containerdConfigPatches, platform facts §6)",
        source=f'{_PULL_SOURCE}; Docker Hub\'s 429 ("toomanyrequests: You have reached your pull rate limit")',
    ),
    Known(
        "image-pull",
        (r"(?:(?:ImagePullBackOff|ErrImagePull)[^\n]{0,300}?)?" + _PULL_FAILED, r"ImagePullBackOff|ErrImagePull"),
        "the image {image} cannot be pulled",
        "read the pull error in the pod's events: check the image name and tag in the values, the registry's "
        "reachability from the kind node, and Docker Hub's pull limit",
        {"image": "of a container"},
        source=_PULL_SOURCE,
    ),
    Known(
        "provider-config-missing",
        # a namespaced Release may name a ClusterProviderConfig (provider-helm helm.go:84-85, v1.3.0)
        r'cannot get provider config: (?:Cluster)?ProviderConfig\.(?P<group>[\w.]+) \\?"(?P<name>[^"\\]+)\\?" '
        r"not found",
        "the ProviderConfig {name} ({group}) that the resource names does not exist",
        "apply fixtures/platform/crossplane/provider-configs.yaml, or name an existing ProviderConfig in "
        "spec.providerConfigRef.name",
        source="provider-helm pkg/clients/helm/helm.go:36,58 (cannot get provider config); seen on the local tier "
        "(test_real_provider_helm)",
    ),
    Known(
        "chart-version-not-in-repository",
        # without a version (the Release's is optional) helm leaves out its "version %q" part
        r'failed to pull chart: chart \\?"(?P<chart>[^"\\]+)\\?"(?: version \\?"(?P<version>[^"\\]+)\\?")? not '
        r"found in (?P<repository>\S+) repository",
        "repository {repository} has no chart {chart} at version {version}: the chart's name or its version is "
        "wrong (helm says the same of a name the repository does not have at all)",
        "`helm repo add` the repository, then `helm search repo {chart} --versions` lists its versions there, if it "
        "is there at all; correct the chart's name or version (fixtures/versions.toml, or the Release's "
        "spec.forProvider.chart, the Composition's base, the Application's properties)",
        {"version": "any"},
        source="helm pkg/repo/chartrepo.go:262-268 (chart %q version %q not found in %s repository); provider-helm "
        "pkg/clients/helm/client.go (failed to pull chart); seen on the local tier (test_real_provider_helm)",
    ),
    Known(
        "chart-repository-unreachable",
        r"looks like \\?\"(?P<repository>[^\"\\]+)\\?\" is not a valid chart repository or cannot be reached: "
        r"(?P<error>[^'\n]+)",
        "provider-helm cannot read the chart repository {repository}: {error}",
        "check the repository URL (the Release's spec.forProvider.chart.repository, the Composition's base, the "
        "Application's properties) and that provider-helm's pod reaches it (DNS, proxy, NetworkPolicy, firewall); "
        "an air-gapped cluster needs the chart mirrored to a repository it reaches",
        source="helm pkg/repo/chartrepo.go:249 (looks like %q is not a valid chart repository or cannot be "
        "reached); provider-helm pkg/clients/helm/client.go (failed to pull chart); seen on the local tier "
        "(test_real_provider_helm)",
    ),
    Known(
        "chart-values-schema",
        r"values don't meet the specifications of the schema\(s\) in the following chart\(s\):(?:\s|\\n)*"
        r"(?P<chart>[\w.-]+):(?:(?:\s|\\n)*- at '[^']*': validation failed)*(?:\s|\\n)*"
        r"- at '(?P<path>[^']*)': (?P<problem>[^\n\\]+?)(?=\s*(?:\\n|\n|- at '|$))",  # one violation: up to the next
        "the values given to chart {chart} break its values schema, at {path}: {problem} (the Release's message "
        "lists every violation)",
        "correct the values where the platform sets them (a Composition's base or patches for the vCluster, an "
        "Application's properties for a database); `helm lint <chart> --values <file>` checks them against the "
        "chart's values.schema.json before a run",
        source="helm pkg/chartutil/values.go:168 (values don't meet the specifications of the schema(s) in the "
        "following chart(s)), its violations one a line; provider-helm pkg/clients/helm/client.go; seen on the "
        "local tier with the real vcluster chart (test_real_provider_helm)",
    ),
    Known(
        "helm-operation-in-progress",
        r"another operation \(install/upgrade/rollback\) is in progress",
        "the Helm release is locked in a pending state (pending-install, pending-upgrade or pending-rollback): an "
        "earlier install or upgrade was interrupted, and Helm refuses every new action on it",
        "provider-helm retries pending-install and pending-upgrade only with spec.rollbackLimit set, one poll "
        "interval (10 m; annotation crossplane.io/poll-interval) after it rolls back; pending-rollback never: "
        "`helm history <release> -n <namespace>`, then `helm rollback` to the last deployed revision (or "
        "`helm uninstall` a release that never deployed)",
        source="helm pkg/action/action.go errPending; provider-helm v1.4.0 pkg/controller/cluster/release/"
        "release.go (rollbackLimit; facts §9)",
    ),
    Known(
        "postgres-password-rejected",
        r'password authentication failed for user \\?"(?P<user>[^"\\]+)\\?"',
        "PostgreSQL rejects the password of user {user}: it is not the one the database was initialised with",
        "compare the Secret the OAM Application names (existingSecret) with the password the chart was first "
        "installed with: Bitnami PostgreSQL keeps that one in its PVC; delete PVC data-<release>-postgresql-0 "
        "(test data only), or ALTER USER {user} PASSWORD '<the Secret's value>'",
        source='PostgreSQL auth.c auth_failed; psycopg: "... FATAL:  password authentication failed for user "<u>"" '
        "(facts §8.9)",
    ),
    Known(
        "redis-password-rejected",
        r"invalid username-password pair or user is disabled|\bWRONGPASS\b",
        "Redis rejects the password (WRONGPASS): it is not the one the Redis pod started with",
        "compare key redis-password of the Secret the OAM Application names (existingSecret) with what the client "
        "sends; Bitnami Redis reads it only at start, so restart the pod after the Secret changes",
        source="redis-py redis/_parsers/base.py:97 (WRONGPASS → AuthenticationError)",
    ),
    Known(
        "redis-password-missing",
        r"\bNOAUTH\b|(?<!proxy )Authentication required\.",
        "Redis requires a password and the client sent none (NOAUTH)",
        "pass the password of the Secret the OAM Application names (existingSecret, key redis-password) to the "
        "client; the Bitnami chart has auth.enabled: true by default",
        source="redis-py redis/_parsers/base.py:102 (NOAUTH → AuthenticationError)",
    ),
    Known(
        "service-no-endpoints",
        (
            r'no endpoints available for service \\?"(?P<service>[^"\\]+)\\?"',
            (
                r"(?:Endpoints|EndpointSlices?|Service) (?:[\w-]+/)?(?P<service>[\w.-]+):? (?:has )?no (?:ready )?"
                r"(?:endpoints|addresses)"
            ),
        ),
        "Service {service} has no ready endpoints: no Ready pod matches its selector",
        "compare the Service's selector with its pods' labels and read why they are not Ready "
        "(`kubectl get endpointslices -A -l kubernetes.io/service-name={service}`)",
        source='apiserver\'s service proxy ("no endpoints available for service %q"); a diagnostic line saying '
        "a Service's Endpoints or EndpointSlices have no ready addresses",
    ),
    Known(
        "port-closed",
        r"connection refused: nothing listens on (?P<endpoint>\S+?);? is the port-forward running and "
        r"(?P<behind>[^?\n]+?) Ready\?",
        "nothing listens on {endpoint}, where the suite reached {behind}: the port-forward ended, or no Ready pod "
        "serves that port",
        "read the pods behind {behind} in the diagnostics (not Running or not Ready: their events and log tail); "
        "a port-forward ends when its pod restarts, so the next run opens a new one",
        {"behind": "the pod"},
        source="oamconf/probes/tls.py connection_failure (ConnectionRefusedError)",
    ),
    Known(
        "port-forward-pod-not-running",
        r"(?:port-forward (?P<target>svc/[\w.-]+)[^\n]{0,200}?)?"
        r"unable to forward port because pod is not running\. Current status=(?P<phase>\w+)",
        "kubectl port-forward to {target} found its pod {phase}, not Running",
        "read the pod's events and container states in the diagnostics (image, PVC, crash); the port-forward "
        "works once the pod is Running and Ready",
        {"target": "the Service"},
        source="kubectl pkg/cmd/portforward/portforward.go; oamconf/k8s/portforward.py",
    ),
    Known(
        "port-forward-hung-up",
        r"the connection was closed before (?P<server>[^:\n]+?) answered",
        "the port-forward to {server} is up, but the pod behind it hung up on the connection: not Ready, "
        "restarting, or the Service's port leads to another process",
        "read the pod's state, restarts and last log lines in the diagnostics, and check that the Service's "
        "targetPort is {server}'s port; the probe passes once the pod is Ready and answers",
        source="oamconf/probes/hangup.py closed_before (the probes' one text for an empty read, EPIPE, ECONNRESET, "
        "ECONNABORTED or an SSL EOF)",
    ),
)
