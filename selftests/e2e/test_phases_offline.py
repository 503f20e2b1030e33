"""The real phase modules (tests/phase*) run offline against in-memory scenarios: what a platform
engineer would see for a healthy platform and for the ways it breaks."""

from __future__ import annotations

import re

import pytest

from offline import (
    HEALTHY,
    provider_incompatible,
    provider_unhealthy,
    redis_definition_missing,
    redis_definition_unreconciled,
    run_phases,
    smoke_release_fails,
    step_section,
    vela_core_crash_loops,
    verdicts,
    with_fault,
)

WORKING, FAILED = "✅ Working", "❌ Failed"


def test_a_healthy_foundation_passes_phase_one_with_evidence(pytester: pytest.Pytester) -> None:
    _, md = run_phases(pytester, HEALTHY)
    assert verdicts(md) | {"1.1": WORKING, "1.2": WORKING} == verdicts(md)
    assert "## Phase 1: Foundation Components ✅ PASSED" in md
    assert "Provider provider-helm (xpkg.crossplane.io/crossplane-contrib/provider-helm:v1.4.0) Installed=True" in md
    assert "ComponentDefinition vela-system/postgresql registered (revision postgresql-v1)" in md
    assert re.search(r"Helm Release conformance-smoke-[0-9a-f]{8} deployed \(revision 1, chart podinfo 6\.10\.2 from "
                     r"https://stefanprodan\.github\.io/podinfo\)", md)  # fmt: skip
    # Whatever the steps created is deleted at the end, the smoke Release among it.
    assert re.search(r"\| Cleanup \| deleted [1-9]\d* object\(s\) this run created \|", md)


def test_an_unhealthy_provider_fails_step_one_one_with_its_reason(pytester: pytest.Pytester) -> None:
    _, md = run_phases(pytester, with_fault(pytester, provider_unhealthy))
    assert (verdicts(md)["1.1"], verdicts(md)["1.2"]) == (FAILED, WORKING)
    assert "## Phase 1: Foundation Components ⚠️ PARTIAL" in md
    problem = (
        "- **Problem**: Provider provider-helm: want Healthy=True, is Healthy=False reason=UnhealthyPackageRevision "
        "message='cannot resolve package dependencies' (waited 300s, simulated)"
    )
    assert problem in md
    # The failed wait's object is dumped under the step, as kubectl describe would show it.
    assert "<summary>Provider provider-helm status</summary>" in md
    assert "currentRevision: provider-helm-" in md


def test_a_provider_that_cannot_become_healthy_fails_at_once(pytester: pytest.Pytester) -> None:
    _, md = run_phases(pytester, with_fault(pytester, provider_incompatible))
    step = step_section(md, "1.1")
    assert verdicts(md)["1.1"] == FAILED
    assert "- **Problem**: Provider provider-helm: want Healthy=True, is Healthy=False" in step
    assert "incompatible Crossplane version" in step
    assert "waited" not in step  # a state Crossplane does not retry ends the wait on the first poll


def test_a_release_provider_helm_will_not_retry_fails_at_once_and_is_still_cleaned_up(
    pytester: pytest.Pytester,
) -> None:
    _, md = run_phases(pytester, with_fault(pytester, smoke_release_fails))
    step = step_section(md, "1.1")
    assert verdicts(md)["1.1"] == FAILED
    assert re.search(
        r"Release conformance-smoke-[0-9a-f]{8}: want deployed, is state failed, Ready=False reason=Unavailable "
        r"\(no rollbackLimit: provider-helm does not retry it\)",
        step,
    )
    assert "Release install failed: image pull back-off" in step  # the Release's status, dumped under the step
    # Whatever the steps created is deleted at the end, the smoke Release among it.
    assert re.search(r"\| Cleanup \| deleted [1-9]\d* object\(s\) this run created \|", md)


def test_a_crash_looping_controller_shows_its_pod_and_the_tail_of_its_log(pytester: pytest.Pytester) -> None:
    _, md = run_phases(pytester, with_fault(pytester, vela_core_crash_loops))
    step = step_section(md, "1.2")
    assert verdicts(md)["1.2"] == FAILED
    assert "Deployment vela-system/kubevela-vela-core: want Available=True, is Available=False" in step
    assert "<summary>Pod vela-system/kubevela-vela-core-7d9f-abcde</summary>" in step
    assert "container kubevela: waiting CrashLoopBackOff: back-off 5m0s restarting failed container" in step
    assert "restarts=7" in step
    assert "last run: terminated Error (exit 1)" in step
    assert "previous run's last 20 log lines" in step
    assert "unable to start manager: webhook certificate not found" in step
    html = (pytester.path / "reports" / "report.html").read_text(encoding="utf-8")
    assert "CrashLoopBackOff" in html
    assert "webhook certificate not found" in html


def test_a_missing_component_definition_says_which_file_to_apply(pytester: pytest.Pytester) -> None:
    _, md = run_phases(pytester, with_fault(pytester, redis_definition_missing))
    assert verdicts(md)["1.2"] == FAILED
    assert "ComponentDefinition vela-system/redis not found: apply fixtures/platform/kubevela/" in step_section(
        md, "1.2"
    )


def test_wait_timeout_caps_the_profile_s_timeouts_so_a_run_fails_fast(pytester: pytest.Pytester) -> None:
    _, md = run_phases(pytester, with_fault(pytester, provider_unhealthy), args=("--wait-timeout", "60"))
    assert "message='cannot resolve package dependencies' (waited 60s, simulated)" in step_section(md, "1.1")


def test_a_definition_kubevela_never_reconciled_is_not_registered(pytester: pytest.Pytester) -> None:
    _, md = run_phases(pytester, with_fault(pytester, redis_definition_unreconciled))
    assert verdicts(md)["1.2"] == FAILED
    expected = "ComponentDefinition vela-system/redis: want a latestRevision, is none yet (waited 300s, simulated)"
    assert expected in step_section(md, "1.2")
