"""A tier's limits: the reason a check is Not tested, known before the run or learnt when a process died."""

from __future__ import annotations

import pytest

from oamconf.cluster.tier import CAPABILITIES, NO_LIMITS, Limits, check_needs
from oamconf.errors import UsageError


def test_the_first_need_the_tier_lacks_gives_the_reason_and_a_kind_cluster_lacks_none() -> None:
    limits = Limits("local tier", {"argocd": "not run yet", "containers": "kwok simulates pods"})
    assert limits.why_not(["kubevela", "containers", "argocd"]) == "local tier: kwok simulates pods"
    assert limits.why_not(["kubevela"]) is None
    assert NO_LIMITS.why_not(CAPABILITIES) is None


def test_a_component_that_died_since_wins_over_what_was_known_before() -> None:
    died: dict[str, str] = {}
    limits = Limits("local tier", {"argocd": "not run yet"}, died=lambda: died)
    assert limits.why_not(["kubevela"]) is None
    died["kubevela"] = died["argocd"] = "etcd (pid 7) exited with code -9"
    assert limits.why_not(["kubevela"]) == "local tier: etcd (pid 7) exited with code -9"
    assert limits.why_not(["argocd"]) == "local tier: etcd (pid 7) exited with code -9"
    assert limits.lines() == ["argocd: not run yet"]  # the header lists what was never run, not the death


def test_an_unknown_capability_is_one_line_naming_where_and_the_known_ones() -> None:
    assert check_needs(["kubevela", "argocd"], "t.py::test") == ("kubevela", "argocd")
    with pytest.raises(UsageError) as caught:
        check_needs(["kubevela", "kubevla"], "t.py::test")
    assert str(caught.value).startswith("t.py::test: needs('kubevla') names no capability; known: crossplane, ")
    assert "\n" not in str(caught.value)
