"""The API kinds the platform is made of, declared once: group/version, kind and scope.

Steps build their references from these (``kinds.RELEASE.ref("db")``), the install code waits on
them, and the in-memory cluster learns from them which kinds exist and which are cluster-scoped,
so a typo (``Deploymnet``) is an error rather than a new kind. Versions are the ones the pinned
upstream releases serve (platform-facts §0-§4); a kind the platform defines itself (the
VirtualCluster composite) comes from the profile, since a team may name it otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from oamconf.k8s.api import Ref

Scope = Literal["Cluster", "Namespaced"]


@dataclass(frozen=True)
class Kind:
    """One API kind: ``Kind("apps/v1", "Deployment", "Namespaced")``."""

    api_version: str
    kind: str
    scope: Scope = "Namespaced"

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def namespaced(self) -> bool:
        return self.scope == "Namespaced"

    def ref(self, name: str, namespace: str | None = None) -> Ref:
        """A reference to one object of this kind; a namespaced kind needs its namespace."""
        if self.namespaced and not namespace:
            raise ValueError(f"{self.kind} {name}: a namespaced kind needs a namespace")
        return Ref(self.api_version, self.kind, name, namespace if self.namespaced else None)

    def is_kind_of(self, ref: Ref) -> bool:
        """Same group and kind, any version (an object read through another served version)."""
        return (ref.group, ref.kind) == (self.group, self.kind)


# -- Kubernetes ---------------------------------------------------------------------------------
NAMESPACE: Final = Kind("v1", "Namespace", "Cluster")
NODE: Final = Kind("v1", "Node", "Cluster")
PERSISTENT_VOLUME: Final = Kind("v1", "PersistentVolume", "Cluster")
POD: Final = Kind("v1", "Pod")
SERVICE: Final = Kind("v1", "Service")
SECRET: Final = Kind("v1", "Secret")
CONFIG_MAP: Final = Kind("v1", "ConfigMap")
EVENT: Final = Kind("v1", "Event")
SERVICE_ACCOUNT: Final = Kind("v1", "ServiceAccount")
PVC: Final = Kind("v1", "PersistentVolumeClaim")
ENDPOINTS: Final = Kind("v1", "Endpoints")
DEPLOYMENT: Final = Kind("apps/v1", "Deployment")
STATEFUL_SET: Final = Kind("apps/v1", "StatefulSet")
REPLICA_SET: Final = Kind("apps/v1", "ReplicaSet")
DAEMON_SET: Final = Kind("apps/v1", "DaemonSet")
JOB: Final = Kind("batch/v1", "Job")
ENDPOINT_SLICE: Final = Kind("discovery.k8s.io/v1", "EndpointSlice")
CRD: Final = Kind("apiextensions.k8s.io/v1", "CustomResourceDefinition", "Cluster")
STORAGE_CLASS: Final = Kind("storage.k8s.io/v1", "StorageClass", "Cluster")
CLUSTER_ROLE: Final = Kind("rbac.authorization.k8s.io/v1", "ClusterRole", "Cluster")
CLUSTER_ROLE_BINDING: Final = Kind("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "Cluster")
ROLE: Final = Kind("rbac.authorization.k8s.io/v1", "Role")
ROLE_BINDING: Final = Kind("rbac.authorization.k8s.io/v1", "RoleBinding")

# -- Crossplane (facts §1) ----------------------------------------------------------------------
PROVIDER: Final = Kind("pkg.crossplane.io/v1", "Provider", "Cluster")
PROVIDER_REVISION: Final = Kind("pkg.crossplane.io/v1", "ProviderRevision", "Cluster")
FUNCTION: Final = Kind("pkg.crossplane.io/v1", "Function", "Cluster")
FUNCTION_REVISION: Final = Kind("pkg.crossplane.io/v1", "FunctionRevision", "Cluster")
RUNTIME_CONFIG: Final = Kind("pkg.crossplane.io/v1beta1", "DeploymentRuntimeConfig", "Cluster")
XRD: Final = Kind("apiextensions.crossplane.io/v2", "CompositeResourceDefinition", "Cluster")
COMPOSITION: Final = Kind("apiextensions.crossplane.io/v1", "Composition", "Cluster")
COMPOSITION_REVISION: Final = Kind("apiextensions.crossplane.io/v1", "CompositionRevision", "Cluster")
RELEASE: Final = Kind("helm.crossplane.io/v1beta1", "Release", "Cluster")
HELM_PROVIDER_CONFIG: Final = Kind("helm.crossplane.io/v1beta1", "ProviderConfig", "Cluster")
K8S_OBJECT: Final = Kind("kubernetes.crossplane.io/v1alpha2", "Object", "Cluster")
K8S_PROVIDER_CONFIG: Final = Kind("kubernetes.crossplane.io/v1alpha1", "ProviderConfig", "Cluster")

# -- KubeVela (facts §2) ------------------------------------------------------------------------
OAM_APPLICATION: Final = Kind("core.oam.dev/v1beta1", "Application")
COMPONENT_DEFINITION: Final = Kind("core.oam.dev/v1beta1", "ComponentDefinition")
DEFINITION_REVISION: Final = Kind("core.oam.dev/v1beta1", "DefinitionRevision")
RESOURCE_TRACKER: Final = Kind("core.oam.dev/v1beta1", "ResourceTracker", "Cluster")

# -- Argo CD (facts §4) -------------------------------------------------------------------------
ARGO_APPLICATION: Final = Kind("argoproj.io/v1alpha1", "Application")
APP_PROJECT: Final = Kind("argoproj.io/v1alpha1", "AppProject")

ALL: Final = (
    NAMESPACE, NODE, PERSISTENT_VOLUME, POD, SERVICE, SECRET, CONFIG_MAP, EVENT, SERVICE_ACCOUNT, PVC,
    ENDPOINTS, DEPLOYMENT, STATEFUL_SET, REPLICA_SET, DAEMON_SET, JOB, ENDPOINT_SLICE, CRD, STORAGE_CLASS,
    CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE, ROLE_BINDING,
    PROVIDER, PROVIDER_REVISION, FUNCTION, FUNCTION_REVISION, RUNTIME_CONFIG, XRD, COMPOSITION,
    COMPOSITION_REVISION, RELEASE, HELM_PROVIDER_CONFIG, K8S_OBJECT, K8S_PROVIDER_CONFIG,
    OAM_APPLICATION, COMPONENT_DEFINITION, DEFINITION_REVISION, RESOURCE_TRACKER,
    ARGO_APPLICATION, APP_PROJECT,
)  # fmt: skip


def scope_of(api_version: str, kind: str) -> Scope | None:
    """The scope of a known kind (any version of its group), or ``None`` for a kind not declared here."""
    group = api_version.rpartition("/")[0]
    return next((k.scope for k in ALL if (k.group, k.kind) == (group, kind)), None)
