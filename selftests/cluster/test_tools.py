"""Tool provisioning and the Docker preflight, against a real HTTP server and real processes.

The served "releases" are small Python scripts that print a version, and a helm .tar.gz built
here; PATH holds only this test's bin folder, so a kind/helm/kubectl on the machine never counts.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cluster.standins import put_first_on_path, write_standin
from cluster.toolserver import ToolServer, serve_tools
from oamconf.cluster.commands import run
from oamconf.cluster.tools import (
    ResolvedTools,
    check_docker,
    compatible,
    default_cache_dir,
    host_os_arch,
    resolve_tools,
)
from oamconf.errors import ConformanceError, UsageError
from oamconf.platform.versions import Checksums, Tool, Tools
from probes.servers import refusing_port

LINUX_AMD64 = ("linux", "amd64")
KIND_PATH = "/kind/v0.32.0/kind-linux-amd64"
HELM_PATH = "/helm/helm-v4.2.3-linux-amd64.tar.gz"
KUBECTL_PATH = "/kubectl/v1.36.1/bin/linux/amd64/kubectl"


def script(output: str) -> bytes:
    """A stand-in release binary: prints *output* whatever its arguments."""
    return f"#!{sys.executable}\nimport sys\nsys.stdout.write({output!r})\n".encode()


def tar_gz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def kubectl_json(version: str) -> str:
    return json.dumps({"clientVersion": {"gitVersion": version, "platform": "linux/amd64"}, "kustomizeVersion": "v5"})


KIND = script("kind v0.32.0 go1.24.1 linux/amd64\n")
HELM = script("v4.2.3+g1234abc\n")
KUBECTL = script(kubectl_json("v1.36.1"))
HELM_TGZ = tar_gz({"linux-amd64/helm": HELM, "linux-amd64/LICENSE": b"Apache-2.0\n"})
RELEASES = {KIND_PATH: KIND, HELM_PATH: HELM_TGZ, KUBECTL_PATH: KUBECTL}


@dataclass(frozen=True)
class Site:
    """The release server, this test's PATH folder and its tool cache."""

    server: ToolServer
    bin_dir: Path
    cache_dir: Path

    def pins(self, *, base: str | None = None, kind: str = sha256(KIND), helm: str = sha256(HELM_TGZ)) -> Tools:
        """Pins like fixtures/versions.toml's, pointing at this server (or *base*), pinned for linux_amd64."""
        root = base or self.server.base_url
        return Tools(
            kind=Tool("v0.32.0", root + "/kind/{version}/kind-{os}-{arch}", _linux_amd64(kind)),
            helm=Tool("v4.2.3", root + "/helm/helm-{version}-{os}-{arch}.tar.gz", _linux_amd64(helm)),
            kubectl=Tool("v1.36.1", root + "/kubectl/{version}/bin/{os}/{arch}/kubectl", _linux_amd64(sha256(KUBECTL))),
        )

    def resolve(self, pins: Tools | None = None) -> ResolvedTools:
        return resolve_tools(pins or self.pins(), cache_dir=self.cache_dir, os_arch=LINUX_AMD64)

    def cached_files(self) -> list[str]:
        return sorted(p.relative_to(self.cache_dir).as_posix() for p in self.cache_dir.rglob("*") if p.is_file())


def _linux_amd64(digest: str) -> Checksums:
    return Checksums(linux_amd64=digest, linux_arm64="", darwin_amd64="", darwin_arm64="")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    put_first_on_path(monkeypatch, bin_dir, only=True)
    monkeypatch.setenv("no_proxy", "127.0.0.1")  # a proxy in the environment must not intercept loopback
    with serve_tools(RELEASES) as server:
        yield Site(server, bin_dir, tmp_path / "cache")


def output(path: Path, *args: str) -> str:
    return run([path, *args], timeout=10).stdout


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


def test_incompatible_tools_on_path_are_replaced_by_verified_downloads(site: Site) -> None:
    write_standin(site.bin_dir, "kind", 'print("kind v0.31.0 go1.24.1 linux/amd64")')
    write_standin(site.bin_dir, "helm", 'print("v3.19.0+g3d8990f")')
    write_standin(site.bin_dir, "kubectl", f"print({kubectl_json('v1.34.0')!r})")

    tools = site.resolve()

    assert [(t.source, t.version) for t in (tools.kind, tools.helm, tools.kubectl)] == [
        ("download", "v0.32.0"),
        ("download", "v4.2.3"),
        ("download", "v1.36.1"),
    ]
    assert sorted(site.server.requests) == sorted(RELEASES)
    assert tools.kind.path == site.cache_dir / "kind" / "v0.32.0" / "kind"
    assert output(tools.kind.path, "version") == "kind v0.32.0 go1.24.1 linux/amd64\n"
    assert json.loads(output(tools.kubectl.path, "version", "--client", "-o", "json"))["clientVersion"] == {
        "gitVersion": "v1.36.1",
        "platform": "linux/amd64",
    }


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


def test_a_verified_cached_copy_is_reused_without_a_request(site: Site) -> None:
    site.resolve()
    site.server.requests.clear()

    tools = site.resolve()

    assert [t.source for t in (tools.kind, tools.helm, tools.kubectl)] == ["cache", "cache", "cache"]
    assert site.server.requests == []
    assert output(tools.helm.path, "version", "--short") == "v4.2.3+g1234abc\n"


def test_a_cached_copy_that_no_longer_matches_its_pin_is_downloaded_again(site: Site) -> None:
    first = site.resolve()
    first.kind.path.write_bytes(script("kind v0.32.0 tampered\n"))
    first.helm.path.write_bytes(script("v4.2.3 tampered\n"))
    site.server.requests.clear()

    tools = site.resolve()

    assert [t.source for t in (tools.kind, tools.helm, tools.kubectl)] == ["download", "download", "cache"]
    assert sorted(site.server.requests) == [HELM_PATH, KIND_PATH]
    assert output(tools.helm.path, "version") == "v4.2.3+g1234abc\n"


def test_a_wrong_checksum_names_tool_url_and_both_digests_and_leaves_the_cache_empty(site: Site) -> None:
    expected = sha256(b"the release that was pinned")

    with pytest.raises(ConformanceError) as caught:
        site.resolve(site.pins(kind=expected))

    assert str(caught.value) == (
        f"kind v0.32.0 from {site.server.base_url}{KIND_PATH}: sha256 mismatch, expected {expected}, "
        f"got {sha256(KIND)}: nothing was installed; check the pin in fixtures/versions.toml "
        "against the release's published checksum"
    )
    assert site.server.requests == [KIND_PATH]
    assert list(site.cache_dir.iterdir()) == []


def test_an_empty_pin_asks_for_a_tool_on_path_or_a_published_checksum(site: Site) -> None:
    with pytest.raises(UsageError) as caught:
        site.resolve(site.pins(kind=""))

    assert str(caught.value) == (
        "no sha256 pinned for kind v0.32.0 linux_amd64 (fixtures/versions.toml [tools.kind.sha256]): "
        "install kind v0.32.x on PATH, or pin the checksum published with the release"
    )
    assert site.server.requests == []


def test_a_missing_release_is_one_line_naming_the_url_and_the_404(site: Site) -> None:
    with pytest.raises(ConformanceError) as caught:
        site.resolve(site.pins(base=site.server.base_url + "/moved"))

    assert str(caught.value) == (
        f"could not download kind v0.32.0 from {site.server.base_url}/moved{KIND_PATH} (HTTP 404 Not Found): "
        "check the network and proxy, or the url in fixtures/versions.toml [tools.kind]"
    )
    assert list(site.cache_dir.iterdir()) == []


def test_a_refused_connection_is_one_line_naming_the_url(site: Site) -> None:
    with refusing_port() as port, pytest.raises(ConformanceError) as caught:
        site.resolve(site.pins(base=f"http://127.0.0.1:{port.port}"))

    message = str(caught.value)
    assert message.startswith(f"could not download kind v0.32.0 from http://127.0.0.1:{port.port}{KIND_PATH} (")
    assert "Connection refused" in message
    assert "\n" not in message


def test_the_helm_binary_is_extracted_from_its_archive_alone_and_runs(site: Site) -> None:
    tools = site.resolve()

    assert tools.helm.path == site.cache_dir / "helm" / "v4.2.3" / "helm"
    assert output(tools.helm.path, "version", "--short") == "v4.2.3+g1234abc\n"
    assert os.access(tools.helm.path, os.X_OK)
    assert "helm/v4.2.3/LICENSE" not in site.cached_files()


@pytest.mark.parametrize("member", ["../escaped", "linux-amd64/../../escaped", "/escaped"])
def test_a_helm_archive_member_that_points_outside_is_refused(site: Site, member: str) -> None:
    evil = tar_gz({member: b"owned\n", "linux-amd64/helm": HELM})
    site.server.files[HELM_PATH] = evil

    with pytest.raises(ConformanceError) as caught:
        site.resolve(site.pins(helm=sha256(evil)))

    assert str(caught.value) == (
        f"{site.server.base_url}{HELM_PATH}: archive member {member!r} points outside the archive: "
        "refusing to extract; this is not a release archive"
    )
    assert not any(site.cache_dir.parent.rglob("escaped"))
    assert site.cached_files() == ["kind/v0.32.0/kind"]


def test_a_helm_archive_without_the_platforms_binary_is_refused(site: Site) -> None:
    darwin_only = tar_gz({"darwin-arm64/helm": HELM})
    site.server.files[HELM_PATH] = darwin_only

    with pytest.raises(ConformanceError, match=r"helm-v4\.2\.3-linux-amd64\.tar\.gz: no file linux-amd64/helm in"):
        site.resolve(site.pins(helm=sha256(darwin_only)))


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
        "or test an existing cluster with --kubeconfig"
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
        f"Docker daemon not reachable ({said}): start Docker, or test an existing cluster with --kubeconfig"
    )


def test_a_running_docker_daemon_reports_its_server_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docker = write_standin(tmp_path, "docker", 'print("28.2.2")')
    put_first_on_path(monkeypatch, tmp_path, only=True)

    assert check_docker() == "28.2.2"
    assert docker.calls() == [["info", "--format", "{{.ServerVersion}}"]]
