"""Installing the platform: components start when what they need is ready, run concurrently, can run
twice, and the first failure is reported in one line after the running ones finish.

Helm is a stand-in process (its run time per release set by the test) or a recorder; the cluster is
a ``MemoryCluster`` seeded with the healthy objects of healthy.py.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from cluster.healthy import crd, deployment, healthy_objects, package, statefulset
from cluster.recorders import RecordingCluster, RecordingHelm
from cluster.standins import Standin, write_standin
from oamconf.cluster.components import Component, Install, Manifests, reference_platform
from oamconf.cluster.helm import Helm
from oamconf.cluster.install import DEFAULT_LABELS, ClusterBootstrapError, InstallReport, install_platform
from oamconf.errors import UsageError
from oamconf.k8s.api import Ref
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.reactions import Failure, Match, Reaction
from oamconf.k8s.wait import Clock, FakeClock, SystemClock, WaitPolicy
from oamconf.platform.profile import Profile, load_profile
from oamconf.platform.versions import load_versions

CROSSPLANE = Ref("apps/v1", "Deployment", "crossplane", "crossplane-system")
REPO_SERVER = Ref("apps/v1", "Deployment", "argocd-repo-server", "argocd")
CONTROLLER = Ref("apps/v1", "StatefulSet", "argocd-application-controller", "argocd")
HELM_PROVIDER = Ref("pkg.crossplane.io/v1", "Provider", "provider-helm")
APPLICATIONS_CRD = Ref("apiextensions.k8s.io/v1", "CustomResourceDefinition", "applications.core.oam.dev")

# The stand-in helm sleeps as long as the test says for its release (argv: upgrade --install <release>).
_HELM_BODY = """\
import time
time.sleep({delays!r}.get(sys.argv[3], 0))
"""


@pytest.fixture
def profile() -> Profile:
    return load_profile()


@pytest.fixture
def platform(profile: Profile) -> tuple[Component, ...]:
    return reference_platform(load_versions(), profile)


def healthy_cluster(components: Sequence[Component], cluster: MemoryCluster | None = None) -> MemoryCluster:
    cluster = cluster or MemoryCluster("healthy")
    cluster.seed(healthy_objects(components))
    return cluster


def slow_helm(tmp_path: Path, delays: Mapping[str, float] | None = None) -> tuple[Helm, Standin]:
    standin = write_standin(tmp_path / "bin", "helm", _HELM_BODY.format(delays=dict(delays or {})))
    return Helm(standin.path, kubeconfig=tmp_path / "kubeconfig", context="kind-oam"), standin


def install(
    components: Sequence[Component], cluster: MemoryCluster, helm: Helm, profile: Profile, clock: Clock | None = None
) -> InstallReport:
    return install_platform(
        components, cluster=cluster, helm=helm, profile=profile, policy=WaitPolicy(), clock=clock or FakeClock()
    )


def becomes_healthy_after(
    cluster: MemoryCluster, unhealthy: dict[str, Any], healthy: dict[str, Any], polls: int
) -> None:
    """Seed *unhealthy*; its controller makes it *healthy* after *polls* reads (armed by an apply)."""
    cluster.seed([unhealthy])
    cluster.add_reaction(
        Reaction(on=Match(name=unhealthy["metadata"]["name"]), after_polls=polls, set_status=healthy["status"])
    )
    cluster.apply({k: v for k, v in unhealthy.items() if k != "status"})


def starts_and_ends(component: Component) -> tuple[list[str], list[str]]:
    """Log lines that only happen once *component* has started, and those of it becoming ready."""
    chart = [f"helm {component.install.helm.release}"] if component.install.helm else []
    gates = [f"get {r.ref}" for r in component.install.before_apply]
    manifests = component.install.manifests
    applies = [f"apply {Ref.of(m)}" for m in manifests.documents()] if manifests else []
    return [*chart, *gates, *applies], [f"get {r.ref}" for r in component.ready] or applies or chart


def test_each_component_starts_only_after_everything_it_needs_is_ready(
    platform: tuple[Component, ...], profile: Profile
) -> None:
    log: list[str] = []
    cluster = healthy_cluster(platform, RecordingCluster(log))
    becomes_healthy_after(cluster, deployment(CROSSPLANE, available=False), deployment(CROSSPLANE), polls=3)
    becomes_healthy_after(cluster, package(HELM_PROVIDER, healthy=False), package(HELM_PROVIDER), polls=4)
    becomes_healthy_after(cluster, statefulset(CONTROLLER, ready=0), statefulset(CONTROLLER), polls=2)
    log.clear()

    install(platform, cluster, RecordingHelm(log), profile)

    # Three looks: two see it unavailable, the third sees it become Available: the waits really waited.
    assert log.count(f"get {CROSSPLANE}") == 3
    names = {c.name: c for c in platform}
    for component in platform:
        starts, _ = starts_and_ends(component)
        first_start = min(log.index(line) for line in starts)
        for need in component.needs:
            _, ends = starts_and_ends(names[need])
            last_end = max(i for i, line in enumerate(log) if line in ends)
            assert last_end < first_start, f"{component.name} started before {need} was ready"


def test_the_install_takes_as_long_as_the_slowest_chain_not_the_sum(
    platform: tuple[Component, ...], profile: Profile, tmp_path: Path
) -> None:
    delays = {"crossplane": 1.2, "kubevela": 0.6, "argocd": 0.9}
    helm, standin = slow_helm(tmp_path, delays)
    cluster = healthy_cluster(platform)

    began = time.monotonic()
    report = install(platform, cluster, helm, profile, clock=SystemClock())
    took = time.monotonic() - began

    assert 1.2 <= took < 0.8 * sum(delays.values())
    assert sorted(call[2] for call in standin.calls()) == ["argocd", "crossplane", "kubevela"]
    assert {r.name: r.status for r in report.components} == dict.fromkeys(
        ["crossplane", "crossplane-packages", "provider-configs", "kubevela", "argocd", "platform"], "ready"
    )
    assert report.result("argocd").start == pytest.approx(0, abs=0.3)  # not queued behind crossplane
    platform_start, crossplane_end = report.result("platform").start, report.result("crossplane").end
    assert platform_start is not None
    assert crossplane_end is not None
    assert platform_start >= crossplane_end


def test_a_component_that_never_becomes_ready_fails_in_one_line_after_the_running_ones_finish(
    platform: tuple[Component, ...], profile: Profile, tmp_path: Path
) -> None:
    helm, standin = slow_helm(tmp_path, {"crossplane": 1.0, "kubevela": 0.5})
    cluster = healthy_cluster(platform)
    cluster.seed([deployment(REPO_SERVER, available=False)])

    with pytest.raises(ClusterBootstrapError) as caught:
        install(platform, cluster, helm, profile)

    assert str(caught.value) == (
        "component argocd: Deployment argocd/argocd-repo-server: "
        "want Available=True, is Available=False reason=MinimumReplicasUnavailable (waited 300s, simulated)"
    )
    statuses = {r.name: r.status for r in caught.value.report.components}
    assert statuses == {
        "crossplane": "ready",
        "kubevela": "ready",
        "argocd": "failed",
        "crossplane-packages": "not started",
        "provider-configs": "not started",
        "platform": "not started",
    }
    assert sorted(call[2] for call in standin.calls()) == ["argocd", "crossplane", "kubevela"]
    assert cluster.applied == []  # nothing after crossplane was started
    report = caught.value.report
    assert f"component argocd: {report.result('argocd').message}" == str(caught.value)
    assert ("platform", "not started") in report.rows()
    assert ("argocd", "failed 0s-300s (300s)") in report.rows()


def test_a_crd_that_is_never_established_fails_after_the_profiles_crd_timeout(
    platform: tuple[Component, ...], tmp_path: Path
) -> None:
    cluster = healthy_cluster(platform)
    cluster.seed([crd(APPLICATIONS_CRD, established=False)])
    profile = load_profile(overrides=["timeouts.crd_established=45"])

    with pytest.raises(ClusterBootstrapError) as caught:
        install(platform, cluster, slow_helm(tmp_path)[0], profile)

    assert str(caught.value) == (
        "component kubevela: CustomResourceDefinition applications.core.oam.dev: "
        "want Established=True, is Established=False reason=Installing (waited 45s, simulated)"
    )


def test_installing_twice_applies_the_same_manifests_and_runs_helm_again_without_error(
    platform: tuple[Component, ...], profile: Profile, tmp_path: Path
) -> None:
    helm, standin = slow_helm(tmp_path)
    cluster = healthy_cluster(platform)

    install(platform, cluster, helm, profile)
    first = [o.raw for o in cluster.applied]
    versions = {o.ref: cluster.get(o.ref) for o in cluster.applied}
    install(platform, cluster, helm, profile)
    second = [o.raw for o in cluster.applied[len(first) :]]

    assert len(first) == 13
    assert second == first
    assert {ref: cluster.get(ref) for ref in versions} == versions  # nothing changed, not even resourceVersion
    calls = standin.calls()
    assert len(calls) == 6
    assert sorted(calls[:3]) == sorted(calls[3:])
    assert all(call[:2] == ["upgrade", "--install"] for call in calls)


def test_every_applied_manifest_carries_the_suites_label(
    platform: tuple[Component, ...], profile: Profile, tmp_path: Path
) -> None:
    cluster = healthy_cluster(platform)

    install(platform, cluster, slow_helm(tmp_path)[0], profile)

    assert cluster.applied
    for obj in cluster.applied:
        assert dict(DEFAULT_LABELS).items() <= dict(obj.labels).items()


def test_an_apply_the_api_cannot_take_yet_is_retried(
    platform: tuple[Component, ...], profile: Profile, tmp_path: Path
) -> None:
    cluster = healthy_cluster(platform)
    webhook_down = (
        'Internal error occurred: failed calling webhook "validating.core.oam.dev.v1beta1.componentdefinitions"'
    )
    cluster.add_failure(
        Failure(frozenset({"apply"}), Match(kind="ComponentDefinition"), "server-error", 2, webhook_down)
    )
    clock = FakeClock()

    report = install(platform, cluster, slow_helm(tmp_path)[0], profile, clock=clock)

    assert report.result("platform").status == "ready"
    assert [o.ref.name for o in cluster.applied if o.ref.kind == "ComponentDefinition"] == ["postgresql", "redis"]
    assert len(clock.sleeps) == 2


def test_a_manifest_the_api_rejects_fails_at_once(profile: Profile, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: default}\n", encoding="utf-8")
    clock = FakeClock()

    with pytest.raises(ClusterBootstrapError, match=r"^component broken: apply ConfigMap .*rejected: 422 Invalid"):
        install(
            [Component("broken", Install(manifests=Manifests((broken,))), ())],
            MemoryCluster(),
            slow_helm(tmp_path)[0],
            profile,
            clock,
        )
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("components", "message"),
    [
        pytest.param(
            [Component("a", Install(), (), needs=("nope",))],
            "component a needs nope, which is not a component (a)",
            id="unknown-need",
        ),
        pytest.param(
            [
                Component("a", Install(), (), needs=("c",)),
                Component("b", Install(), (), needs=("a",)),
                Component("c", Install(), (), needs=("b",)),
            ],
            "components need each other in a cycle: a -> c -> b -> a",
            id="cycle",
        ),
        pytest.param(
            [Component("a", Install(), ()), Component("a", Install(), ())],
            "component a is defined twice",
            id="duplicate",
        ),
    ],
)
def test_a_bad_dependency_graph_is_a_usage_error_before_anything_runs(
    components: list[Component], message: str, profile: Profile, tmp_path: Path
) -> None:
    helm, standin = slow_helm(tmp_path)

    with pytest.raises(UsageError) as caught:
        install(components, MemoryCluster(), helm, profile)

    assert str(caught.value) == message
    assert standin.calls() == []
