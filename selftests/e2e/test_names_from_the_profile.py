"""The healthy platform passes under the names a team gives it: every name a step uses comes from the
profile, none from a fixture or a step (the hard-coded ``conformance/podinfo-db`` mapping blocked 2.2-5)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from argoworld import run, serve_world
from charts import Charts
from offline import renamed, step_section, verdicts
from probes.vclusterapi import WITH_SERVICE_NAME

WORKING, WARNING = "✅ Working", "⚠️ Needs Verification"
NAMES = {"conformance": "team-apps", "vc1": "team-vc", "vc1-ns": "team-vc-ns"}
PROFILE = (
    "--profile-set", "namespaces.apps=team-apps",
    "--profile-set", "virtual_cluster.name=team-vc",
    "--profile-set", "virtual_cluster.host_namespace=team-vc-ns",
    "--profile-set", "applications.argocd=podinfo-team-vc",
)  # fmt: skip


def test_the_healthy_platform_passes_every_phase_under_other_names(
    pytester: pytest.Pytester, charts: Charts, tmp_path: Path
) -> None:
    sans = tuple(name.replace("vc1-ns", "team-vc-ns").replace("vc1", "team-vc") for name in WITH_SERVICE_NAME)
    servers = contextlib.contextmanager(serve_world)
    with servers(tmp_path, dns_names=sans, vcluster="team-vc", namespace="team-vc-ns") as world:
        md = run(pytester, charts, world, first=renamed(NAMES, keep=("-smoke-",)), args=PROFILE)

    assert set(verdicts(md).values()) <= {WORKING, WARNING}, verdicts(md)
    replicated = step_section(md, "2.2")
    assert "host Service team-apps/podinfo-db is Service demo/podinfo-db:5432 inside team-vc" in replicated
    assert "conformance/" not in md
    assert "## Phase 5: End-to-End Integration ✅ PASSED" in md
