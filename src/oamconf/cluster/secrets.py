"""Secrets the platform's objects point at, read and masked before any step reports.

A controller that fails on a credential often repeats it: in a ProviderConfig's condition, a
Release's ``status.lastError``, an event, sometimes in base64. The steps never read those
Secrets, so the redactor would not know the values and every report would print them. So at
the start of the run the Secrets that platform objects reference are read where RBAC allows and
their values registered; one that cannot be read (403, 404) comes back as a note for the report,
since its values are then masked only where their shape gives them away.

What counts as a reference, anywhere in a listed object but its ``metadata``:

* a mapping with a ``name`` under a key ending in ``secretRef``, ``secretKeyRef`` or
  ``SecretToRef`` (a ProviderConfig's ``credentials.secretRef``, ``writeConnectionSecretToRef``,
  ``valueFrom.secretKeyRef``, provider-helm's ``valuesFrom``);
* an ``existingSecret`` string (Bitnami chart values; the OAM Applications' credential Secrets);
* in workloads of any kind (Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs,
  CronJobs): ``env[].valueFrom.secretKeyRef`` and ``envFrom[].secretRef`` (the rule above), secret
  volumes (``secret.secretName``), projected volume sources (``secret.name``) and ``imagePullSecrets``;
* an embedded ``v1`` Secret manifest (a provider-kubernetes Object): its data is registered as it
  stands, and the live Secret is read too;
* for each VirtualCluster of the profile's kind, the vCluster's kubeconfig Secret ``vc-<name>``.

Argo CD's cluster and repository Secrets are found by their label instead. A reference without a
namespace is to the nearest ``namespace`` field around it (a Release's ``forProvider.namespace``),
else to the referring object's namespace, else to Crossplane's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from oamconf.errors import AccessDenied, ApiError, ClusterUnreachable
from oamconf.k8s.api import Cluster, KubeObject, Ref
from oamconf.platform.profile import Profile
from oamconf.redact import SecretSink, remember_secret

# The platform kinds that reference Secrets, and whether they are namespaced: a namespaced kind is
# also listed in the apps namespace alone, when RBAC allows no more. The ``.m.`` groups are
# Crossplane v2's namespaced managed resources, which the same providers serve beside the legacy ones.
_REFERRERS: Final = (
    ("helm.crossplane.io/v1beta1", "ProviderConfig", False),
    ("helm.crossplane.io/v1beta1", "Release", False),
    ("helm.m.crossplane.io/v1beta1", "ClusterProviderConfig", False),
    ("helm.m.crossplane.io/v1beta1", "ProviderConfig", True),
    ("helm.m.crossplane.io/v1beta1", "Release", True),
    ("kubernetes.crossplane.io/v1alpha1", "ProviderConfig", False),
    ("kubernetes.crossplane.io/v1alpha2", "Object", False),
    ("kubernetes.m.crossplane.io/v1alpha1", "ClusterProviderConfig", False),
    ("kubernetes.m.crossplane.io/v1alpha1", "ProviderConfig", True),
    ("kubernetes.m.crossplane.io/v1alpha1", "Object", True),
    ("core.oam.dev/v1beta1", "Application", True),
    # Workloads: what their pods are given (env, envFrom, volumes) is what their logs and events repeat.
    ("v1", "Pod", True),
    ("apps/v1", "Deployment", True),
    ("apps/v1", "StatefulSet", True),
    ("apps/v1", "DaemonSet", True),
    ("apps/v1", "ReplicaSet", True),
    ("batch/v1", "Job", True),
    ("batch/v1", "CronJob", True),
)
_REFERENCE_KEY_ENDS: Final = ("secretref", "secretkeyref", "secrettoref")
_BITNAMI_REFERENCE: Final = "existingSecret"
# A pod's secret volume (``secret.secretName``) and a projected volume's source (``secret.name``).
_VOLUME_KEY: Final = "secret"
_VOLUME_NAMES: Final = ("secretName", "name")
_PULL_SECRETS: Final = "imagePullSecrets"
_ARGOCD_TYPE_LABEL: Final = "argocd.argoproj.io/secret-type"
_ARGOCD_TYPES: Final = ("cluster", "repository", "repo-creds")
_NOT_SERVED: Final = 404  # listing a kind whose CRD is not installed: nothing of it references anything


@dataclass(frozen=True)
class Reference:
    """A Secret an object points at, and where: ``ProviderConfig aws spec.credentials.secretRef``."""

    namespace: str
    name: str
    where: str
    embedded: Mapping[str, Any] | None = None  # the Secret manifest itself, when the object carries one


def register_referenced_secrets(cluster: Cluster, redactor: SecretSink, profile: Profile) -> list[str]:
    """Read the Secrets that platform objects reference and tell *redactor* their values.

    Parameters:
        cluster: the cluster under test (either backend).
        redactor: the run's redactor.
        profile: where the platform keeps things (Crossplane's and Argo CD's namespaces, the
            namespace of the test Applications, the VirtualCluster kind).

    Returns:
        One note per Secret, or kind of referring object, that could not be read, such as
        ``Secret crossplane-system/aws-creds (from ProviderConfig aws spec.credentials.secretRef):
        403 Forbidden``; empty when all were read. Nothing is raised: an API error becomes a note.
    """
    notes: list[str] = []
    try:
        references = _references(cluster, profile, notes)
        for secret in _argocd_secrets(cluster, profile, notes):
            remember_secret(redactor, secret.raw)
        read: set[tuple[str, str]] = set()
        for ref in references:
            if ref.embedded is not None:
                remember_secret(redactor, ref.embedded)
            if (ref.namespace, ref.name) not in read:
                read.add((ref.namespace, ref.name))
                notes += _read(cluster, redactor, ref)
    except ClusterUnreachable as err:
        notes.append(f"referenced Secrets not read: {err}")
    return notes


def _references(cluster: Cluster, profile: Profile, notes: list[str]) -> list[Reference]:
    found: list[Reference] = []
    for api_version, kind, namespaced in _REFERRERS:
        namespaces = (None, profile.namespaces.apps) if namespaced else (None,)
        for obj in _listed(cluster, api_version, kind, notes, namespaces=namespaces):
            found += references_in(obj, fallback_namespace=profile.namespaces.crossplane)
    vcluster = profile.virtual_cluster
    for obj in _listed(cluster, vcluster.api_version, vcluster.kind, notes):
        namespace = obj.field("spec.namespace") or vcluster.host_namespace
        found.append(Reference(str(namespace), f"vc-{obj.ref.name}", f"{obj.ref} (its vCluster's kubeconfig)"))
    return found


def _argocd_secrets(cluster: Cluster, profile: Profile, notes: list[str]) -> Iterator[KubeObject]:
    for secret_type in _ARGOCD_TYPES:
        labels = {_ARGOCD_TYPE_LABEL: secret_type}
        namespaces = (profile.namespaces.argocd,)
        yield from _listed(cluster, "v1", "Secret", notes, namespaces=namespaces, labels=labels, unread="they")


def references_in(obj: KubeObject, *, fallback_namespace: str) -> list[Reference]:
    """The Secrets *obj* references (the rules are in the module docstring)."""
    namespace = obj.ref.namespace or fallback_namespace
    found: list[Reference] = []
    for key, value in obj.raw.items():
        if key != "metadata":
            found += _walk(value, str(key), namespace, str(obj.ref))
    return found


def _walk(node: Any, path: str, namespace: str, referrer: str) -> list[Reference]:
    if isinstance(node, list):
        return [ref for i, item in enumerate(node) for ref in _walk(item, f"{path}[{i}]", namespace, referrer)]
    if not isinstance(node, Mapping):
        return []
    if node.get("apiVersion") == "v1" and node.get("kind") == "Secret":
        meta = node.get("metadata") or {}
        name = meta.get("name")
        if not isinstance(name, str) or not name:
            return []
        return [Reference(str(meta.get("namespace") or namespace), name, f"{referrer} {path}", embedded=node)]
    here = node.get("namespace")
    here = here if isinstance(here, str) and here else namespace
    found: list[Reference] = []
    for key, value in node.items():
        where = f"{path}.{key}"
        if str(key).lower().endswith(_REFERENCE_KEY_ENDS) and isinstance(value, Mapping) and _named(value):
            found.append(Reference(str(value.get("namespace") or here), value["name"], f"{referrer} {where}"))
        elif key == _BITNAMI_REFERENCE and isinstance(value, str) and value:
            found.append(Reference(here, value, f"{referrer} {where}"))
        elif key == _VOLUME_KEY and isinstance(value, Mapping) and (name := _volume_secret(value)):
            found.append(Reference(here, name, f"{referrer} {where}"))
        elif key == _PULL_SECRETS and isinstance(value, list):
            found += [
                Reference(here, v["name"], f"{referrer} {where}") for v in value if isinstance(v, Mapping) and _named(v)
            ]
        else:
            found += _walk(value, where, here, referrer)
    return found


def _volume_secret(volume: Mapping[str, Any]) -> str | None:
    names = [volume.get(key) for key in _VOLUME_NAMES]
    return next((n for n in names if isinstance(n, str) and n), None)


def _named(ref: Mapping[str, Any]) -> bool:
    return isinstance(ref.get("name"), str) and bool(ref["name"])


def _listed(
    cluster: Cluster,
    api_version: str,
    kind: str,
    notes: list[str],
    *,
    namespaces: tuple[str | None, ...] = (None,),
    labels: Mapping[str, str] | None = None,
    unread: str = "the Secrets they reference",
) -> list[KubeObject]:
    """Objects of a kind from the first of *namespaces* (``None``: all) where RBAC lets us list
    them; a kind the API server does not serve has none. A failure is noted: *unread* were not read."""
    failure: ApiError
    for index, namespace in enumerate(namespaces):
        try:
            return cluster.list(api_version, kind, namespace=namespace, labels=labels)
        except AccessDenied as err:
            if index + 1 < len(namespaces):
                continue  # a narrower namespace may still be allowed
            failure = err
        except ClusterUnreachable:
            raise
        except ApiError as err:
            if err.status == _NOT_SERVED:
                return []
            failure = err
        selector = "".join(f", {k}={v}" for k, v in (labels or {}).items())
        where = f" in {namespace}" if namespace else ""
        notes.append(f"cannot list {kind} ({api_version}{selector}){where}: {_why(failure)}, so {unread} were not read")
        return []
    return []


def _read(cluster: Cluster, redactor: SecretSink, ref: Reference) -> list[str]:
    """Read one referenced Secret into *redactor*; a note when it cannot be read."""
    secret = f"Secret {ref.namespace}/{ref.name} (from {ref.where})"
    try:
        found = cluster.get(Ref("v1", "Secret", ref.name, ref.namespace))
    except ClusterUnreachable:
        raise
    except ApiError as err:
        return [f"{secret}: {_why(err)}"]
    if found is None:
        return [f"{secret}: 404 not found"]
    remember_secret(redactor, found.raw)
    return []


def _why(err: ApiError) -> str:
    return f"{err.status} {err.reason}" if err.status else err.reason
