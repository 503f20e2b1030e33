"""Provision kind, helm and kubectl for the bootstrap, and check that Docker answers.

Each tool comes from the first place that can vouch for it: PATH, when the version there is
compatible with the pin; the cache, when the copy there matches the pinned sha256; else the
pinned URL. A download is verified before it is made executable and reaches the cache with one
rename, so no unverified byte ever becomes runnable and a failed download leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import os
import platform
import re
import shutil
import ssl
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final, Literal

from oamconf.cluster.commands import CommandFailed, last_line, run
from oamconf.errors import ConformanceError, UsageError
from oamconf.platform.versions import Tool, Tools

log = logging.getLogger(__name__)

Source = Literal["PATH", "cache", "download"]
Fetch = Callable[[str, Path], None]
"""Download a URL into a (new) file; raise ``OSError`` (``urllib.error.URLError``...) on failure."""

DOWNLOAD_TIMEOUT: Final = 60.0  # seconds without a byte before a download is given up
_VERSION_TIMEOUT: Final = 15.0
_VERSIONS_FILE: Final = "fixtures/versions.toml"
_SEMVER: Final = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
_VERSION_ARGS: Final = {
    "kind": ("version",),
    "helm": ("version", "--short"),
    "kubectl": ("version", "--client", "-o", "json"),
}
_OS: Final = {"linux": "linux", "darwin": "darwin"}
_ARCH: Final = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
# An archive's pin covers the archive, not the binary in it; this file in the cache entry records
# "<archive sha256> <binary sha256>" so a cached binary can still be traced back to its pin.
_STAMP: Final = "verified.sha256"


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


def download(url: str, dest: Path, *, timeout: float = DOWNLOAD_TIMEOUT) -> None:
    """Stream *url* into the new file *dest* with urllib (proxies from the environment, the CA bundle below).

    Raises:
        OSError: ``urllib.error.HTTPError`` for an error status, ``URLError`` when unreachable.
        ValueError: *url* is not http(s).
    """
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": "oam-vcluster-conformance"})  # noqa: S310 - scheme checked
    with urllib.request.urlopen(request, timeout=timeout, context=_tls_context()) as response, dest.open("xb") as out:  # noqa: S310
        shutil.copyfileobj(response, out, 1 << 20)


def check_docker(*, timeout: float = 20.0) -> str:
    """The Docker daemon's server version, proving kind can start its node containers.

    Raises:
        UsageError: no ``docker`` on PATH.
        ConformanceError: the daemon does not answer; the message carries docker's own last error line.
    """
    if shutil.which("docker") is None:
        raise UsageError(
            "docker not found on PATH: install Docker (kind runs its nodes as Docker containers), "
            "or test an existing cluster with --kubeconfig"
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
        f"Docker daemon not reachable ({reason}): start Docker, or test an existing cluster with --kubeconfig"
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
            f"no sha256 pinned for {name} {tool.version} {os_name}_{arch} ({_VERSIONS_FILE} [tools.{name}.sha256]): "
            f"install {name} {_wanted(name, tool.version)} on PATH, or pin the checksum published with the release"
        )
    cached = _verified_cache_entry(name, tool, digest, cache_dir)
    if cached is not None:
        return ResolvedTool(name, cached, tool.version, "cache")
    path = _download_into_cache(name, tool, digest, cache_dir=cache_dir, os_arch=os_arch, fetch=fetch)
    return ResolvedTool(name, path, tool.version, "download")


def _verified_cache_entry(name: str, tool: Tool, digest: str, cache_dir: Path) -> Path | None:
    entry = cache_dir / name / tool.version
    exe = entry / name
    if not exe.is_file():
        return None
    stamp = entry / _STAMP
    if _is_archive(tool.url):
        recorded = stamp.read_text(encoding="utf-8").split() if stamp.is_file() else []
        verified = recorded == [digest, _sha256(exe)]
    else:
        verified = _sha256(exe) == digest
    if not verified:
        log.warning("cached %s does not match the pinned sha256 %s: downloading it again", exe, digest)
    return exe if verified else None


def _download_into_cache(
    name: str, tool: Tool, digest: str, *, cache_dir: Path, os_arch: tuple[str, str], fetch: Fetch
) -> Path:
    url = tool.download_url(*os_arch)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Staged beside the cache entries (same file system, so the final rename is atomic) and
    # removed on every way out, so a failure leaves the cache as it was.
    with tempfile.TemporaryDirectory(prefix=f".{name}-{tool.version}-", dir=cache_dir) as staging:
        payload, entry = Path(staging) / "download", Path(staging) / "entry"
        _fetch(fetch, name, tool, url, payload)
        actual = _sha256(payload)
        if actual != digest:
            raise ConformanceError(
                f"{name} {tool.version} from {url}: sha256 mismatch, expected {digest}, got {actual}: "
                f"nothing was installed; check the pin in {_VERSIONS_FILE} against the release's published checksum"
            )
        entry.mkdir()
        exe = entry / name
        if _is_archive(tool.url):
            _extract_member(payload, f"{os_arch[0]}-{os_arch[1]}/{name}", exe, url)
            (entry / _STAMP).write_text(f"{digest} {_sha256(exe)}\n", encoding="utf-8")
        else:
            payload.replace(exe)
        exe.chmod(0o755)  # only now, after the checksum matched
        final = cache_dir / name / tool.version
        final.parent.mkdir(exist_ok=True)
        if final.exists():  # an entry that failed verification above
            shutil.rmtree(final)
        entry.rename(final)
    log.info("downloaded %s %s from %s into %s", name, tool.version, url, final)
    return final / name


def _fetch(fetch: Fetch, name: str, tool: Tool, url: str, dest: Path) -> None:
    try:
        fetch(url, dest)
    except urllib.error.HTTPError as err:
        err.close()
        reason = f"HTTP {err.code} {err.reason}"
    except urllib.error.URLError as err:
        reason = str(err.reason)
    except (OSError, http.client.HTTPException, ValueError) as err:
        reason = str(err) or type(err).__name__
    else:
        return
    raise ConformanceError(
        f"could not download {name} {tool.version} from {url} ({reason}): check the network and proxy, "
        f"or the url in {_VERSIONS_FILE} [tools.{name}]"
    )


def _extract_member(archive: Path, member_name: str, dest: Path, url: str) -> None:
    """Copy one regular file out of a .tar.gz by its bytes; tarfile never chooses a path on disk."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()
            for member in members:
                path = PurePosixPath(member.name)
                if path.is_absolute() or ".." in path.parts:
                    raise ConformanceError(
                        f"{url}: archive member {member.name!r} points outside the archive: refusing to extract; "
                        "this is not a release archive"
                    )
            wanted = [m for m in members if PurePosixPath(m.name) == PurePosixPath(member_name) and m.isfile()]
            source = tar.extractfile(wanted[0]) if wanted else None
            if source is None:
                raise ConformanceError(
                    f"{url}: no file {member_name} in the archive: check the url in {_VERSIONS_FILE}"
                )
            with source, dest.open("xb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as err:
        raise ConformanceError(f"{url}: not a readable .tar.gz ({err}): check the url in {_VERSIONS_FILE}") from err


def _is_archive(url: str) -> bool:
    return url.endswith((".tar.gz", ".tgz"))


def _sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _tls_context() -> ssl.SSLContext:
    # OpenSSL already reads SSL_CERT_FILE; the other two are how a corporate CA is commonly handed
    # to Python and curl, so honour them rather than fail behind a TLS-inspecting proxy.
    for variable in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        cafile = os.environ.get(variable)
        if cafile and Path(cafile).is_file():
            return ssl.create_default_context(cafile=cafile)
    return ssl.create_default_context()
