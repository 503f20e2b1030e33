"""The real backend against a real HTTP server that speaks enough of the Kubernetes API.

Each test checks what a user of the suite would notice: the requests a cluster would receive,
the one-line errors they would read, and the secrets that must never reach a report.
Kubeconfig loading and port-forwards have their own modules: test_kubeconfig.py and
test_kube_port_forward.py.
"""

from __future__ import annotations

import socket
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

# selftests/ is on sys.path (pyproject pythonpath), so this folder imports as the namespace package k8s.
from k8s import fakeapi
from oamconf.errors import AccessDenied, ApiError, ClusterUnreachable, UsageError, WaitFailed, WaitTimeout
from oamconf.k8s import conditions
from oamconf.k8s.api import Ref
from oamconf.k8s.expect import Expect
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.wait import FakeClock
from oamconf.redact import MASK, Redactor

APP = "/apis/core.oam.dev/v1beta1/namespaces/demo/applications/web"
APP_REF = Ref("core.oam.dev/v1beta1", "Application", "web", "demo")


# The backend fixtures, shared through fakeapi.py; pytest finds a fixture by its name in this module.
api, redactor, kubeconfig, cluster = fakeapi.api, fakeapi.redactor, fakeapi.kubeconfig, fakeapi.cluster


def application(namespace: str | None = "demo", **status: object) -> dict[str, Any]:
    meta = {"name": "web", "labels": {"app": "web"}} | ({"namespace": namespace} if namespace else {})
    return {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application", "metadata": meta, "status": status}


# -- request construction ---------------------------------------------------------------------


def test_apply_is_a_forced_server_side_apply_under_the_suites_field_manager(
    api: fakeapi.FakeApiServer, cluster: KubeCluster
) -> None:
    api.answer("PATCH", APP, application(conditions=[{"type": "Ready", "status": "True"}]))
    manifest = application()

    applied = cluster.apply(manifest)

    (sent,) = api.calls(APP)
    assert sent.method == "PATCH"
    assert sent.headers["content-type"] == "application/apply-patch+yaml"
    assert sent.param("fieldManager") == "oam-vcluster-conformance"
    assert sent.param("force") == "true"
    assert sent.json() == manifest
    assert sent.headers["authorization"] == f"Bearer {fakeapi.TOKEN}"
    assert str(applied.condition("Ready")) == "Ready=True"


def test_cluster_scoped_release_is_applied_outside_any_namespace(
    api: fakeapi.FakeApiServer, cluster: KubeCluster
) -> None:
    path = "/apis/helm.crossplane.io/v1beta1/releases/test-db"
    release = {"apiVersion": "helm.crossplane.io/v1beta1", "kind": "Release", "metadata": {"name": "test-db"}}
    api.answer("PATCH", path, release)

    assert cluster.apply(release).ref == Ref("helm.crossplane.io/v1beta1", "Release", "test-db")
    assert [c.path for c in api.calls()] == [path]


def test_applying_a_namespaced_kind_without_namespace_is_a_usage_error(
    api: fakeapi.FakeApiServer, cluster: KubeCluster
) -> None:
    with pytest.raises(UsageError, match=r"Application web \(core.oam.dev/v1beta1\) is namespaced"):
        cluster.apply(application(namespace=None))

    assert api.calls() == []


def test_get_reads_the_namespaced_path_and_answers_none_on_404(
    api: fakeapi.FakeApiServer, cluster: KubeCluster
) -> None:
    api.answer("GET", APP, application())

    found = cluster.get(APP_REF)
    missing = cluster.get(Ref("core.oam.dev/v1beta1", "Application", "gone", "demo"))

    assert found is not None
    assert found.ref == APP_REF
    assert missing is None


def test_list_sends_a_sorted_label_selector_and_items_know_their_kind(
    api: fakeapi.FakeApiServer, cluster: KubeCluster
) -> None:
    item = application()
    del item["apiVersion"], item["kind"]  # list items come without them, as from a real server
    api.answer("GET", "/apis/core.oam.dev/v1beta1/applications", {"kind": "ApplicationList", "items": [item]})

    listed = cluster.list("core.oam.dev/v1beta1", "Application", labels={"tier": "web", "app": "web"})

    (sent,) = api.calls()
    assert sent.param("labelSelector") == "app=web,tier=web"
    assert [o.ref for o in listed] == [APP_REF]


def test_delete_asks_for_background_propagation_and_answers_false_when_gone(
    api: fakeapi.FakeApiServer, cluster: KubeCluster
) -> None:
    api.answer("DELETE", APP, {"kind": "Status", "status": "Success"})

    assert cluster.delete(APP_REF) is True
    assert cluster.delete(Ref("core.oam.dev/v1beta1", "Application", "gone", "demo")) is False
    assert [c.param("propagationPolicy") for c in api.calls()] == ["Background", "Background"]


def test_events_are_selected_by_involved_object_and_come_oldest_first(
    api: fakeapi.FakeApiServer, cluster: KubeCluster
) -> None:
    newer = {
        "type": "Warning",
        "reason": "Failed",
        "message": "boom",
        "count": 3,
        "lastTimestamp": "2026-01-02T00:00:00Z",
    }
    older = {"type": "Normal", "reason": "Created", "message": "ok", "eventTime": "2026-01-01T00:00:00.000000Z"}
    api.answer("GET", "/api/v1/namespaces/demo/events", {"kind": "EventList", "items": [newer, older]})

    events = cluster.events(APP_REF)

    (sent,) = api.calls()
    selector = sent.param("fieldSelector") or ""
    assert sorted(selector.split(",")) == [
        "involvedObject.kind=Application",
        "involvedObject.name=web",
        "involvedObject.namespace=demo",
    ]
    assert [str(e) for e in events] == ["Normal Created: ok", "Warning Failed (x3): boom"]


def test_pod_logs_return_the_tail_of_the_chosen_container(api: fakeapi.FakeApiServer, cluster: KubeCluster) -> None:
    api.answer_text("GET", "/api/v1/namespaces/demo/pods/web-0/log", "ready to accept connections\n")

    text = cluster.pod_logs("demo", "web-0", container="db", tail_lines=50)

    (sent,) = api.calls()
    assert (sent.param("container"), sent.param("tailLines")) == ("db", "50")
    assert text == "ready to accept connections\n"


def test_the_previous_runs_log_is_asked_for_by_name(api: fakeapi.FakeApiServer, cluster: KubeCluster) -> None:
    api.answer_text("GET", "/api/v1/namespaces/demo/pods/web-0/log", "panic: boom\n")

    text = cluster.pod_logs("demo", "web-0", container="db", tail_lines=20, previous=True)

    (sent,) = api.calls()
    assert (sent.param("previous"), sent.param("tailLines")) == ("true", "20")
    assert text == "panic: boom\n"


def test_server_version_is_the_servers_git_version(cluster: KubeCluster) -> None:
    assert cluster.server_version() == "v1.36.1-fake"
    assert cluster.name == "fake"


# -- error mapping ----------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "reason"), [(401, "Unauthorized"), (403, "Forbidden")])
def test_refused_credentials_are_access_denied(
    api: fakeapi.FakeApiServer, cluster: KubeCluster, code: int, reason: str
) -> None:
    api.fail("GET", APP, code, reason, f"{reason.lower()}: User cannot get applications")

    with pytest.raises(AccessDenied) as caught:
        cluster.get(APP_REF)

    assert (caught.value.status, caught.value.reason) == (code, reason)


def test_a_namespace_being_deleted_refuses_in_its_own_words_not_as_access_denied(
    api: fakeapi.FakeApiServer, cluster: KubeCluster
) -> None:
    # The NamespaceLifecycle admission plugin's answer, as the real API server sent it (selftests/localcp).
    message = (
        'configmaps "late" is forbidden: unable to create new content in namespace demo because it is being terminated'
    )
    body = fakeapi.status_body(403, "Forbidden", message)
    cause = {
        "reason": "NamespaceTerminating",
        "message": "namespace demo is being terminated",
        "field": "metadata.namespace",
    }
    body["details"] = {"name": "late", "kind": "configmaps", "causes": [cause]}
    api.answer("GET", APP, body, status=403)

    with pytest.raises(ApiError) as caught:
        cluster.get(APP_REF)

    assert not isinstance(caught.value, AccessDenied)
    assert str(caught.value) == f"403 NamespaceTerminating: {message}"


def test_a_server_error_carries_the_status_message(api: fakeapi.FakeApiServer, cluster: KubeCluster) -> None:
    api.fail("GET", APP, 500, "InternalError", "etcdserver: request timed out")

    with pytest.raises(ApiError) as caught:
        cluster.get(APP_REF)

    assert str(caught.value) == "500 InternalError: etcdserver: request timed out"


def test_a_closed_port_is_unreachable_and_the_message_names_the_server(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    kubeconfig = fakeapi.write_kubeconfig(tmp_path / "kc", url)

    with closing(KubeCluster.from_kubeconfig(kubeconfig, None)) as backend:
        with pytest.raises(ClusterUnreachable, match=f"cannot reach the API server at {url}: .*refused"):
            backend.server_version()
        with pytest.raises(ClusterUnreachable):
            backend.get(APP_REF)


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        pytest.param("example.org/v1", "Widget", id="unknown-group"),
        pytest.param("core.oam.dev/v1beta1", "Gadget", id="unknown-kind"),
    ],
)
def test_a_kind_the_server_does_not_serve_is_named_in_the_error(
    cluster: KubeCluster, api_version: str, kind: str
) -> None:
    with pytest.raises(ApiError) as caught:
        cluster.get(Ref(api_version, kind, "x", "demo"))

    assert f"does not serve {api_version} {kind} (is its CRD installed?)" in str(caught.value)


# -- secrets ----------------------------------------------------------------------------------


def test_values_of_a_secret_read_are_masked_in_later_reports(
    api: fakeapi.FakeApiServer, cluster: KubeCluster, redactor: Redactor
) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "demo"}}
    api.answer("GET", "/api/v1/namespaces/demo/secrets/db", {**secret, "data": {"password": "aHVudGVyMi1wZw=="}})
    listed = {"metadata": secret["metadata"], "data": {"token": "czNjcjN0LXRva2Vu"}}
    api.answer("GET", "/api/v1/namespaces/demo/secrets", {"kind": "SecretList", "items": [listed]})

    cluster.get(Ref("v1", "Secret", "db", "demo"))
    cluster.list("v1", "Secret", namespace="demo")

    report = redactor.redact("psql said hunter2-pg; curl sent s3cr3t-token; raw aHVudGVyMi1wZw==")
    assert report == f"psql said {MASK}; curl sent {MASK}; raw {MASK}"


@pytest.mark.usefixtures("cluster")  # building the backend is what registers the token
def test_the_kubeconfig_token_is_masked_in_later_reports(redactor: Redactor) -> None:
    assert redactor.redact(f"header was {fakeapi.TOKEN}") == f"header was {MASK}"


# -- waits against this backend ---------------------------------------------------------------


def test_waiting_for_an_object_that_never_appears_times_out_saying_not_found_yet(
    api: fakeapi.FakeApiServer, cluster: KubeCluster
) -> None:
    clock = FakeClock()
    with pytest.raises(WaitTimeout) as caught:
        Expect(cluster, clock=clock)(APP_REF, conditions.condition_is("Ready"), timeout=10)

    assert str(caught.value) == "Application demo/web: not found yet (waited 10s, simulated)"
    assert clock.now == pytest.approx(10)
    assert len(api.calls(APP)) > 2


def test_waiting_stops_at_once_when_access_is_denied(api: fakeapi.FakeApiServer, cluster: KubeCluster) -> None:
    api.fail("GET", APP, 403, "Forbidden", 'applications.core.oam.dev "web" is forbidden')
    clock = FakeClock()
    with pytest.raises(WaitFailed, match="access denied"):
        Expect(cluster, clock=clock)(APP_REF, conditions.condition_is("Ready"), timeout=10)

    assert clock.now == 0
    assert len(api.calls(APP)) == 1
