"""The bootstrap recipe end to end: stand-in kind, helm, kubectl and docker processes, and the
in-memory cluster standing in for the one kind would create."""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from cluster.healthy import healthy_objects
from cluster.kindfake import FakeKind, fake_kind
from cluster.standins import Standin, put_first_on_path, write_standin
from oamconf.cluster.bootstrap import KIND_CONFIG, Bootstrap, BootstrapSettings
from oamconf.cluster.components import reference_platform
from oamconf.cluster.install import ClusterBootstrapError
from oamconf.cluster.lifecycle import ClusterOptions
from oamconf.cluster.stuck_definitions import NUDGE
from oamconf.errors import UsageError
from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster, Ref
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.wait import FakeClock, WaitPolicy
from oamconf.platform.paths import fixtures_dir
from oamconf.platform.profile import load_profile
from oamconf.platform.versions import load_versions
from oamconf.redact import Redactor

FIXTURES = fixtures_dir()

HELM = "import sys\nif sys.argv[1:2] == ['version']:\n    print('v4.2.3+g0000000')\n"
# vela-core v1.10.9, as a fresh-clone CI run showed it
STUCK = (
    "cannot generate DefinitionRevision of redis: get the definitionRevision redis-v1: "
    'DefinitionRevision.core.oam.dev "redis-v1" not found'
)
KUBECTL = 'print(\'{"clientVersion": {"gitVersion": "v1.36.1"}}\')'


@dataclass
class Rig:
    bootstrap: Bootstrap
    kind: FakeKind
    helm: Standin
    memory: MemoryCluster
    work: Path


def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: ClusterOptions, *, healthy: bool = True) -> Rig:
    bin_dir = tmp_path / "bin"
    kind = fake_kind(bin_dir)
    helm = write_standin(bin_dir, "helm", HELM)
    write_standin(bin_dir, "kubectl", KUBECTL)
    write_standin(bin_dir, "docker", "print('28.2.2')")
    put_first_on_path(monkeypatch, bin_dir, only=True)
    versions, profile = load_versions(), load_profile()
    memory = MemoryCluster("kind-oamconf-e2e")
    objects = healthy_objects(reference_platform(versions, profile))
    if not healthy:  # Argo CD's repo-server never becomes Available
        objects = [o for o in objects if o["metadata"]["name"] != "argocd-repo-server"]
    memory.seed(objects)

    def connect(kubeconfig: Path | None, context: str | None, redactor: Redactor) -> tuple[Cluster, str]:
        del redactor
        assert kubeconfig == tmp_path / "work" / "kubeconfig"
        assert context == "kind-oamconf-e2e"
        return memory, "v1.36.1"

    settings = BootstrapSettings(
        options, versions, profile, tmp_path / "reports", tmp_path / "work", tmp_path / "cache"
    )
    boot = Bootstrap(settings, Redactor(), WaitPolicy(), FakeClock(), connect_to=connect)
    return Rig(boot, kind, helm, memory, tmp_path / "work")


def test_a_default_run_creates_the_cluster_installs_the_platform_and_deletes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = rig(tmp_path, monkeypatch, ClusterOptions())
    r.bootstrap.up()
    create = next(call for call in r.kind.calls() if call[:2] == ["create", "cluster"])
    node_image = load_versions().cluster.node_image
    assert ["--image", node_image] == create[create.index("--image") : create.index("--image") + 2]
    assert create[create.index("--config") + 1] == str(FIXTURES / KIND_CONFIG)
    releases = sorted(call[2] for call in r.helm.calls() if call[:2] == ["upgrade", "--install"])
    assert releases == ["argocd", "crossplane", "kubevela"]
    assert all(str(r.work / "kubeconfig") in call for call in r.helm.calls() if call[0] == "upgrade")
    provider = Ref("pkg.crossplane.io/v1", "Provider", "provider-helm")
    applied = [o for o in r.memory.applied if o.ref == provider]
    assert applied
    assert applied[0].labels["app.kubernetes.io/managed-by"] == "oam-vcluster-conformance"
    assert applied[0].labels["oamconf.io/run-id"] == r.bootstrap.run_id
    assert r.work.stat().st_mode & 0o777 == 0o700  # the admin kubeconfig's folder is private
    assert r.bootstrap.facts["Kubernetes server"] == "v1.36.1"
    assert r.bootstrap.facts["Install platform"].startswith("ready")
    r.bootstrap.down(any_step_failed=False)
    assert r.kind.verbs()[-2:] == ["export logs", "delete cluster"]
    assert r.kind.clusters() == []


def test_a_definition_vela_core_left_stuck_on_its_revision_is_nudged_and_the_header_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = rig(tmp_path, monkeypatch, ClusterOptions())
    redis = kinds.COMPONENT_DEFINITION.ref("redis", "vela-system")
    stuck = {"type": "Synced", "status": "False", "reason": "ReconcileError", "message": STUCK}
    # What vela-core wrote of the definition the install then applies (an apply leaves status as it is).
    r.memory.seed(
        [
            {
                "apiVersion": redis.api_version,
                "kind": redis.kind,
                "metadata": {"name": "redis", "namespace": "vela-system"},
                "status": {"conditions": [stuck]},
            }
        ]
    )

    r.bootstrap.up()

    nudged = r.memory.get(redis)
    assert nudged is not None
    assert NUDGE in nudged.annotations
    assert r.bootstrap.facts["Definitions nudged"].startswith("vela-core left redis at Synced=False")
    postgresql = r.memory.get(kinds.COMPONENT_DEFINITION.ref("postgresql", "vela-system"))
    assert postgresql is not None
    assert NUDGE not in postgresql.annotations


def test_a_run_whose_definitions_synced_nudges_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = rig(tmp_path, monkeypatch, ClusterOptions())
    r.bootstrap.up()
    assert "Definitions nudged" not in r.bootstrap.facts
    assert not [o for o in r.memory.applied if NUDGE in o.annotations]


def test_a_failed_step_keeps_the_cluster_for_debugging_after_exporting_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = rig(tmp_path, monkeypatch, ClusterOptions())
    r.bootstrap.up()
    r.bootstrap.down(any_step_failed=True)
    assert r.kind.verbs()[-1] == "export logs"
    assert r.kind.clusters() == ["oamconf-e2e"]
    assert "kept" in r.bootstrap.facts["Cluster mode"]


def test_a_component_that_never_becomes_ready_fails_in_one_line_and_keeps_the_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = rig(tmp_path, monkeypatch, ClusterOptions(), healthy=False)
    with pytest.raises(ClusterBootstrapError) as caught:
        r.bootstrap.up()
    assert (
        str(caught.value)
        == "component argocd: Deployment argocd/argocd-repo-server: not found yet (waited 300s, simulated)"
    )
    assert "\n" not in str(caught.value)
    r.bootstrap.down(any_step_failed=True)
    assert r.kind.clusters() == ["oamconf-e2e"]


def test_an_existing_cluster_is_only_connected_to(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kubeconfig = tmp_path / "work" / "kubeconfig"
    kubeconfig.parent.mkdir(parents=True)
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: kind-oamconf-e2e\nclusters: [{name: c, cluster: "
        "{server: 'https://127.0.0.1:1'}}]\ncontexts: [{name: kind-oamconf-e2e, context: {cluster: c, user: u}}]\n"
        "users: [{name: u, user: {}}]\n",
        encoding="utf-8",
    )
    r = rig(tmp_path, monkeypatch, ClusterOptions(kubeconfig=kubeconfig))
    r.bootstrap.up()
    r.bootstrap.down(any_step_failed=False)
    assert r.kind.calls() == []
    assert r.helm.calls() == []
    assert r.memory.applied == []
    assert r.memory.deleted == []


def test_a_manifest_that_does_not_parse_stops_the_run_before_any_cluster_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, fixtures, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    broken = fixtures / "platform" / "crossplane" / "provider-helm.yaml"
    broken.write_text(broken.read_text(encoding="utf-8") + "\n---\nkind: [unclosed\n", encoding="utf-8")
    r = rig(tmp_path, monkeypatch, ClusterOptions())
    r.bootstrap.settings = dataclasses.replace(r.bootstrap.settings, fixtures=fixtures)
    with pytest.raises(UsageError) as caught:
        r.bootstrap.up()
    assert str(caught.value).startswith(f"{broken}:")
    assert "\n" not in str(caught.value)
    assert r.kind.calls() == []
    assert r.helm.calls() == []


def test_an_override_the_fixtures_do_not_honour_is_refused_before_any_cluster_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = rig(tmp_path, monkeypatch, ClusterOptions())
    versions = load_versions(overrides=["vcluster.chart_version=0.37.0"])
    r.bootstrap.settings = dataclasses.replace(r.bootstrap.settings, versions=versions)
    with pytest.raises(UsageError, match=r"^cannot install the platform as asked: .*vcluster.*0\.37\.0"):
        r.bootstrap.up()
    assert r.kind.calls() == []
