"""Phase 3's databases on the real control plane, reached as on kind: through the API server's port-forward.

Each test installs a stand-in chart (``fixtures/local/charts``) with helm and the values the platform's real
ComponentDefinition renders (``vela dry-run`` of KubeVela v1.10.9), waits for the pod kwok runs, starts the real
server the pod stands for with the password from the Secret the test created, and probes it with the suite's own
probe through ``KubeCluster.port_forward`` (kubectl built at the control plane's Kubernetes): API server ->
kwok's kubelet endpoint (TLS verified against the run's CA) -> the pod's PortForward -> the real server. A wrong
password is refused by the real server, in its own words, and the hint catalogue names the cause.
"""

from __future__ import annotations

import base64
import contextlib
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from localcp.rendered import rendered_release
from oamconf.cluster import gobuild
from oamconf.cluster.localcp.controlplane import LocalControlPlane
from oamconf.cluster.localcp.databases import bind_claims, serving, stand_in_chart
from oamconf.cluster.localcp.standins import STAND_IN_LABEL, Supervisor, supervising
from oamconf.cluster.tools import default_cache_dir
from oamconf.errors import ConformanceError, ProbeFailed
from oamconf.k8s.api import Ref
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.wait import Observation, State, WaitPolicy, wait_until
from oamconf.probes.postgres import probe_postgres
from oamconf.probes.redis import probe_redis
from oamconf.steps.hints import matching_rule

POD_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def tools() -> dict[str, Path]:
    try:
        built = gobuild.ensure_all(("helm", "kubectl"), cache_dir=default_cache_dir())
    except ConformanceError as err:
        pytest.fail(str(err), pytrace=False)
    return {item.tool.name: item.path for item in built}


@pytest.fixture
def pinned_kubectl(tools: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """``KubeCluster.port_forward`` runs the ``kubectl`` on PATH: the one built at the plane's Kubernetes."""
    monkeypatch.setenv("PATH", f"{tools['kubectl'].parent}:{Path('/usr/bin')}:{Path('/bin')}")


def _helm_install(helm: Path, plane: LocalControlPlane, release: dict[str, Any], chart: Path, folder: Path) -> str:
    """``helm install`` of *chart* as provider-helm would: the Release's external name, namespace and values."""
    name = release["metadata"]["annotations"]["crossplane.io/external-name"]
    values = folder / "values.yaml"
    values.write_text(yaml.safe_dump(release["spec"]["forProvider"]["values"]), encoding="utf-8")
    namespace = release["spec"]["forProvider"]["namespace"]
    argv = [str(helm), "install", name, str(chart), "-n", namespace, "-f", str(values),
            "--kubeconfig", str(plane.kubeconfig)]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603 - our argv
    assert done.returncode == 0, done.stderr
    return str(name)


def _secret(cluster: KubeCluster, namespace: str, name: str, values: dict[str, str]) -> None:
    data = {key: base64.b64encode(value.encode()).decode() for key, value in values.items()}
    cluster.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace},
                   "type": "Opaque", "data": data})  # fmt: skip


@contextlib.contextmanager
def _running_pod(cluster: KubeCluster, pod: Ref) -> Iterator[Ref]:
    """Wait for *pod* Running and Ready under kwok, binding its claims as they appear (nothing provisions them)."""
    volumes: list[Ref] = []

    def check() -> Observation:
        volumes.extend(bind_claims(cluster, pod.namespace or "default"))
        live = cluster.get(pod)
        ready = live.condition("Ready") if live else None
        phase = live.field("status.phase") if live else "absent"
        return Observation.simple(phase == "Running" and ready is not None and ready.status == "True",
                                  f"want Running and Ready, is {phase}, Ready={ready}")  # fmt: skip

    try:
        wait_until(check, subject=str(pod), timeout=POD_TIMEOUT, policy=WaitPolicy(first_interval=0.2, max_interval=1))
        yield pod
    finally:
        for volume in volumes:
            cluster.delete(volume)


def _served(supervisor: Supervisor, pod: Ref) -> Observation:
    if any(served.pod == pod for served in supervisor.served.values()):
        return Observation.succeeded(f"{pod} served")
    failed = [why for key, why in supervisor.failures.items() if key.startswith(f"{pod.namespace}/{pod.name} ")]
    return Observation.failed(failed[0]) if failed else Observation.pending(f"{pod} not served yet")


def _ready(cluster: KubeCluster, pod: Ref) -> Observation:
    live = cluster.get(pod)
    ready = live.condition("Ready") if live else None
    return Observation.simple(ready is not None and ready.status == "True", f"{pod} Ready={ready}")


@pytest.mark.usefixtures("pinned_kubectl")
def test_postgresql_behind_the_stand_in_chart_takes_the_secret_s_password_through_the_port_forward(
    plane: LocalControlPlane, cluster: KubeCluster, namespace: str, tools: dict[str, Path], tmp_path: Path
) -> None:
    """The app user logs in with the Secret's password and writes; a wrong password gets PostgreSQL's refusal."""
    passwords = {"postgres-password": secrets.token_urlsafe(18), "password": secrets.token_urlsafe(18)}
    _secret(cluster, namespace, "creds", passwords)
    props = {"username": "testuser", "database": "testdb", "existingSecret": "creds"}
    release = rendered_release(
        "postgresql", app="test-postgres-only", component="test-db", namespace=namespace, props=props
    )
    fullname = _helm_install(tools["helm"], plane, release, stand_in_chart("postgresql"), tmp_path)

    pod = Ref("v1", "Pod", f"{fullname}-0", namespace)
    with _running_pod(cluster, pod):
        # The route is kwok's: until the pod has its server (and PortForward), kwok hangs up on the forward (and
        # kubectl then exits: "error: lost connection to pod").
        with cluster.port_forward(namespace, fullname, 5432) as endpoint, pytest.raises(ProbeFailed) as unserved:
            probe_postgres(endpoint, user="testuser", password=passwords["password"], database="testdb")
        with serving(cluster, pod, tmp_path / "servers"), cluster.port_forward(namespace, fullname, 5432) as endpoint:
            probe = probe_postgres(endpoint, user="testuser", password=passwords["password"], database="testdb")
            with pytest.raises(ProbeFailed) as refused:
                probe_postgres(endpoint, user="testuser", password="not-the-secret", database="testdb")

    assert "server closed the connection unexpectedly" in str(unserved.value.__cause__), unserved.value

    assert probe.server_version.startswith("PostgreSQL 15"), probe
    assert probe.wrote_and_read
    server_said = str(refused.value.__cause__)
    assert 'FATAL:  password authentication failed for user "testuser"' in server_said, server_said
    rule = matching_rule(server_said)
    assert rule is not None, server_said
    assert rule[0].name == "postgres-password-rejected", server_said


@pytest.mark.usefixtures("pinned_kubectl")
def test_redis_behind_the_stand_in_chart_takes_auth_ping_and_an_expiring_set_through_the_port_forward(
    *,
    plane: LocalControlPlane,
    cluster: KubeCluster,
    admin: KubeCluster,
    namespace: str,
    tools: dict[str, Path],
    tmp_path: Path,
) -> None:
    """AUTH with the Secret's password, PING, SET with expiry; a wrong password gets Redis's WRONGPASS."""
    password = secrets.token_urlsafe(18)
    _secret(cluster, namespace, "creds", {"redis-password": password})
    props = {"existingSecret": "creds"}
    release = rendered_release("redis", app="test-redis-only", component="cache", namespace=namespace, props=props)
    fullname = _helm_install(tools["helm"], plane, release, stand_in_chart("redis"), tmp_path)

    # As the local tier runs phase 3: the supervisor serves each stand-in pod as it appears, then binds its claim,
    # and kwok runs the pod; phase 3 waits for the StatefulSet ready before it forwards, and so does this test
    # (served is not yet Running: a forward then got "pod is not running. Current status=Pending" in a CI run).
    # The supervisor's thread has *cluster* to itself: the test watches the pod through the admin's own client.
    pod = Ref("v1", "Pod", f"{fullname}-master-0", namespace)
    with supervising(cluster, tmp_path / "servers") as supervisor:
        wait_until(lambda: _served(supervisor, pod), subject=f"{pod} served", timeout=POD_TIMEOUT)
        wait_until(lambda: _ready(admin, pod), subject=f"{pod} Ready", timeout=POD_TIMEOUT)
        with cluster.port_forward(namespace, f"{fullname}-master", 6379) as endpoint:
            probe = probe_redis(endpoint, password=password)
            with pytest.raises(ProbeFailed) as refused:
                probe_redis(endpoint, password="not-the-secret")

    assert probe.server_version.startswith("Redis "), probe
    assert probe.round_trip
    server_said = str(refused.value.__cause__)
    # The server replies "-WRONGPASS invalid username-password pair or user is disabled."; redis-py drops the code.
    assert "invalid username-password pair or user is disabled" in server_said, server_said
    rule = matching_rule(server_said)
    assert rule is not None, server_said
    assert rule[0].name == "redis-password-rejected", server_said


@pytest.mark.usefixtures("pinned_kubectl")
def test_a_stand_in_postgresql_pod_is_ready_only_once_its_server_answers(
    *,
    plane: LocalControlPlane,
    cluster: KubeCluster,
    admin: KubeCluster,
    namespace: str,
    tools: dict[str, Path],
    tmp_path: Path,
) -> None:
    """As a kubelet makes a pod Ready only once its container answers, the supervisor lets kwok schedule a stand-in
    pod only once its server runs: probed the moment it is Ready, through the port-forward, PostgreSQL answers
    (made Ready first, the pod was reached before initdb had finished, and kwok hung up on 3.2 in a CI run)."""
    password = secrets.token_urlsafe(18)
    _secret(cluster, namespace, "creds", {"postgres-password": secrets.token_urlsafe(18), "password": password})
    props = {"username": "testuser", "database": "testdb", "existingSecret": "creds"}
    release = rendered_release("postgresql", app="ready-db", component="db", namespace=namespace, props=props)
    fullname = _helm_install(tools["helm"], plane, release, stand_in_chart("postgresql"), tmp_path)

    pod = Ref("v1", "Pod", f"{fullname}-0", namespace)
    # The supervisor's thread has *cluster* to itself: the test watches the pod through the admin's own client.
    with supervising(cluster, tmp_path / "servers") as supervisor:
        wait_until(lambda: _ready(admin, pod), subject=f"{pod} Ready", timeout=POD_TIMEOUT,
                   policy=WaitPolicy(first_interval=0.1, max_interval=0.2))  # fmt: skip
        with cluster.port_forward(namespace, fullname, 5432) as endpoint:
            probe = probe_postgres(endpoint, user="testuser", password=password, database="testdb")
        served = _served(supervisor, pod)

    assert served.state is State.SUCCEEDED, served.message
    assert probe.wrote_and_read


def _claim(namespace: str, name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}  # fmt: skip


def test_a_stand_in_claim_is_held_before_its_pod_exists_and_any_other_claim_is_bound(
    cluster: KubeCluster, admin: KubeCluster, namespace: str, tmp_path: Path
) -> None:
    """The StatefulSet controller creates a claim before its pod. A stand-in's claim bound in a round between the
    two let kwok run the pod before its server ran (3.2 in a CI run: kwok's "no forward found for port 5432"):
    the supervisor holds every claim the stand-in charts label until its pod is served, and binds the others."""
    stand_in = Ref("v1", "PersistentVolumeClaim", "data-db-0", namespace)
    other = Ref("v1", "PersistentVolumeClaim", "other-0", namespace)
    with supervising(cluster, tmp_path / "servers", interval=0.2) as supervisor:
        admin.apply(_claim(namespace, stand_in.name, {STAND_IN_LABEL: "true", "app.kubernetes.io/name": "db"}))
        admin.apply(_claim(namespace, other.name, {}))  # created after it: a round that sees it sees both
        wait_until(lambda: Observation.simple(bool(supervisor.volumes), "no volume made yet"), subject="a volume",
                   timeout=POD_TIMEOUT)  # fmt: skip
        volumes = list(supervisor.volumes)
        live = admin.get(stand_in)

    assert [v.name for v in volumes] == [f"oamconf-local-{namespace}-other-0"]
    assert live is not None
    assert live.field("spec.volumeName") is None, live.field("spec")
    assert live.field("status.phase") == "Pending"
