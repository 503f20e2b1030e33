"""One upstream message and what the hint catalogue must make of it, shared by the two halves of the
catalogue's tests (phases 1-3 in test_hint_catalogue.py, its tables in hintcases_platform.py and
hintcases_workloads.py; phases 4-5 in test_hint_catalogue_argocd.py)."""

from __future__ import annotations

from dataclasses import dataclass

from oamconf.steps.hints import diagnose, matching_rule

# The rules of phases 4-5 (TLS to the vCluster, Argo CD, its credentials): together with the others,
# every rule of the catalogue has one upstream message in one of the two files.
ARGO_SIDE = ("certificate-", "cluster-secret-", "argocd-", "credentials-", "rbac-")


@dataclass(frozen=True)
class Case:
    rule: str
    text: str
    cause: str
    fix: tuple[str, ...]  # what the fix must say, captured values included


def assert_hint(case: Case) -> None:
    """The message matches the case's rule first, and its hint has the cause and says the fix."""
    found = matching_rule(case.text)
    assert found is not None, f"no rule matched: {case.text}"
    assert found[0].name == case.rule
    hint = diagnose(case.text)
    assert hint is not None
    assert hint.cause == case.cause
    for part in case.fix:
        assert part in hint.fix
