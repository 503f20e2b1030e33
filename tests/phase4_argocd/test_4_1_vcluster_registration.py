"""4.1 vCluster Registration with ArgoCD: the cluster Secret exists, parses, authenticates and verifies TLS."""

from __future__ import annotations

import pytest

from oamconf.cluster.vclusters import Target
from oamconf.k8s.api import Cluster
from oamconf.k8s.expect import Expect
from oamconf.phases.argocd import check_registration, cluster_secret_of, credentials_in_custom_resources
from oamconf.platform.profile import Profile
from oamconf.probes.cluster_secret import parse_cluster_secret
from oamconf.steps.evidence import Evidence

STEP = pytest.mark.step("4.1", "vCluster Registration with ArgoCD")


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


@STEP
def test_the_secret_s_credentials_reach_the_vcluster_api_with_verified_tls(
    cluster: Cluster, expect: Expect, profile: Profile, own_vcluster: Target, evidence: Evidence
) -> None:
    """A request made with exactly the Secret's config is answered, the certificate verified against caData."""
    _, verified = check_registration(cluster, expect, profile, own_vcluster, evidence)
    evidence.add(f"TLS: {verified.tls}")
    evidence.add(f"authenticated request answered: {verified.answer}")


@STEP
def test_no_vcluster_credential_is_copied_into_custom_resources(cluster: Cluster, evidence: Evidence) -> None:
    """Custom resources are readable through crossplane-view: a vCluster credential copied into one is exposed."""
    exposed = credentials_in_custom_resources(cluster)
    for place in exposed:
        evidence.warn(f"security: vCluster credentials copied into {place}, readable through the crossplane-view role")
    if not exposed:
        evidence.add("no vCluster credential in a custom resource's status")
