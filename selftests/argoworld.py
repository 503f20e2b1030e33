"""Phase 4 and 5's offline world: the vCluster's API and Argo CD's API as real local HTTPS servers with
generated certificates, the scenario registered for them, and a run that checks no credential leaked."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from charts import Charts
from oamconf.k8s.api import Endpoint
from oamconf.testkit.certs import CertPair, make_ca
from offline import Fault, Scenario, reaction, run_phases, with_fault
from probes.fakeargocd import FakeArgoCd, argocd_certificate, cluster_item
from probes.vclusterapi import WITH_SERVICE_NAME, b64, serve_vcluster_api

SERVER = "https://vc1.vc1-ns.svc:443"


@dataclass
class ArgoWorld:
    """The real servers phase 4 talks to, and the credentials the scenario must carry for them."""

    ca: CertPair
    token: str
    argocd_cert: CertPair
    admin_password: str
    vcluster_api: Endpoint
    argocd: Endpoint
    argo: FakeArgoCd  # what Argo CD's API answers (its clusters' connection state)
    vcluster: str = "vc1"
    server: str = SERVER

    @property
    def endpoints(self) -> tuple[str, ...]:
        return ("--endpoint", f"vcluster-api={self.vcluster_api}", "--endpoint", f"argocd={self.argocd}")

    def registered(self) -> Fault:
        """The scenario with Argo CD's Secrets and the composition's cluster Secret for vc1 carrying them."""

        def with_registration(doc: Scenario) -> None:
            config = f'{{"bearerToken":"{self.token}","tlsClientConfig":{{"caData":"{b64(self.ca.cert_pem)}"}}}}'
            cluster_secret = {
                "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": {"name": f"vcluster-{self.vcluster}", "namespace": "argocd",
                             "labels": {"argocd.argoproj.io/secret-type": "cluster"}},
                "data": {"name": b64(self.vcluster), "server": b64(self.server), "config": b64(config)},
            }  # fmt: skip
            created = reaction(doc, "VirtualCluster", self.vcluster)["create"]
            # In place of the scenario's stand-in registration, which no server would accept.
            created[:] = [o for o in created if o["metadata"].get("name") != f"vcluster-{self.vcluster}"]
            created.append(cluster_secret)
            stand_ins = {"argocd-initial-admin-secret", "argocd-secret"}  # the scenario's, for runs without servers
            doc["objects"] = [o for o in doc["objects"] if o["metadata"].get("name") not in stand_ins]
            doc["objects"] += self.argocd_secrets()

        return with_registration

    def argocd_secrets(self) -> list[dict[str, Any]]:
        """What the suite signs in to this world's Argo CD API with: the admin password and Argo CD's certificate."""
        return [
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "argocd-initial-admin-secret",
             "namespace": "argocd"}, "data": {"password": b64(self.admin_password)}},
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "argocd-secret", "namespace": "argocd"},
             "data": {"tls.crt": b64(self.argocd_cert.cert_pem)}},
        ]  # fmt: skip

    def argocd_file(self, directory: Path) -> Path:
        """A scenario file that overrides the healthy folder's stand-in Argo CD Secrets with this world's, for a
        run given scenario files as a user gives them (the vCluster's registration stays the files')."""
        path = directory / "argocd-of-this-world.yaml"
        doc = {"name": "argocd-of-this-world", "description": "Argo CD's admin Secrets for the self-test's Argo CD API"}
        path.write_text(yaml.safe_dump({**doc, "objects": self.argocd_secrets()}), encoding="utf-8")
        return path


def serve_world(
    tmp_path: Path,
    *,
    dns_names: tuple[str, ...] = WITH_SERVICE_NAME,
    vcluster: str = "vc1",
    namespace: str = "vc1-ns",
    token: str | None = None,
) -> Iterator[ArgoWorld]:
    """The servers for vCluster *vcluster* in host namespace *namespace* (by default the reference platform's);
    its API accepts *token* (a scenario file's own), else a fresh one."""
    ca, password = make_ca("vcluster-ca"), secrets.token_urlsafe(16)
    token = token or secrets.token_urlsafe(24)
    server = f"https://{vcluster}.{namespace}.svc:443"
    with serve_vcluster_api(ca, tmp_path, dns_names=dns_names, tokens=[token]) as (_, vcluster_api):
        argocd_cert = argocd_certificate()
        connected = cluster_item(server, vcluster, status="Successful", applications=1, version="1.36")
        argo = FakeArgoCd(argocd_cert, password=password, clusters=[connected])
        with argo.serve() as argocd:
            yield ArgoWorld(ca, token, argocd_cert, password, vcluster_api, argocd, argo, vcluster, server)


def run(
    pytester: pytest.Pytester,
    charts: Charts,
    world: ArgoWorld,
    *faults: Fault,
    first: Fault | None = None,
    args: tuple[str, ...] = (),
) -> str:
    """The run's report.md (the scenario changed by *first*, registered for *world*, then *faults*; *args*
    added to the command line), after checking that no credential reached an artifact or the terminal."""
    registered = world.registered()

    def scenario_of(doc: Scenario) -> None:
        if first is not None:
            first(doc)
        registered(doc)
        for fault in faults:
            fault(doc)

    scenario_of.__name__ = "-".join(f.__name__ for f in faults) or "registered"
    return run_files(pytester, charts, world, with_fault(pytester, scenario_of), args=args)


def run_files(
    pytester: pytest.Pytester, charts: Charts, world: ArgoWorld, *files: Path, args: tuple[str, ...] = ()
) -> str:
    """The run's report.md for scenario *files* as given (every server of *world* and *charts* bound), after
    checking that no credential reached an artifact or the terminal."""
    result, md = run_phases(pytester, *files, args=(*charts.endpoints, *world.endpoints, *args), plugins=(charts,))
    texts = [result.stdout.str(), *(p.read_text(encoding="utf-8") for p in (pytester.path / "reports").iterdir())]
    for secret in (world.token, world.admin_password, *charts.passwords):
        assert not any(secret in text for text in texts), "a credential reached an artifact"
    return md
