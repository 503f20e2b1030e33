"""A step that fails waiting on an object gets that object's status and events, secrets masked."""

from __future__ import annotations

from oamconf.k8s.api import Event, Ref
from oamconf.k8s.memory import MemoryCluster
from oamconf.redact import MASK, Redactor
from oamconf.steps.diagnostics import EVENTS_SHOWN, gather

RELEASE = Ref("helm.crossplane.io/v1beta1", "Release", "test-db-postgresql")


def release_cluster() -> MemoryCluster:
    cluster = MemoryCluster("diagnostics")
    cluster.seed(
        [
            {
                "apiVersion": RELEASE.api_version,
                "kind": RELEASE.kind,
                "metadata": {"name": RELEASE.name},
                "status": {
                    "atProvider": {"state": "failed", "releaseDescription": "password=s3cret-in-status failed"},
                    "conditions": [{"type": "Ready", "status": "False", "reason": "Unavailable"}],
                },
            }
        ]
    )
    return cluster


def test_the_status_and_the_last_events_are_gathered_with_secrets_masked() -> None:
    cluster = release_cluster()
    for n in range(EVENTS_SHOWN + 3):
        cluster.add_event(RELEASE, Event("Warning", "InstallFailed", f"attempt {n}: image pull failed"))
    status, events, *followed = gather(cluster, RELEASE, Redactor())
    assert status.name == "Release test-db-postgresql status"
    assert "state: failed" in status.text
    assert "s3cret-in-status" not in status.text
    assert f"password={MASK}" in status.text
    lines = events.text.splitlines()
    assert len(lines) == EVENTS_SHOWN
    assert lines[-1] == f"Warning InstallFailed: attempt {EVENTS_SHOWN + 2}: image pull failed"
    # Then what the Release runs: its Helm release's pods (none here), said rather than left out.
    assert [(d.name, d.text) for d in followed] == [
        ("pods in default (app.kubernetes.io/instance=test-db-postgresql)", "none: nothing runs for it yet")
    ]


def test_a_missing_object_is_said_to_be_missing() -> None:
    missing = Ref("core.oam.dev/v1beta1", "Application", "nope", "default")
    (only,) = gather(MemoryCluster("empty"), missing, Redactor())
    assert (only.name, only.text) == ("Application default/nope", "does not exist")
