"""What the hint catalogue cannot say about its rules, for ``docs/troubleshooting.md``: per area, where a
platform engineer meets each rule's text and a short example of it (``<name>`` stands for a value)."""

from __future__ import annotations

from typing import Final

from oamconf.report.troubleshooting_areas_apps import APP_AREAS
from oamconf.report.troubleshooting_entry import Area, Entry

_XR = "the composite's (XR) Synced condition"
_APPLY = "the API server's answer to an apply"
_ARGO = "Argo CD's cluster connection state, or an Application's ComparisonError"
_EVENTS = "the pod's events"

_PLATFORM_AREAS: Final[tuple[Area, ...]] = (
    Area(
        "Crossplane and compositions",
        "Packages, composition functions, and the CRDs and admission webhooks the platform's charts install.",
        {
            "composition-missing": Entry(
                "A composite names a Composition that does not exist",
                _XR,
                'cannot fetch Composition: cannot get Composition: Composition.apiextensions.crossplane.io "<name>" '
                "not found",
            ),
            "function-fatal-result": Entry(
                "A composition function returned a fatal result",
                _XR,
                'cannot compose resources: pipeline step "<step>" returned a fatal result: <result>',
            ),
            "function-unreachable": Entry(
                "Crossplane cannot call a composition function",
                _XR,
                'cannot run Composition pipeline step "<step>": cannot get gRPC client connection for Function '
                '"<function>": <error>',
            ),
            "package-not-in-registry": Entry(
                "Crossplane cannot find a package in its registry",
                "a Provider's or Function's Installed and Healthy conditions",
                "cannot unpack package: cannot resolve <image> to digest: failed to fetch package descriptor with a "
                "GET request after a previous HEAD request failure: HEAD <url>: unexpected status code 404 Not Found "
                "(HEAD responses have no body, use GET for details): GET <url>: MANIFEST_UNKNOWN: Unknown manifest",
            ),
            "webhook-certificate": Entry(
                "An admission webhook's certificate is not trusted",
                _APPLY,
                'failed calling webhook "<webhook>": failed to call webhook: Post "https://<service>.<namespace>.svc:443/'
                '<path>": tls: failed to verify certificate: x509: certificate signed by unknown authority',
            ),
            "webhook-not-ready": Entry(
                "An admission webhook is not ready",
                _APPLY,
                'failed calling webhook "<webhook>": failed to call webhook: Post "https://<service>.<namespace>.svc:443/'
                '<path>": no endpoints available for service "<service>"',
            ),
            "crd-not-served": Entry(
                "A kind is used before its CRD is served",
                _APPLY,
                'no matches for kind "<kind>" in version "<group>/<version>"',
            ),
        },
    ),
    Area(
        "vCluster",
        "The vCluster's serving certificate and CA as its clients see them, and values the open-source build refuses.",
        {
            "certificate-name-svc": Entry(
                "The vCluster's certificate does not cover its .svc name",
                _ARGO,
                "tls: failed to verify certificate: x509: certificate is valid for <sans>, not "
                "<vcluster>.<namespace>.svc",
            ),
            "certificate-name": Entry(
                "A certificate does not cover the host name dialled",
                "a TLS error of Argo CD or of the suite's TLS probe",
                "x509: certificate is valid for <sans>, not <host>",
            ),
            "certificate-no-ip-sans": Entry(
                "A certificate without IP SANs, dialled by IP address",
                "a TLS error of Argo CD or of the suite's TLS probe",
                "x509: cannot validate certificate for <ip> because it doesn't contain any IP SANs",
            ),
            "certificate-legacy-common-name": Entry(
                "A certificate naming its host only in the Common Name",
                "a TLS error of Argo CD or of the suite's TLS probe",
                "x509: certificate relies on legacy Common Name field, use SANs instead",
            ),
            "certificate-unknown-authority": Entry(
                "The client does not trust the vCluster's CA",
                _ARGO,
                'Get "<server>/version": tls: failed to verify certificate: x509: certificate signed by unknown '
                "authority",
            ),
            "vcluster-pro-feature": Entry(
                "The vCluster stops at start on a Pro feature",
                "the vCluster pod's log",
                "you are trying to use a vCluster pro feature '<feature>' that is not available in the open source "
                "vcluster",
            ),
            "vcluster-pro-settings": Entry(
                "The vCluster's values use settings only vCluster Pro has",
                "step 2.2's warning",
                "<vcluster> (<namespace>): <settings> needs vCluster Pro",
            ),
            "vcluster-service-mapping": Entry(
                "A replicated Service mapping is malformed",
                "the vCluster syncer's log",
                "parse physical service mapping: invalid service mapping, please use "
                "namespace1/service1=namespace2/service2",
            ),
        },
    ),
    Area(
        "Images and storage",
        "What keeps a pod from starting: its volumes, and the images it pulls (the Bitnami move included).",
        {
            "storage-class-missing": Entry(
                "A PVC names a StorageClass that does not exist",
                "the PersistentVolumeClaim's events",
                'ProvisioningFailed: storageclass.storage.k8s.io "<storage_class>" not found',
            ),
            "pvc-unbound": Entry(
                "A PVC stays Pending",
                "the pod's PodScheduled condition, or the claim's events",
                "0/<n> nodes are available: pod has unbound immediate PersistentVolumeClaims",
            ),
            "bitnami-image-check": Entry(
                "A Bitnami chart refuses a substituted image",
                "the Helm Release's error",
                "execution error at (<chart>/templates/<file>): ERROR: Original containers have been substituted for "
                "unrecognized ones.",
            ),
            "bitnami-image-gone": Entry(
                "A Bitnami image is gone from Docker Hub",
                "the pod's container state",
                'ImagePullBackOff: Back-off pulling image "docker.io/bitnami/<repository>:<tag>"',
            ),
            "image-not-found": Entry(
                "An image does not exist",
                _EVENTS,
                'Failed to pull image "<image>": failed to resolve reference "<image>": <image>: not found',
            ),
            "image-pull-denied": Entry(
                "The registry refuses an image",
                _EVENTS,
                'Failed to pull image "<image>": failed to resolve reference "<image>": pull access denied, repository '
                "does not exist or may require authorization",
            ),
            "image-pull-rate-limit": Entry(
                "Docker Hub's pull limit stops a pull",
                _EVENTS,
                'Failed to pull image "<image>": 429 Too Many Requests - Server message: toomanyrequests: You have '
                "reached your pull rate limit.",
            ),
            "image-pull": Entry(
                "An image cannot be pulled",
                "the pod's container state",
                'container <container>: waiting ErrImagePull: failed to pull and unpack image "<image>": <error>',
            ),
        },
    ),
)

AREAS: Final[tuple[Area, ...]] = (*_PLATFORM_AREAS, *APP_AREAS)
