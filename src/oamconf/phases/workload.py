"""Phase 5's workload and the host database it reaches, named from the profile and the fixtures.

The VirtualCluster composite replicates the database Service into the vCluster (``spec.hostServices``),
and the Job inside dials it by its virtual name. All three names follow from the profile (the apps
namespace, the e2e Application, its credentials Secret) and from the fixtures' shape (the component's
name, the Argo CD Application's destination namespace), so a platform with other names is tested with
them: no step or fixture carries ``conformance/podinfo-db``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from oamconf.cluster.ownership import fixture_manifest
from oamconf.platform.profile import Profile

DATABASE_FIXTURE: Final = "platform/e2e/podinfo-db.yaml"
ARGOCD_APP_FIXTURE: Final = "platform/e2e/argocd-podinfo-vc1.yaml"
WRITER_FIXTURE: Final = "platform/e2e/db-writer-job.yaml"


@dataclass(frozen=True)
class HostDatabase:
    """The e2e database's Service on the host and its replicated name inside the vCluster."""

    host_namespace: str
    virtual_namespace: str
    service: str

    @property
    def mapping(self) -> dict[str, str]:
        """One ``spec.hostServices`` entry of the VirtualCluster composite."""
        return {"from": f"{self.host_namespace}/{self.service}", "to": f"{self.virtual_namespace}/{self.service}"}

    @property
    def virtual_host(self) -> str:
        return f"{self.service}.{self.virtual_namespace}.svc.cluster.local"


def host_database(profile: Profile) -> HostDatabase:
    """The KubeVela definitions name a component's Release, Service and pods ``<application>-<component>``."""
    component = fixture_manifest(DATABASE_FIXTURE)["spec"]["components"][0]["name"]
    destination = fixture_manifest(ARGOCD_APP_FIXTURE)["spec"]["destination"]["namespace"]
    service = f"{profile.applications.e2e_database}-{component}"
    return HostDatabase(profile.namespaces.apps, str(destination), service)


def composite_fields(profile: Profile, namespace: str) -> dict[str, Any]:
    """The VirtualCluster composite's fields for this platform: its kind and its host namespace and Services."""
    return {
        "apiVersion": profile.virtual_cluster.api_version,
        "kind": profile.virtual_cluster.kind,
        "spec.namespace": namespace,
        "spec.hostServices": [host_database(profile).mapping],
    }


def writer_job(profile: Profile, marker: str) -> dict[str, Any]:
    """The Job that writes *marker* through the replicated Service, with the profile's credentials Secret."""
    database = host_database(profile)
    job = fixture_manifest(WRITER_FIXTURE, namespace=database.virtual_namespace)
    container = job["spec"]["template"]["spec"]["containers"][0]
    container["args"][-1] = container["args"][-1].replace("MARKER", marker)
    env = {item["name"]: item for item in container["env"]}
    env["PGHOST"]["value"] = database.virtual_host
    env["PGPASSWORD"]["valueFrom"]["secretKeyRef"]["name"] = profile.credentials.e2e_database
    return job
