"""Waits on the real backend follow the object with the API's watch, against the stand-in server's streams.

The objects here are *live* (fakewatch.py): the test changes them as a controller would, and the server
streams the changes. The clock is fake, so a test can tell a change noticed as it happened (no time
passed on the clock) from one noticed at the next poll (a poll interval slept).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from k8s import fakeapi
from oamconf.errors import ApiError, WaitTimeout
from oamconf.k8s import conditions
from oamconf.k8s.api import KubeObject, Ref
from oamconf.k8s.expect import Expect
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.wait import FakeClock, Observation, SystemClock
from oamconf.redact import Redactor

APPS = "/apis/core.oam.dev/v1beta1/namespaces/demo/applications"
APP = f"{APPS}/web"
APP_REF = Ref("core.oam.dev/v1beta1", "Application", "web", "demo")
RELEASE = "/apis/helm.crossplane.io/v1beta1/releases/db"
RELEASE_REF = Ref("helm.crossplane.io/v1beta1", "Release", "db")

api, redactor, kubeconfig, cluster = fakeapi.api, fakeapi.redactor, fakeapi.kubeconfig, fakeapi.cluster


def ready(state: str) -> dict[str, Any]:
    return {"conditions": [{"type": "Ready", "status": "True" if state == "ready" else "False", "reason": state}]}


def application(state: str = "Creating") -> dict[str, Any]:
    meta = {"name": "web", "namespace": "demo"}
    return {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application", "metadata": meta, "status": ready(state)}


@contextlib.contextmanager
def later(seconds: float, action: Callable[[], object]) -> Iterator[None]:
    """Do *action* after *seconds*, from another thread: a controller that acts while the suite waits."""
    timer = threading.Timer(seconds, action)
    timer.start()
    yield
    timer.cancel()


def acting(steps: dict[int, Callable[[], object]]) -> Callable[[KubeObject], Observation]:
    """Ready=True, judged; on its n-th call it also does ``steps[n]``: a controller acting between two looks."""
    calls: list[int] = []
    ready_verdict = conditions.condition_is("Ready")

    def verdict(obj: KubeObject) -> Observation:
        calls.append(1)
        step = steps.get(len(calls))
        if step is not None:
            step()
        return ready_verdict(obj)

    return verdict


def test_a_status_change_is_noticed_as_it_happens_not_at_the_next_poll(
    api: fakeapi.FakeApiServer, cluster: KubeCluster
) -> None:
    api.live.store(APP, application())
    clock = FakeClock()
    started = time.monotonic()
    controller = threading.Timer(0.2, lambda: api.live.set_status(APP, ready("ready")))

    # The controller starts once the wait has read the object, and acts while the wait watches.
    live = Expect(cluster, clock=clock)(APP_REF, acting({1: controller.start}), timeout=60)

    assert str(live.condition("Ready")) == "Ready=True reason=ready"
    assert clock.sleeps == []  # no poll interval was waited out
    assert time.monotonic() - started < 5
    (watch,) = api.watches()
    assert watch.path == APPS
    assert watch.param("fieldSelector") == "metadata.name=web"
    assert (watch.param("resourceVersion"), watch.param("timeoutSeconds")) == ("101", "60")  # from the read
    assert len(api.calls(APP)) == 1  # read once; the change came with the watch


def test_a_closed_watch_resumes_from_the_last_resource_version(
    api: fakeapi.FakeApiServer, cluster: KubeCluster
) -> None:
    api.live.store(APP, application())
    api.live.window = 0.05  # the server closes every stream this soon
    clock = FakeClock()
    verdict = acting(
        {
            1: lambda: api.live.set_status(APP, ready("Progressing")),  # version 102, while no watch is open
            3: lambda: api.live.set_status(APP, ready("ready")),  # version 103
        }
    )

    live = Expect(cluster, clock=clock)(APP_REF, verdict, timeout=30)

    assert str(live.condition("Ready")) == "Ready=True reason=ready"
    # 101 from the read; 102 delivered and the stream closed: resumed at once; closed with nothing new:
    # resumed after one poll interval, and what it missed came with the next stream.
    assert [w.param("resourceVersion") for w in api.watches()] == ["101", "102", "102"]
    assert clock.sleeps == [0.4]
    assert [w.param("timeoutSeconds") for w in api.watches()] == ["30", "30", "29"]  # the time left, whole


def test_an_expired_resource_version_is_watched_again_from_the_current_state(
    api: fakeapi.FakeApiServer, cluster: KubeCluster
) -> None:
    api.live.store(APP, application())
    api.live.compacted = 150  # the object's version is older than the server keeps
    clock = FakeClock()

    live = Expect(cluster, clock=clock)(APP_REF, acting({2: lambda: api.live.set_status(APP, ready("ready"))}))

    assert str(live.condition("Ready")) == "Ready=True reason=ready"
    assert [w.param("resourceVersion") for w in api.watches()] == ["101", None]
    assert clock.sleeps == []


def test_a_deletion_ends_a_wait_for_the_object_to_be_gone(api: fakeapi.FakeApiServer, cluster: KubeCluster) -> None:
    api.live.store(APP, application())
    clock = FakeClock()
    cluster.get(APP_REF)  # discovery first, so that the change cannot come before the wait's read

    with later(0.2, lambda: api.live.remove(APP)):
        Expect(cluster, clock=clock).gone(APP_REF, timeout=60)

    assert clock.sleeps == []
    assert len(api.watches()) == 1


def test_the_object_appearing_is_noticed_as_it_is_created(api: fakeapi.FakeApiServer, cluster: KubeCluster) -> None:
    api.live.track(APP)  # absent for now
    clock = FakeClock()
    cluster.get(APP_REF)  # discovery first, so that the change cannot come before the wait's read

    with later(0.2, lambda: api.live.store(APP, application("ready"))):
        live = Expect(cluster, clock=clock)(APP_REF, conditions.condition_is("Ready"), timeout=60)

    assert live.field("metadata.resourceVersion") == "101"
    assert clock.sleeps == []
    assert api.watches()[0].param("resourceVersion") is None  # nothing was there to resume after


@pytest.mark.parametrize(
    ("path", "ref", "refusal"),
    [
        pytest.param(RELEASE, RELEASE_REF, 405, id="a-kind-the-server-will-not-watch"),
        pytest.param(APP, APP_REF, 403, id="watch-forbidden-get-allowed"),
    ],
)
def test_a_refused_watch_falls_back_to_polling(
    api: fakeapi.FakeApiServer, cluster: KubeCluster, path: str, ref: Ref, refusal: int
) -> None:
    api.live.refusals[path.split("/")[-2]] = refusal  # releases are refused already; applications too, here
    api.live.store(path, {**application(), "apiVersion": ref.api_version, "kind": ref.kind})
    clock = FakeClock()

    live = Expect(cluster, clock=clock)(ref, acting({3: lambda: api.live.set_status(path, ready("ready"))}))

    assert str(live.condition("Ready")) == "Ready=True reason=ready"
    assert len(api.watches()) == 1  # refused once, not asked again in this wait
    assert clock.sleeps == [0.2, 0.4, 0.8]  # polled as before: the change is seen at the next poll
    assert len(api.calls(path)) == 4


def test_a_kind_whose_discovery_lists_no_watch_verb_is_not_asked(
    api: fakeapi.FakeApiServer, cluster: KubeCluster
) -> None:
    with pytest.raises(ApiError) as caught:
        cluster.watch(Ref("v1", "ComponentStatus", "etcd-0"), resource_version=None, timeout=10)

    assert (caught.value.status, caught.value.reason) == (405, "MethodNotAllowed")
    assert api.watches() == []


def test_each_watch_ends_at_the_deadline_and_the_timeout_says_what_was_last_seen(
    api: fakeapi.FakeApiServer, cluster: KubeCluster
) -> None:
    api.live.store(APP, application())
    started = time.monotonic()

    with pytest.raises(WaitTimeout) as caught:
        Expect(cluster, clock=SystemClock())(APP_REF, conditions.condition_is("Ready"), timeout=1.2)

    assert str(caught.value) == "Application demo/web: want Ready=True, is Ready=False reason=Creating (waited 1s)"
    assert 1.2 <= time.monotonic() - started < 3
    assert [w.param("timeoutSeconds") for w in api.watches()] == ["1"]  # the server ended it; then 0.2 s slept


def test_a_watch_stream_masks_the_secrets_it_delivers(
    api: fakeapi.FakeApiServer, cluster: KubeCluster, redactor: Redactor
) -> None:
    path = "/api/v1/namespaces/demo/secrets/db"
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "demo"}}
    api.live.store(path, secret)
    cluster.get(Ref("v1", "Secret", "db", "demo"))  # discovery first, as above

    with later(0.2, lambda: api.live.store(path, {**secret, "data": {"password": "aHVudGVyMi13YXRjaA=="}})):
        Expect(cluster, clock=FakeClock())(
            Ref("v1", "Secret", "db", "demo"), lambda s: Observation.simple(bool(s.raw.get("data")), "want data")
        )

    assert "hunter2-watch" not in redactor.redact("leaked hunter2-watch")
