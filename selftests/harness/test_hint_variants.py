"""Each rule outside Argo CD reads the upstream format string it quotes, not only the one message it was
written from: texts built from that format with other names and values (dots, dashes, digits, uppercase
where Kubernetes allows them), arriving bare, chained behind a controller's prefixes, in a condition line,
in an event line, folded by the status YAML, or JSON-escaped, get that rule with exactly those values."""

from __future__ import annotations

import pytest

from hintvariants import ALL, WRAPS, Variant
from hintvariants_kubevela import KUBEVELA_VARIANTS
from oamconf.steps.hints import RULES, _clean, _fill, matching_rule


def _cases() -> list[object]:
    return [
        pytest.param(v, wrap, id=f"{v.rule}-{v.label}-{wrap}") for v in (*ALL, *KUBEVELA_VARIANTS) for wrap in v.wraps
    ]


@pytest.mark.parametrize(("variant", "wrap"), _cases())
def test_a_text_built_from_the_upstream_format_gets_its_rule_and_values(variant: Variant, wrap: str) -> None:
    text = WRAPS[wrap](variant)
    found = matching_rule(text)
    assert found is not None, f"no rule matched: {text}"
    rule, match = found
    assert rule.name == variant.rule, f"{rule.name} won over {variant.rule}: {text}"
    captured = {name: _clean(value) for name, value in match.groupdict().items() if value}
    for name, value in variant.values.items():
        assert captured.get(name, rule.known.defaults.get(name)) == value, f"{name} in {text}"
    expected = _fill(rule.known.cause, {**rule.known.defaults, **captured, **variant.values})
    assert rule.hint(match).cause == expected


def test_every_rule_outside_argo_cd_with_upstream_values_has_variants_here() -> None:
    own = {"port-closed", "port-forward-pod-not-running", "port-forward-hung-up", "vcluster-pro-settings"}
    fixed = {"pvc-unbound", "bitnami-image-check", "helm-operation-in-progress", "redis-password-rejected"}
    fixed |= {"redis-password-missing", "vcluster-service-mapping"}
    argo = ("certificate-", "cluster-secret-", "argocd-", "credentials-", "rbac-")
    wanted = {r.name for r in RULES if not r.name.startswith(argo)} - own - fixed
    assert wanted <= {v.rule for v in (*ALL, *KUBEVELA_VARIANTS)}
