"""Stand-in kind/helm/kubectl releases served over real HTTP, for the tool-provisioning tests.

The served "releases" are small Python scripts that print a version, and a helm .tar.gz built
here; ``release_site`` puts only the test's bin folder on PATH, so a kind/helm/kubectl on the
machine never counts. Used by test_tools.py and test_downloads.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cluster.standins import put_first_on_path
from cluster.toolserver import ToolServer, serve_tools
from oamconf.cluster.commands import run
from oamconf.cluster.tools import ResolvedTools, resolve_tools
from oamconf.platform.versions import Checksums, Tool, Tools

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


@contextlib.contextmanager
def release_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """Serve ``RELEASES`` with an empty bin folder alone on PATH and an empty cache, until the block ends."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    put_first_on_path(monkeypatch, bin_dir, only=True)
    monkeypatch.setenv("no_proxy", "127.0.0.1")  # a proxy in the environment must not intercept loopback
    with serve_tools(RELEASES) as server:
        yield Site(server, bin_dir, tmp_path / "cache")


def output(path: Path, *args: str) -> str:
    return run([path, *args], timeout=10).stdout
