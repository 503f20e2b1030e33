"""Credentials copied into custom resources, and who can read them there (step 4.1's security finding).

A Secret is readable by whom RBAC on Secrets says; the same value copied into a custom resource's spec
or status is readable by whoever may read that kind. Crossplane makes that a wide audience: each
provider's view role (get/list/watch on its kinds) aggregates into ``crossplane-view``, ``crossplane-edit``
and ``crossplane-admin`` (crossplane v2.3.4 internal/controller/rbac/provider/roles/roles.go; facts §9).
So every custom resource the run can read is scanned, not only provider-kubernetes Objects, and each
finding names the object, the field and the ClusterRoles that can read it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from oamconf.cluster.vclusters import Target
from oamconf.errors import ApiError
from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster, KubeObject

# Keys whose value is a credential wherever they appear (kubeconfig, Argo CD config, exported Secret data).
SECRET_KEYS: Final = frozenset(
    {"token", "bearerToken", "client-key", "client-key-data", "keyData", "password", "kubeconfig"}
)
# Credentials inside a text value: an Argo CD cluster config, a kubeconfig.
_IN_TEXT: Final = ('"bearerToken":"', "client-key-data: ", "token: ")
# What may follow a marker without being a value: the end of the string, a printf verb or a template.
_NO_VALUE: Final = ('"', "\n", "%s", "%v", "%q", "{{", "${")
CROSSPLANE_READERS: Final = ("crossplane-view", "crossplane-edit", "crossplane-admin")
# A known value shorter than this would match by chance (a token or a key is far longer).
_SHORTEST_KNOWN: Final = 16
_READ_VERBS: Final = frozenset({"get", "list", "watch", "*"})
# Always scanned, listed in the API or not (an in-memory cluster has no CRD objects).
_ALWAYS: Final = (kinds.K8S_OBJECT, kinds.Kind("kubernetes.m.crossplane.io/v1alpha1", "Object"))


@dataclass(frozen=True)
class Exposure:
    """A credential in *obj* at *path*, readable through *readers*."""

    obj: KubeObject
    path: str
    readers: tuple[str, ...]
    via: str

    def __str__(self) -> str:
        who = ", ".join(self.readers) or "no ClusterRole the run could read"
        return f"{self.obj.ref} {self.path}: readable by {who} ({self.via})"


def credentials_in_custom_resources(
    cluster: Cluster, *, extra: Iterable[kinds.Kind] = (), known: Iterable[str] = ()
) -> list[Exposure]:
    """Every credential in the spec or status of a custom resource the run can read.

    Parameters:
        extra: kinds to scan besides the CRDs the API lists (the platform's XR kind).
        known: credential values (a vCluster's exported token): found anywhere, in any field, raw or base64.
    """
    values = {v for v in known if len(v) >= _SHORTEST_KNOWN}
    extra = tuple(extra)
    crossplane = {k.api_version.rpartition("/")[0] for k in extra}
    roles = _cluster_roles(cluster)
    exposed: list[Exposure] = []
    for api_version, kind, plural in _custom_kinds(cluster, extra):
        try:
            objects = cluster.list(api_version, kind)
        except ApiError:
            continue  # not served, or not ours to read: then not readable through it by us either
        group = api_version.rpartition("/")[0]
        readers, via = _readers(roles, group, plural, crossplane)
        for obj in objects:
            paths = [path for part in ("spec", "status") for path in _credential_paths(obj.field(part), part, values)]
            exposed.extend(Exposure(obj, path, readers, via) for path in paths)
    return exposed


def _custom_kinds(cluster: Cluster, extra: Iterable[kinds.Kind]) -> list[tuple[str, str, str]]:
    found = {(k.api_version, k.kind): f"{k.kind.lower()}s" for k in (*_ALWAYS, *extra)}
    try:
        crds = cluster.list(kinds.CRD.api_version, kinds.CRD.kind)
    except ApiError:
        crds = []
    for crd in crds:
        group, names = crd.field("spec.group", ""), crd.field("spec.names") or {}
        for version in crd.field("spec.versions") or []:
            if version.get("served") and version.get("storage"):
                found[(f"{group}/{version['name']}", str(names.get("kind")))] = str(names.get("plural"))
    return sorted((api_version, kind, plural) for (api_version, kind), plural in found.items())


def _cluster_roles(cluster: Cluster) -> list[KubeObject] | None:
    try:
        return cluster.list(kinds.CLUSTER_ROLE.api_version, kinds.CLUSTER_ROLE.kind)
    except ApiError:
        return None


def _readers(
    roles: list[KubeObject] | None, group: str, plural: str, composites: set[str]
) -> tuple[tuple[str, ...], str]:
    """The ClusterRoles whose rules let their subjects get, list or watch *plural* of *group*: read from the
    cluster, else what Crossplane's RBAC manager aggregates for a provider's or an XRD's kinds."""
    if roles:
        found = sorted(r.ref.name for r in roles if any(_reads(rule, group, plural) for rule in r.field("rules") or []))
        return tuple(found), "their rules allow get/list/watch on it"
    if group.endswith(".crossplane.io"):
        return CROSSPLANE_READERS, f"Crossplane aggregates the view role of the provider serving {plural}.{group}"
    if group in composites:
        return CROSSPLANE_READERS, f"Crossplane aggregates the view role of the XRD of {plural}.{group}"
    return (), "the run may not read ClusterRoles"


def _reads(rule: Mapping[str, Any], group: str, plural: str) -> bool:
    return (
        bool(_READ_VERBS & set(rule.get("verbs") or []))
        and bool({group, "*"} & set(rule.get("apiGroups") or []))
        and bool({plural, "*"} & set(rule.get("resources") or []))
    )


def _credential_paths(node: Any, path: str, known: set[str]) -> Iterator[str]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            here = f"{path}.{key}"
            if isinstance(value, str) and value.strip() and (key in SECRET_KEYS or _in_text(value)):
                yield here
            else:
                yield from _credential_paths(value, here, known)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _credential_paths(item, f"{path}[{index}]", known)
    elif isinstance(node, str) and known and _holds(node, known):
        yield path


def _in_text(text: str) -> bool:
    """A marker followed by a value: not by nothing, and not by a placeholder (a Composition's combine ``fmt``
    holds the Argo CD config with ``%s`` where the token goes: a template, not a credential)."""
    return any(marker in text and not text.split(marker, 1)[1].startswith(_NO_VALUE) for marker in _IN_TEXT)


def _holds(text: str, known: set[str]) -> bool:
    try:
        decoded = base64.b64decode(text, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        decoded = ""
    return any(value in text or value in decoded for value in known)


def vcluster_credentials(cluster: Cluster, target: Target) -> list[str]:
    """The credentials vCluster exports for *target*: the admin key and the ServiceAccount token of its
    kubeconfig Secrets (``vc-<name>``, ``vc-<name>-argocd``), decoded; none when the run may not read them."""
    found: list[str] = []
    for name in (f"vc-{target.name}", f"vc-{target.name}-argocd"):
        try:
            secret = cluster.get(kinds.SECRET.ref(name, target.namespace))
        except ApiError:
            continue
        data = (secret.field("data") or {}) if secret is not None else {}
        for key in ("token", "client-key"):
            try:
                found.append(base64.b64decode(data.get(key) or "").decode("utf-8"))
            except (binascii.Error, ValueError):
                continue
    return [value for value in found if value]
