"""One real control plane for the whole self-test session (start-up takes seconds), built from the pinned Go
modules or taken from the tool cache. Never skipped: with no Go and no cached binaries the fixture fails
with the one line saying what to install."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from oamconf.cluster.commands import environment
from oamconf.cluster.localcp.build import binaries
from oamconf.cluster.localcp.components import Binaries
from oamconf.cluster.localcp.controlplane import CONTEXT, LocalControlPlane, running
from oamconf.cluster.tools import default_cache_dir
from oamconf.errors import ConformanceError
from oamconf.k8s.api import Ref
from oamconf.k8s.expect import Expect
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.wait import Observation
from oamconf.redact import Redactor

UNCACHED = "podtemplates"


@pytest.fixture(scope="session", autouse=True)
def kube_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """kubectl's and helm's discovery cache for these control planes in the session's temporary folder, as a
    ``--local`` run keeps it in its data: not in ~/.kube/cache, where each address would leave a folder behind."""
    with environment(KUBECACHEDIR=str(tmp_path_factory.mktemp("kube-cache"))):
        yield


@pytest.fixture(scope="session")
def local_binaries() -> Binaries:
    try:
        return binaries(default_cache_dir())
    except ConformanceError as err:
        pytest.fail(str(err), pytrace=False)


# PodTemplates bypass the watch cache, so a watch of one is served by etcd and meets its compaction (410) at
# once; every other kind keeps the default cache, which replays history a watch asks for (test_real_watch).
FLAGS = {"kube-apiserver": [f"--watch-cache-sizes={UNCACHED}#0"]}


@pytest.fixture(scope="session")
def plane(local_binaries: Binaries, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalControlPlane]:
    with running(local_binaries, tmp_path_factory.mktemp("localcp"), flags=FLAGS) as started:
        yield started


@pytest.fixture(scope="module")
def own_plane(local_binaries: Binaries, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalControlPlane]:
    """A control plane of the module's own (seconds to start), for a module that what other modules install on the
    session's would disturb: the CRDs Crossplane's package manager owns, a watch cache window others' writes move.
    A module takes it by overriding ``plane`` with a module-scoped fixture that returns it."""
    with running(local_binaries, tmp_path_factory.mktemp("own-localcp"), flags=FLAGS) as started:
        yield started


@pytest.fixture(scope="session")
def redactor() -> Redactor:
    return Redactor()


@pytest.fixture
def cluster(plane: LocalControlPlane, redactor: Redactor) -> Iterator[KubeCluster]:
    backend = KubeCluster.from_kubeconfig(plane.kubeconfig, CONTEXT, secrets=redactor)
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def admin(plane: LocalControlPlane) -> Iterator[KubeCluster]:
    """The admin's client for a whole module (its module-scoped fixtures install through it)."""
    backend = KubeCluster.from_kubeconfig(plane.kubeconfig, CONTEXT)
    yield backend
    backend.close()


@pytest.fixture
def namespace(cluster: KubeCluster) -> Iterator[str]:
    """A namespace of this test's own, deleted after it (its objects go with it)."""
    name = f"lcp-{secrets.token_hex(3)}"
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    # kube-controller-manager writes these two into every new namespace; once they exist, nothing else writes
    # there on its own (test_real_watch's compaction case needs no write between two of its own).
    expect = Expect(cluster)
    for ref in (Ref("v1", "ServiceAccount", "default", name), Ref("v1", "ConfigMap", "kube-root-ca.crt", name)):
        expect(ref, lambda _obj: Observation.succeeded("exists"), timeout=30)
    yield name
    cluster.delete(Ref("v1", "Namespace", name))
