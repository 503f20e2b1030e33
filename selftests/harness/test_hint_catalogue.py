"""Each known failure mode of phases 1-3 (Crossplane functions, webhooks, CRDs, vCluster, storage,
images, databases, Services) turns the upstream text it quotes into its cause and fix, with the values
the text carries (the tables: ``hintcases_platform``, ``hintcases_workloads``)."""

from __future__ import annotations

import pytest

import hintcases_platform
import hintcases_workloads
from hintcases import ARGO_SIDE, Case, assert_hint
from oamconf.steps.hints import RULES

CASES = [*hintcases_platform.CASES, *hintcases_workloads.CASES]


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c.rule}-{i}") for i, c in enumerate(CASES)])
def test_an_upstream_message_gets_its_cause_and_fix(case: Case) -> None:
    assert_hint(case)


def test_every_rule_outside_argo_cd_has_an_upstream_message_here() -> None:
    assert {c.rule for c in CASES} == {r.name for r in RULES if not r.name.startswith(ARGO_SIDE)}
