"""vClusters seen from the host: which exist and in what state, their rendered configuration, and the
API server inside each, opened once per run.

What a platform review asks of a vCluster is read the way ``vcluster list`` reads it (platform-facts
§7.4, §8 item 6): the chart's workload (StatefulSet or Deployment ``<name>``, labels ``app: vcluster``,
``release: <name>``), paused when annotated ``loft.sh/paused: "true"``, scaled down at zero replicas;
its effective values in Secret ``vc-config-<name>`` (key ``config.yaml``); its image (``syncer``
container: ``vcluster-oss`` or the default ``vcluster-pro``).
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from oamconf.errors import UsageError
from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster, KubeObject
from oamconf.yamlio import YAMLError, load_kubernetes

VCLUSTER_LABELS: Final = {"app": "vcluster"}
PAUSED: Final = "loft.sh/paused"
SLEEP_MODE_LABEL: Final = "loft.sh/sleep-mode"
SYNCER: Final = "syncer"
OSS_IMAGE: Final = "vcluster-oss"

# Settings only vCluster Pro implements, each tested as vcluster v0.36.1 config/config.go IsProFeatureEnabled
# (:1052-1129) tests it: a switch is on when true (``enabled: false`` is the chart's own default for several, so
# it is not a use), a list or map when non-empty, and a pointer section (``sleep``...) as soon as it is given at
# all (``sleep: {}`` is Pro too). The OSS image ignores some silently (custom resources) and refuses others at
# start (platform-facts §7.3).
SWITCH, NON_EMPTY, GIVEN = "switch", "non-empty", "given"
PRO_ONLY: Final = (
    (("networking", "resolveDNS"), NON_EMPTY),
    (("controlPlane", "coredns", "embedded"), SWITCH),
    (("controlPlane", "backingStore", "database", "external", "enabled"), SWITCH),
    (("controlPlane", "backingStore", "etcd", "embedded", "enabled"), SWITCH),
    (("policies", "centralAdmission", "validatingWebhooks"), NON_EMPTY),
    (("policies", "centralAdmission", "mutatingWebhooks"), NON_EMPTY),
    (("controlPlane", "hostPathMapper", "central"), SWITCH),
    (("experimental", "denyProxyRequests"), NON_EMPTY),
    (("sync", "toHost", "customResources"), NON_EMPTY),
    (("sync", "fromHost", "customResources"), NON_EMPTY),
    (("sync", "toHost", "namespaces", "enabled"), SWITCH),
    (("sync", "toHost", "pods", "hybridScheduling", "enabled"), SWITCH),
    (("sync", "toHost", "resourceClaimTemplates", "enabled"), SWITCH),
    (("sync", "toHost", "resourceClaims", "enabled"), SWITCH),
    (("sync", "fromHost", "deviceClasses", "enabled"), SWITCH),
    (("sleep",), GIVEN),
    (("snapshots",), GIVEN),
    (("deletion",), GIVEN),
    (("platform",), GIVEN),
)
PRIVATE_NODES: Final = ("privateNodes", "enabled")  # Pro unless the control plane is standalone
STANDALONE: Final = ("controlPlane", "standalone", "enabled")


class Target(NamedTuple):
    """The vCluster a run creates: its name and host namespace."""

    name: str
    namespace: str


@dataclass(frozen=True)
class VCluster:
    """One vCluster on the host: ``vc1`` in ``vc1-ns``, its workload and its state in words."""

    name: str
    namespace: str
    workload: KubeObject

    @property
    def state(self) -> str:
        """``Running``, ``Paused``, ``Scaled to zero`` or ``Starting (ready 0/1)``, as ``vcluster list`` says."""
        if self.workload.annotations.get(PAUSED) == "true" or self.workload.labels.get(SLEEP_MODE_LABEL) == "true":
            return "Paused"
        wanted = int(self.workload.field("spec.replicas", 1))
        ready = int(self.workload.field("status.readyReplicas") or 0)
        if wanted == 0:
            return "Scaled to zero"
        return "Running" if ready >= wanted else f"Starting (ready {ready}/{wanted})"

    @property
    def image(self) -> str:
        containers = self.workload.field("spec.template.spec.containers") or []
        found = [c.get("image", "") for c in containers if isinstance(c, Mapping) and c.get("name") == SYNCER]
        return str(found[0]) if found else "unknown"

    def __str__(self) -> str:
        return f"{self.name} ({self.namespace})"


def existing_vclusters(cluster: Cluster) -> list[VCluster]:
    """Every vCluster on the host, by its chart's workload, sorted by namespace and name."""
    found: dict[tuple[str, str], VCluster] = {}
    for kind in (kinds.STATEFUL_SET, kinds.DEPLOYMENT):
        for workload in cluster.list(kind.api_version, kind.kind, labels=VCLUSTER_LABELS):
            name = workload.labels.get("release") or workload.ref.name
            namespace = workload.ref.namespace or ""
            found.setdefault((namespace, name), VCluster(name, namespace, workload))
    return [found[key] for key in sorted(found)]


def rendered_config(cluster: Cluster, namespace: str, name: str) -> dict[str, Any] | None:
    """The vCluster's effective values (Secret ``vc-config-<name>``, key ``config.yaml``), or ``None``.

    Raises:
        UsageError: the Secret holds something that is not YAML values.
    """
    secret = cluster.get(kinds.SECRET.ref(f"vc-config-{name}", namespace))
    if secret is None:
        return None
    raw = (secret.field("data") or {}).get("config.yaml")
    if not raw:
        return None
    try:
        values = load_kubernetes(base64.b64decode(raw).decode("utf-8"))
    except (ValueError, YAMLError) as err:
        raise UsageError(f"Secret {namespace}/vc-config-{name}: config.yaml is not YAML values ({err})") from err
    return values if isinstance(values, dict) else None


def setting(values: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = values
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def pro_only_settings(values: Mapping[str, Any]) -> list[str]:
    """The Pro-only settings *values* uses, as dotted paths, in the order vCluster tests them."""
    used = [".".join(path) for path, rule in PRO_ONLY if _uses(setting(values, path), rule)]
    if setting(values, PRIVATE_NODES) is True and setting(values, STANDALONE) is not True:
        used.append(".".join(PRIVATE_NODES))
    return used


def _uses(value: Any, rule: str) -> bool:
    if rule == SWITCH:
        return value is True
    if rule == NON_EMPTY:
        return bool(value)
    return value is not None


def latest_revision(cluster: Cluster, composition: str) -> KubeObject | None:
    """The newest CompositionRevision of *composition* (Crossplane labels them with the composition's name)."""
    revisions = cluster.list(
        kinds.COMPOSITION_REVISION.api_version,
        kinds.COMPOSITION_REVISION.kind,
        labels={"crossplane.io/composition-name": composition},
    )
    return max(revisions, key=lambda r: int(r.field("spec.revision", 0)), default=None)


def revision_of(xr: KubeObject) -> str | None:
    """The CompositionRevision a Crossplane v2 composite was composed from (``spec.crossplane``, facts §8.2)."""
    name = xr.field("spec.crossplane.compositionRevisionRef.name")
    return str(name) if name else None


class VClusterApis:
    """The API server inside each vCluster a run talks to: opened on first use, closed at the end of the run."""

    def __init__(self, host: Cluster, stack: contextlib.ExitStack) -> None:
        self._host = host
        self._stack = stack
        self._open: dict[tuple[str, str], Cluster] = {}

    def open(self, namespace: str, name: str) -> Cluster:
        """The API inside vCluster *name*: reached through its Service, TLS verified against its CA.

        Raises:
            ApiError: its kubeconfig Secret or Service is missing, or its API refuses the credentials.
        """
        key = (namespace, name)
        if key not in self._open:
            self._open[key] = self._stack.enter_context(self._host.open_vcluster(namespace, name))
        return self._open[key]

    def close(self, namespace: str, name: str) -> None:
        """Forget an opened vCluster (one a step deleted); its port-forward ends with the run."""
        self._open.pop((namespace, name), None)


@contextlib.contextmanager
def vcluster_apis(host: Cluster) -> Iterator[VClusterApis]:
    with contextlib.ExitStack() as stack:
        yield VClusterApis(host, stack)
