"""Pinned tool downloads: fetch, verify against the sha256 pin, unpack, and keep in the cache.

A download is verified before it is made executable and reaches the cache with one rename, so no
unverified byte ever becomes runnable and a failed download leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import shutil
import ssl
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Final

from oamconf.errors import ConformanceError
from oamconf.platform.versions import Tool

log = logging.getLogger(__name__)

Fetch = Callable[[str, Path], None]
"""Download a URL into a (new) file; raise ``OSError`` (``urllib.error.URLError``...) on failure."""

DOWNLOAD_TIMEOUT: Final = 60.0  # seconds without a byte before a download is given up
VERSIONS_FILE: Final = "fixtures/versions.toml"
# An archive's pin covers the archive, not the binary in it; this file in the cache entry records
# "<archive sha256> <binary sha256>" so a cached binary can still be traced back to its pin.
_STAMP: Final = "verified.sha256"


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


def verified_cache_entry(name: str, tool: Tool, digest: str, cache_dir: Path) -> Path | None:
    """The cached executable of *tool* when it still matches the pinned *digest*, else None (logged)."""
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


def download_into_cache(
    name: str, tool: Tool, digest: str, *, cache_dir: Path, os_arch: tuple[str, str], fetch: Fetch
) -> Path:
    """Download *tool* for *os_arch*, verify it against *digest*, and install it as ``<name>/<version>/<name>``.

    Raises:
        ConformanceError: the download failed, its sha256 differs from *digest*, or the archive is unsafe.
    """
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
                f"nothing was installed; check the pin in {VERSIONS_FILE} against the release's published checksum"
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
        f"or the url in {VERSIONS_FILE} [tools.{name}]"
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
                raise ConformanceError(f"{url}: no file {member_name} in the archive: check the url in {VERSIONS_FILE}")
            with source, dest.open("xb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as err:
        raise ConformanceError(f"{url}: not a readable .tar.gz ({err}): check the url in {VERSIONS_FILE}") from err


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
