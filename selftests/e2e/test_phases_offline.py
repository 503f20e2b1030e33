"""The real phase modules (tests/phase*) run offline against in-memory scenarios: what a platform
engineer would see for a healthy platform and for the ways it breaks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from oamconf.k8s.yamldoc import read_documents
from synthetic import SUITE_PLUGINS

ROOT = Path(__file__).resolve().parents[2]
HEALTHY = ROOT / "selftests" / "scenarios" / "healthy-platform.yaml"


def run_phases(pytester: pytest.Pytester, scenario: Path, *args: str) -> tuple[pytest.RunResult, str]:
    result = pytester.runpytest(
        str(ROOT / "tests"), *SUITE_PLUGINS,
        "--conformance", "--scenario", str(scenario), "--report-dir", "reports", *args,
    )  # fmt: skip
    return result, (pytester.path / "reports" / "report.md").read_text(encoding="utf-8")


def broken(pytester: pytest.Pytester, change: str) -> Path:
    """The healthy scenario with one object changed (*change* names it), written to the test's folder."""
    # The scenario loader's YAML 1.2 reading keeps the reactions' "on:" keys (PyYAML's 1.1 would not).
    doc = read_documents(HEALTHY)[0].data
    objects = doc["objects"]
    if change == "provider-unhealthy":
        provider = next(o for o in objects if o["kind"] == "Provider" and o["metadata"]["name"] == "provider-helm")
        provider["status"]["conditions"] = [
            {"type": "Installed", "status": "True", "reason": "ActivePackageRevision"},
            {
                "type": "Healthy",
                "status": "False",
                "reason": "UnhealthyPackageRevision",
                "message": "cannot resolve package dependencies",
            },
        ]
    elif change == "smoke-release-fails":
        smoke = next(r for r in doc["reactions"] if r["on"]["name"] == "conformance-smoke-*")
        smoke["set_status"] = {
            "atProvider": {"state": "failed", "releaseDescription": "Release install failed: image pull back-off"},
            "conditions": [
                {"type": "Ready", "status": "False", "reason": "Unavailable"},
                {"type": "Synced", "status": "False", "reason": "ReconcileError", "message": "failed to install"},
            ],
        }
    elif change == "redis-definition-unreconciled":
        definition = next(o for o in objects if (o["kind"], o["metadata"]["name"]) == ("ComponentDefinition", "redis"))
        definition.pop("status")
    elif change == "redis-definition-missing":
        doc["objects"] = [
            o for o in objects if not (o["kind"] == "ComponentDefinition" and o["metadata"]["name"] == "redis")
        ]
    path = pytester.path / f"{change}.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_a_healthy_foundation_passes_phase_one_with_evidence(pytester: pytest.Pytester) -> None:
    result, md = run_phases(pytester, HEALTHY)
    result.assert_outcomes(passed=7)
    assert "## Phase 1: Foundation Components ✅ PASSED" in md
    assert "Provider provider-helm (xpkg.crossplane.io/crossplane-contrib/provider-helm:v1.4.0) Installed=True" in md
    assert "ComponentDefinition vela-system/postgresql registered (revision postgresql-v1)" in md
    assert re.search(r"Helm Release conformance-smoke-[0-9a-f]{8} deployed \(revision 1, chart podinfo 6\.10\.2\)", md)
    assert "| Cleanup | deleted 2 object(s) this run created |" in md


def test_an_unhealthy_provider_fails_step_one_one_with_its_reason(pytester: pytest.Pytester) -> None:
    result, md = run_phases(pytester, broken(pytester, "provider-unhealthy"))
    result.assert_outcomes(passed=6, failed=1)
    assert "## Phase 1: Foundation Components ⚠️ PARTIAL" in md
    problem = (
        "- **Problem**: Provider provider-helm: want Healthy=True, is Healthy=False reason=UnhealthyPackageRevision "
        "message='cannot resolve package dependencies' (waited 300s, simulated)"
    )
    assert problem in md
    # The failed wait's object is dumped under the step, as kubectl describe would show it.
    assert "<summary>Provider provider-helm status</summary>" in md
    assert "currentRevision: provider-helm-" in md


def test_a_missing_component_definition_says_which_file_to_apply(pytester: pytest.Pytester) -> None:
    result, md = run_phases(pytester, broken(pytester, "redis-definition-missing"))
    result.assert_outcomes(passed=6, failed=1)
    assert "ComponentDefinition vela-system/redis not found: apply fixtures/platform/kubevela/" in md


def test_wait_timeout_caps_the_profile_s_timeouts_so_a_run_fails_fast(pytester: pytest.Pytester) -> None:
    result, md = run_phases(pytester, broken(pytester, "provider-unhealthy"), "--wait-timeout", "60")
    result.assert_outcomes(passed=6, failed=1)
    assert "message='cannot resolve package dependencies' (waited 60s, simulated)" in md


def test_a_definition_kubevela_never_reconciled_is_not_registered(pytester: pytest.Pytester) -> None:
    result, md = run_phases(pytester, broken(pytester, "redis-definition-unreconciled"))
    result.assert_outcomes(passed=6, failed=1)
    assert "ComponentDefinition vela-system/redis: want a latestRevision, is none yet (waited 300s, simulated)" in md


def test_a_release_provider_helm_cannot_deploy_fails_one_one_and_is_still_cleaned_up(
    pytester: pytest.Pytester,
) -> None:
    result, md = run_phases(pytester, broken(pytester, "smoke-release-fails"))
    result.assert_outcomes(passed=6, failed=1)
    assert re.search(r"Release conformance-smoke-[0-9a-f]{8}: want Ready=True, is Ready=False reason=Unavailable", md)
    assert "Release install failed: image pull back-off" in md  # the Release's status, dumped under the step
    assert "| Cleanup | deleted 2 object(s) this run created |" in md
