"""Each rule outside Argo CD reads the upstream format string it quotes, not only the one message it was
written from: texts built from that format with other names and values (dots, dashes, digits, uppercase
where Kubernetes allows them), arriving bare, chained behind a controller's prefixes, in a condition line,
in an event line, folded by the status YAML, or JSON-escaped, get that rule with exactly those values."""

from __future__ import annotations

import pytest

from hintvariants import ALL, WRAPS, Variant, assert_rule_and_values
from hintvariants_kubevela import KUBEVELA_VARIANTS
from oamconf.steps.hints import RULES


def _cases() -> list[object]:
    return [
        pytest.param(v, wrap, id=f"{v.rule}-{v.label}-{wrap}") for v in (*ALL, *KUBEVELA_VARIANTS) for wrap in v.wraps
    ]


@pytest.mark.parametrize(("variant", "wrap"), _cases())
def test_a_text_built_from_the_upstream_format_gets_its_rule_and_values(variant: Variant, wrap: str) -> None:
    assert_rule_and_values(WRAPS[wrap](variant), variant)


def test_every_rule_outside_argo_cd_with_upstream_values_has_variants_here() -> None:
    own = {"port-closed", "port-forward-pod-not-running", "port-forward-hung-up", "vcluster-pro-settings"}
    fixed = {"pvc-unbound", "bitnami-image-check", "helm-operation-in-progress", "redis-password-rejected"}
    fixed |= {"redis-password-missing", "vcluster-service-mapping"}
    argo = ("certificate-", "cluster-secret-", "argocd-", "credentials-", "rbac-")
    wanted = {r.name for r in RULES if not r.name.startswith(argo)} - own - fixed
    assert wanted <= {v.rule for v in (*ALL, *KUBEVELA_VARIANTS)}
