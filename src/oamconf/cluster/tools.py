"""Provision kind, helm and kubectl for the bootstrap, and check that Docker answers.

Each tool comes from the first place that can vouch for it: PATH, when the version there is
compatible with the pin; the cache, when the copy there matches the pinned sha256; else the
pinned URL, downloaded and verified by ``downloads``.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from oamconf.cluster.commands import CommandFailed, last_line, run
from oamconf.cluster.downloads import VERSIONS_FILE, Fetch, download, download_into_cache, verified_cache_entry
from oamconf.errors import ConformanceError, UsageError
from oamconf.platform.versions import Tool, Tools

log = logging.getLogger(__name__)

Source = Literal["PATH", "cache", "download"]

_VERSION_TIMEOUT: Final = 15.0
_SEMVER: Final = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
_VERSION_ARGS: Final = {
    "kind": ("version",),
    "helm": ("version", "--short"),
    "kubectl": ("version", "--client", "-o", "json"),
}
_OS: Final = {"linux": "linux", "darwin": "darwin"}
_ARCH: Final = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


@dataclass(frozen=True)
class ResolvedTool:
    name: str
    path: Path
    version: str
    source: Source


@dataclass(frozen=True)
class ResolvedTools:
    kind: ResolvedTool
    helm: ResolvedTool
    kubectl: ResolvedTool


def default_cache_dir() -> Path:
    """``$OAMCONF_CACHE_DIR``, else ``~/.cache/oam-vcluster-conformance/tools``."""
    if configured := os.environ.get("OAMCONF_CACHE_DIR"):
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "oam-vcluster-conformance" / "tools"


def host_os_arch(system: str | None = None, machine: str | None = None) -> tuple[str, str]:
    """This machine as the release URLs name it: ``("linux" | "darwin", "amd64" | "arm64")``.

    Parameters:
        system: ``platform.system()`` unless given.
        machine: ``platform.machine()`` unless given.

    Raises:
        UsageError: any other operating system or CPU.
    """
    system = platform.system() if system is None else system
    machine = platform.machine() if machine is None else machine
    os_name, arch = _OS.get(system.lower()), _ARCH.get(machine.lower())
    if os_name is None or arch is None:
        raise UsageError(
            f"no kind/helm/kubectl downloads for {system}/{machine}: install kind, helm and kubectl on PATH, "
            "or test an existing cluster with --kubeconfig"
        )
    return os_name, arch


def resolve_tools(
    pins: Tools,
    *,
    cache_dir: Path,
    os_arch: tuple[str, str] | None = None,
    fetch: Fetch | None = None,
) -> ResolvedTools:
    """Find or fetch kind, helm and kubectl: a compatible one on PATH, a verified cached copy, or a download.

    Parameters:
        pins: versions, URL templates and sha256s (``Versions.tools``).
        cache_dir: where downloads are kept, as ``<name>/<version>/<name>``.
        os_arch: the platform to download for; this machine's (``host_os_arch``) unless given.
        fetch: downloads a URL into a file; ``download`` (urllib) unless given.

    Raises:
        UsageError: a tool is needed from the cache or the network but no sha256 is pinned for
            this platform, or the platform has no downloads.
        ConformanceError: a download failed, its sha256 differs from the pin, or the archive is unsafe.
    """
    get = fetch or download

    def resolve(name: str, tool: Tool) -> ResolvedTool:
        return _compatible_on_path(name, tool) or _provision(name, tool, cache_dir, os_arch or host_os_arch(), get)

    return ResolvedTools(
        kind=resolve("kind", pins.kind), helm=resolve("helm", pins.helm), kubectl=resolve("kubectl", pins.kubectl)
    )


def compatible(name: str, pinned: str, found: str) -> bool:
    """kind: same minor as pinned; helm: same major; kubectl: within one minor (Kubernetes' skew policy)."""
    want, have = _semver(pinned), _semver(found)
    if want is None or have is None or have[0] != want[0]:
        return False
    if name == "helm":
        return True
    if name == "kubectl":
        return abs(have[1] - want[1]) <= 1
    return have[1] == want[1]


def installed_version(name: str, path: str | Path) -> str | None:
    """The ``vX.Y.Z`` the tool at *path* reports, or None when it cannot say (logged)."""
    try:
        out = run([path, *_VERSION_ARGS[name]], timeout=_VERSION_TIMEOUT).stdout
        if name == "kubectl":
            out = str(json.loads(out)["clientVersion"]["gitVersion"])
    except (ConformanceError, OSError, ValueError, KeyError, TypeError) as err:
        log.info("%s at %s did not report its version: %s", name, path, err)
        return None
    parsed = _semver(out)
    return "v{}.{}.{}".format(*parsed) if parsed else None


def check_docker(*, timeout: float = 20.0) -> str:
    """The Docker daemon's server version, proving kind can start its node containers.

    Raises:
        UsageError: no ``docker`` on PATH.
        ConformanceError: the daemon does not answer; the message carries docker's own last error line.
    """
    if shutil.which("docker") is None:
        raise UsageError(
            "docker not found on PATH: install Docker (kind runs its nodes as Docker containers), "
            "test an existing cluster with --kubeconfig, or run the local tier with --local (no Docker)"
        )
    try:
        done = run(["docker", "info", "--format", "{{.ServerVersion}}"], timeout=timeout)
    except CommandFailed as err:
        raise _docker_down(last_line(err.stderr) or str(err)) from err
    version = done.stdout.strip()
    if not version:  # some docker versions exit 0 with an empty answer when the daemon is down
        raise _docker_down(last_line(done.stderr) or "docker info printed no server version")
    return version


def _docker_down(reason: str) -> ConformanceError:
    return ConformanceError(
        f"Docker daemon not reachable ({reason}): start Docker, test an existing cluster with --kubeconfig, "
        "or run the local tier with --local (no Docker)"
    )


def _semver(text: str) -> tuple[int, int, int] | None:
    match = _SEMVER.search(text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def _wanted(name: str, pinned: str) -> str:
    """The compatible range in words, for messages: ``v0.32.x``, ``v4.x``, ``v1.35.x to v1.37.x``."""
    major, minor, _ = _semver(pinned) or (0, 0, 0)
    if name == "helm":
        return f"v{major}.x"
    if name == "kubectl":
        return f"v{major}.{max(minor - 1, 0)}.x to v{major}.{minor + 1}.x"
    return f"v{major}.{minor}.x"


def _compatible_on_path(name: str, tool: Tool) -> ResolvedTool | None:
    found = shutil.which(name)
    if found is None:
        return None
    version = installed_version(name, found)
    if version is None or not compatible(name, tool.version, version):
        log.info("%s on PATH (%s) is %s, need %s: not using it", name, found, version, _wanted(name, tool.version))
        return None
    return ResolvedTool(name, Path(found), version, "PATH")


def _provision(name: str, tool: Tool, cache_dir: Path, os_arch: tuple[str, str], fetch: Fetch) -> ResolvedTool:
    os_name, arch = os_arch
    digest: str = getattr(tool.sha256, f"{os_name}_{arch}")
    if not digest:
        raise UsageError(
            f"no sha256 pinned for {name} {tool.version} {os_name}_{arch} ({VERSIONS_FILE} [tools.{name}.sha256]): "
            f"install {name} {_wanted(name, tool.version)} on PATH, or pin the checksum published with the release"
        )
    cached = verified_cache_entry(name, tool, digest, cache_dir)
    if cached is not None:
        return ResolvedTool(name, cached, tool.version, "cache")
    path = download_into_cache(name, tool, digest, cache_dir=cache_dir, os_arch=os_arch, fetch=fetch)
    return ResolvedTool(name, path, tool.version, "download")
