"""A loopback OCI registry serving the platform's Crossplane packages, for Crossplane's own package manager.

There is no image registry here, so the local tier serves the package images itself: ``xpkgregistry`` (our
adapter in ``hack/tools/crossplane``) builds each image from the pinned module's ``package/`` folder with
crossplane-runtime's xpkg builder, as ``crossplane xpkg build`` does, and serves them from memory over TLS
with a certificate from the control plane's CA. An ImageConfig rewrites ``xpkg.crossplane.io/`` to it
(``crossplane.py``), so the platform's Provider and Function manifests install as they are.

The images carry the package metadata and CRDs only, on an empty base whose config names the binary a
Deployment would run: the local tier's pods are kwok's simulations and never run a container. One
package differs from the pins: provider-helm v1.4.0's module is not served by the Go module proxy (403),
so the local tier serves v1.3.0 under its own tag, and says so (``LocalPackage.instead_of``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from oamconf.cluster import gobuild
from oamconf.cluster.localcp.certs import Pki
from oamconf.cluster.localcp.process import OwnedProcess, await_ready, start, stop_all
from oamconf.errors import ConformanceError
from oamconf.k8s.wait import Observation
from oamconf.platform.versions import Versions

UPSTREAM_REGISTRY: Final = "xpkg.crossplane.io"
READY_TIMEOUT: Final = 120.0  # building three images takes a second; a cold module download, minutes
# Module versions the Go proxy does not serve, and the nearest one it does (a fact of this workplace).
NOT_SERVED: Final = {"crossplane-contrib/provider-helm": {"v1.4.0": "v1.3.0"}}
# What a Deployment of each kind of package would run (the base image's entrypoint; kwok never runs it).
ENTRYPOINTS: Final = {"provider": "provider", "function": "function"}


class RegistryError(ConformanceError):
    """The package registry could not be started or did not serve what it was asked to."""


@dataclass(frozen=True)
class LocalPackage:
    """One package the registry serves: ``<repository>:<tag>``, built from ``<module>@<tag>/package``."""

    repository: str  # crossplane-contrib/provider-helm
    tag: str
    instead_of: str | None = None  # the pinned tag, when the local tier serves another one

    @property
    def module(self) -> str:
        return f"github.com/{self.repository}"

    @property
    def kind(self) -> str:
        return "function" if self.repository.rsplit("/", 1)[-1].startswith("function-") else "provider"

    @property
    def upstream(self) -> str:
        """The reference the platform's manifests use for it (at the tag served)."""
        return f"{UPSTREAM_REGISTRY}/{self.repository}:{self.tag}"


def local_packages(versions: Versions) -> tuple[LocalPackage, ...]:
    """The pinned packages as the local tier serves them (``NOT_SERVED`` substituted)."""
    chosen = []
    for reference in vars(versions.packages).values():
        repository, _, tag = str(reference).removeprefix(f"{UPSTREAM_REGISTRY}/").rpartition(":")
        served = NOT_SERVED.get(repository, {}).get(tag)
        chosen.append(LocalPackage(repository, served or tag, instead_of=tag if served else None))
    return tuple(chosen)


@dataclass
class PackageRegistry:
    """A started registry: its ``host:port``, its process and the digest of each image it holds."""

    host: str
    process: OwnedProcess
    packages: tuple[LocalPackage, ...]
    digests: dict[str, str] = field(default_factory=dict)  # image reference -> sha256 digest

    def image(self, package: LocalPackage) -> str:
        return f"{self.host}/{package.repository}:{package.tag}"


@contextmanager
def serving(binary: Path, pki: Pki, packages: Sequence[LocalPackage], folder: Path) -> Iterator[PackageRegistry]:
    """Serve *packages* on a loopback port the kernel picks until the block ends; stop the registry by pid.

    Parameters:
        binary: ``xpkgregistry`` (``gobuild``).
        pki: the control plane's certificates: the registry serves ``pki.loopback_server`` (127.0.0.1).
        packages: what to serve (``local_packages``); their modules are read from Go's module cache.
        folder: where its log goes.

    Raises:
        ModuleUnavailable: a package's module is not served by the Go proxy.
        ProcessDied: the registry exited (a package folder that does not parse, say) with its last lines.
    """
    argv: list[str | Path] = [binary, "--listen", "127.0.0.1:0", "--cert", pki.loopback_server.cert]
    argv += ["--key", pki.loopback_server.key, "--ca", pki.ca.cert]
    for package in packages:
        source = gobuild.module_dir(package.module, package.tag) / "package"
        argv += ["--package", f"{package.repository}:{package.tag}={source}={ENTRYPOINTS[package.kind]}"]
    log = folder / "xpkgregistry.log"
    process = start("xpkgregistry", argv, log=log, ready=lambda: _pushed(log))
    try:
        await_ready(process, timeout=READY_TIMEOUT)
        digests = _images(log)
        host = next(iter(digests)).split("/", 1)[0] if digests else ""
        yield PackageRegistry(host, process, tuple(packages), digests)
    finally:
        left = stop_all([process])
        if left:
            raise RegistryError(f"teardown: {'; '.join(left)}")


def _pushed(log: Path) -> Observation:
    """Ready once it printed ``serving``: every image is pushed and the server answers."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.exists() else []
    return Observation.simple("serving" in lines, f"want 'serving' in {log}, have {len(_images(log))} images pushed")


def _images(log: Path) -> dict[str, str]:
    """The ``{"image", "digest"}`` lines it printed, as image -> digest."""
    found: dict[str, str] = {}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if log.exists() else []:
        if line.startswith('{"digest"'):
            entry = json.loads(line)
            found[entry["image"]] = entry["digest"]
    return found
