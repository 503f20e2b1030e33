"""Phase 3's databases: credentials, an OAM Application with one database component, and what it deployed.

The steps create the Secret an Application's ``existingSecret`` names, with fresh random passwords the
redactor knows before anything can print them; apply the Application from ``fixtures/platform/apps``;
and follow it to the provider-helm Release it rendered (``status.appliedResources``), so no step depends
on how a ComponentDefinition names its Release.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from oamconf.cluster.ownership import Owned
from oamconf.errors import CheckFailed
from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster, KubeObject
from oamconf.k8s.expect import Expect
from oamconf.k8s.related import references
from oamconf.k8s.simulated import pod_note
from oamconf.k8s.verdicts.helm import release_ready
from oamconf.k8s.verdicts.kubevela import application_applied, application_running
from oamconf.k8s.verdicts.workloads import statefulset_ready
from oamconf.platform.profile import Profile
from oamconf.steps.evidence import Evidence

EXTERNAL_NAME: Final = "crossplane.io/external-name"
INSTANCE_LABEL: Final = "app.kubernetes.io/instance"


@dataclass(frozen=True)
class Database:
    """A database an OAM Application deployed: the Application, its Release, the chart's full name."""

    application: KubeObject
    release: KubeObject
    workload: KubeObject

    @property
    def namespace(self) -> str:
        return self.application.ref.namespace or "default"

    @property
    def fullname(self) -> str:
        """What the chart names its Service, StatefulSet and pods after (``fullnameOverride``)."""
        values = self.release.field("spec.forProvider.values") or {}
        return str(
            values.get("fullnameOverride") or self.release.annotations.get(EXTERNAL_NAME) or self.release.ref.name
        )

    @property
    def properties(self) -> Mapping[str, Any]:
        """The database component's properties as the Application gives them."""
        components = self.application.field("spec.components") or [{}]
        return components[0].get("properties") or {}


def create_credentials(owned: Owned, evidence: Evidence, *, name: str, namespace: str, keys: tuple[str, ...]) -> None:
    """The Secret an Application's ``existingSecret`` names, a fresh random password under each key."""
    values = {key: secrets.token_urlsafe(18) for key in keys}
    for value in values.values():
        evidence.secret(value)  # masked before anything could print it
    owned.apply_fixture("platform/apps/credentials.yaml", name=name, namespace=namespace, fields={"stringData": values})


def deploy(owned: Owned, expect: Expect, profile: Profile, *, fixture: str, name: str, secret: str) -> Database:
    """Apply the Application *fixture* as *name* in the apps namespace; wait for it, its Release and workload."""
    namespace = profile.namespaces.apps
    app = owned.apply_fixture(
        fixture, name=name, namespace=namespace, fields={"spec.components.0.properties.existingSecret": secret}
    )
    # The Release first: KubeVela keeps an unhealthy component's Application in runningWorkflow for ever,
    # while the Release says at once that Helm failed (and its pods why).
    applied = expect(app.ref, application_applied, timeout=profile.timeouts.oam_application_running)
    releases = [ref for ref in references(applied.field("status.appliedResources")) if kinds.RELEASE.is_kind_of(ref)]
    if not releases:
        raise CheckFailed(f"{app.ref} applied no provider-helm Release: check its ComponentDefinition")
    release = expect(releases[0], release_ready, timeout=profile.timeouts.release_ready)
    running = expect(app.ref, application_running, timeout=profile.timeouts.oam_application_running)
    database = Database(running, release, release)
    workload = expect(
        kinds.STATEFUL_SET.ref(_workload_name(database), namespace),
        statefulset_ready,
        timeout=profile.timeouts.release_ready,
    )
    return Database(running, release, workload)


def _workload_name(database: Database) -> str:
    # Bitnami's Redis names its standalone StatefulSet <fullname>-master; PostgreSQL uses <fullname>.
    chart = (database.release.field("spec.forProvider.chart") or {}).get("name")
    return f"{database.fullname}-master" if chart == "redis" else database.fullname


def pod_line(cluster: Cluster, database: Database) -> str:
    """``test-postgres-only-test-db-0 Running, ready (docker.io/bitnamilegacy/postgresql:17.6.0-debian-12-r4)``."""
    pods = cluster.list("v1", "Pod", namespace=database.namespace, labels={INSTANCE_LABEL: database.fullname})
    if not pods:
        raise CheckFailed(f"no pod labelled {INSTANCE_LABEL}={database.fullname} in {database.namespace}")
    pod = pods[0]
    statuses = pod.field("status.containerStatuses") or []
    ready = all(s.get("ready") for s in statuses) and bool(statuses)
    if pod.field("status.phase") != "Running" or not ready:
        raise CheckFailed(f"{pod.ref}: {pod.field('status.phase')}, not ready")
    images = ", ".join(str(c.get("image")) for c in pod.field("spec.containers") or [])
    return f"Pod {pod.ref.namespace}/{pod.ref.name} Running, ready ({images}){pod_note(cluster, pod)}"


def secret_value(cluster: Cluster, evidence: Evidence, *, namespace: str, name: str, key: str) -> str:
    """One value of a Secret, decoded, and masked in every report from now on."""
    secret = cluster.get(kinds.SECRET.ref(name, namespace))
    if secret is None:
        raise CheckFailed(f"Secret {namespace}/{name} not found: the Application's existingSecret names it")
    raw = (secret.field("data") or {}).get(key)
    if not raw:
        raise CheckFailed(f"Secret {namespace}/{name} lacks the key {key}, which the chart reads the password from")
    value = base64.b64decode(raw).decode("utf-8")
    evidence.secret(value)
    return value


def service_host(name: str, namespace: str) -> str:
    return f"{name}.{namespace}.svc.cluster.local"
