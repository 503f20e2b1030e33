"""Each rule of the Argo CD side (the vCluster's certificate, Argo CD, its cluster Secret, credentials, RBAC)
reads the upstream format string it quotes, not only the one message it was written from: texts built from
that format with other hosts, IPs, SANs, cluster names, server URLs, ServiceAccounts and namespaces, arriving
bare, behind Argo CD's own prefixes, as an Application's condition (dumped or in its verdict line), as a
cluster's connection state, in an event, folded by the status YAML, or JSON-escaped, get that rule with
exactly those values."""

from __future__ import annotations

import pytest

from hintcases import ARGO_SIDE
from hintvariants import Variant, assert_rule_and_values
from hintvariants_argocd import ALL, ARGO_WRAPS
from oamconf.steps.hints import RULES

# Rules whose text carries no value to vary: one fixed upstream sentence each (their catalogue case is enough).
FIXED = {
    "argocd-cluster-not-monitored": "acd:controller/clusterinfoupdater.go:166, a fixed sentence",
    "argocd-login-rejected": "oamconf/probes/argocd.py: 'POST /api/v1/session: 401 Unauthorized', a fixed path",
    "certificate-legacy-common-name": "go1.26:src/crypto/x509/verify.go:114, a fixed sentence (no host in it)",
}


def _cases() -> list[object]:
    return [pytest.param(v, wrap, id=f"{v.rule}-{v.label}-{wrap}") for v in ALL for wrap in v.wraps]


@pytest.mark.parametrize(("variant", "wrap"), _cases())
def test_an_argo_cd_text_built_from_the_upstream_format_gets_its_rule_and_values(variant: Variant, wrap: str) -> None:
    assert_rule_and_values(ARGO_WRAPS[wrap](variant), variant)


def test_every_argo_side_rule_with_upstream_values_has_variants_here() -> None:
    argo = {r.name for r in RULES if r.name.startswith(ARGO_SIDE)}
    assert set(FIXED) <= argo, "a rule left out here is no longer in the catalogue"
    assert argo - set(FIXED) <= {v.rule for v in ALL}
