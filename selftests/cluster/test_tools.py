"""Tool resolution and the Docker preflight: compatible tools on PATH win, the compatibility policy,
where the cache lives, which platform downloads are for, and whether Docker answers.

PATH holds only this test's bin folder (releases.py), so a kind/helm/kubectl on the machine never counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.releases import Site, kubectl_json, release_site
from cluster.standins import put_first_on_path, write_standin
from oamconf.cluster.tools import check_docker, compatible, default_cache_dir, host_os_arch
from oamconf.errors import ConformanceError, UsageError


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    with release_site(tmp_path, monkeypatch) as served:
        yield served


def test_compatible_tools_on_path_are_used_and_nothing_is_downloaded(site: Site) -> None:
    kind = write_standin(site.bin_dir, "kind", 'print("kind v0.32.7 go1.24.1 linux/amd64")')
    helm = write_standin(site.bin_dir, "helm", 'print("v4.0.1+gdeadbee")')
    kubectl = write_standin(site.bin_dir, "kubectl", f"print({kubectl_json('v1.35.2')!r})")

    tools = site.resolve()

    assert [(t.path, t.version, t.source) for t in (tools.kind, tools.helm, tools.kubectl)] == [
        (kind.path, "v0.32.7", "PATH"),
        (helm.path, "v4.0.1", "PATH"),
        (kubectl.path, "v1.35.2", "PATH"),
    ]
    assert kind.calls() == [["version"]]
    assert helm.calls() == [["version", "--short"]]
    assert kubectl.calls() == [["version", "--client", "-o", "json"]]
    assert site.server.requests == []
    assert site.cached_files() == []


@pytest.mark.parametrize(
    ("name", "found", "expected"),
    [
        pytest.param("kind", "v0.32.9", True, id="kind-same-minor"),
        pytest.param("kind", "v0.33.0", False, id="kind-next-minor"),
        pytest.param("helm", "v4.0.0", True, id="helm-same-major"),
        pytest.param("helm", "v3.19.0", False, id="helm-older-major"),
        pytest.param("kubectl", "v1.35.0", True, id="kubectl-one-minor-older"),
        pytest.param("kubectl", "v1.37.4", True, id="kubectl-one-minor-newer"),
        pytest.param("kubectl", "v1.34.9", False, id="kubectl-two-minors-older"),
        pytest.param("kubectl", "v1.38.0", False, id="kubectl-two-minors-newer"),
        pytest.param("kubectl", "garbage", False, id="unreadable-version"),
    ],
)
def test_compatibility_follows_each_tools_policy(name: str, found: str, expected: bool) -> None:  # noqa: FBT001
    pinned = {"kind": "v0.32.0", "helm": "v4.2.3", "kubectl": "v1.36.1"}[name]
    assert compatible(name, pinned, found) is expected


def test_the_cache_dir_comes_from_the_environment_or_the_home_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("OAMCONF_CACHE_DIR", raising=False)
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "oam-vcluster-conformance" / "tools"

    monkeypatch.setenv("OAMCONF_CACHE_DIR", str(tmp_path / "ci-cache"))
    assert default_cache_dir() == tmp_path / "ci-cache"


@pytest.mark.parametrize(
    ("system", "machine", "expected"),
    [
        ("Linux", "x86_64", ("linux", "amd64")),
        ("Linux", "aarch64", ("linux", "arm64")),
        ("Darwin", "arm64", ("darwin", "arm64")),
    ],
)
def test_the_host_platform_is_named_as_release_urls_name_it(
    system: str, machine: str, expected: tuple[str, str]
) -> None:
    assert host_os_arch(system, machine) == expected


def test_a_platform_without_downloads_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"^no kind/helm/kubectl downloads for Windows/AMD64: install"):
        host_os_arch("Windows", "AMD64")


def test_missing_docker_asks_to_install_it_or_use_a_kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    put_first_on_path(monkeypatch, tmp_path, only=True)

    with pytest.raises(UsageError) as caught:
        check_docker()

    assert str(caught.value) == (
        "docker not found on PATH: install Docker (kind runs its nodes as Docker containers), "
        "test an existing cluster with --kubeconfig, or run the local tier with --local (no Docker)"
    )


def test_a_docker_daemon_that_is_down_is_reported_with_dockers_own_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    said = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"
    write_standin(tmp_path, "docker", f"sys.stderr.write({said!r} + '\\n')\nsys.exit(1)")
    put_first_on_path(monkeypatch, tmp_path, only=True)

    with pytest.raises(ConformanceError) as caught:
        check_docker()

    assert not isinstance(caught.value, UsageError)
    assert str(caught.value) == (
        f"Docker daemon not reachable ({said}): start Docker, test an existing cluster with --kubeconfig, "
        "or run the local tier with --local (no Docker)"
    )


def test_a_running_docker_daemon_reports_its_server_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docker = write_standin(tmp_path, "docker", 'print("28.2.2")')
    put_first_on_path(monkeypatch, tmp_path, only=True)

    assert check_docker() == "28.2.2"
    assert docker.calls() == [["info", "--format", "{{.ServerVersion}}"]]
