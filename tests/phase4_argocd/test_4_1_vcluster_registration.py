"""4.1 vCluster Registration with ArgoCD: the cluster Secret exists, parses, authenticates and verifies TLS."""

from __future__ import annotations

import pytest

from oamconf.cluster.vclusters import Target
from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster
from oamconf.k8s.expect import Expect
from oamconf.phases.argocd import check_registration, cluster_secret_of
from oamconf.phases.exposure import credentials_in_custom_resources, vcluster_credentials
from oamconf.platform.profile import Profile
from oamconf.probes.cluster_secret import parse_cluster_secret
from oamconf.steps.evidence import Evidence

STEP = pytest.mark.step("4.1", "vCluster Registration with ArgoCD")


@pytest.mark.needs("platform", "crossplane-packages", "vcluster-api")
@STEP
def test_the_cluster_secret_registers_the_vcluster(
    cluster: Cluster, expect: Expect, profile: Profile, own_vcluster: Target, evidence: Evidence
) -> None:
    """Argo CD's namespace has a cluster Secret for the vCluster with a name, a server and a config it can parse."""
    secret = cluster_secret_of(cluster, expect, profile, own_vcluster)
    parsed = parse_cluster_secret(secret, secrets=evidence)
    evidence.add(f"Secret {secret.ref.namespace}/{secret.ref.name}: cluster {parsed.name}, server {parsed.server}")
    evidence.add(f"config: {parsed.summary}")
    for finding in parsed.findings:
        evidence.warn(f"security: {finding}")


@pytest.mark.needs("vcluster-api")
@STEP
def test_the_secret_s_credentials_reach_the_vcluster_api_with_verified_tls(
    cluster: Cluster, expect: Expect, profile: Profile, own_vcluster: Target, evidence: Evidence
) -> None:
    """A request made with exactly the Secret's config is answered, the certificate verified against caData."""
    _, verified = check_registration(cluster, expect, profile, own_vcluster, evidence)
    evidence.add(f"TLS: {verified.tls}")
    evidence.add(f"authenticated request answered: {verified.answer}")


@pytest.mark.needs("platform")
@STEP
def test_no_vcluster_credential_is_copied_into_custom_resources(
    cluster: Cluster, profile: Profile, own_vcluster: Target, evidence: Evidence
) -> None:
    """No custom resource the run can read holds a vCluster credential in its spec or status: whoever may
    read that kind (Crossplane's view roles, for its providers' and XRDs' kinds) would hold the credential."""
    xr = kinds.Kind(profile.virtual_cluster.api_version, profile.virtual_cluster.kind, "Cluster")
    exposed = credentials_in_custom_resources(cluster, extra=[xr], known=vcluster_credentials(cluster, own_vcluster))
    for place in exposed:
        evidence.warn(f"security: a vCluster credential sits in {place}")
    if exposed:
        evidence.cause(
            "custom resources hold a vCluster credential, so RBAC on Secrets no longer decides who can read it",
            "narrow who is bound to the roles named (crossplane-view/edit/admin are meant for operators), or "
            "keep the credential out of custom resources: compose the Secrets with Crossplane itself, as the "
            "reference Composition does (fixtures/README.md: vCluster registration)",
        )
    else:
        evidence.add("no vCluster credential in the spec or status of a custom resource the run can read")
