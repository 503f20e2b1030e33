"""The local control plane's executables, from the tool cache or built now (``gobuild``)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from oamconf.cluster import gobuild
from oamconf.cluster.localcp.components import Binaries

NAMES: Final = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "kwokstages", "kwokcrds")


def binaries(cache_dir: Path) -> Binaries:
    """Each component's binary at its pinned version.

    Raises:
        UsageError: no Go toolchain and no binary in *cache_dir* (one line: what to install, or ``--cache-dir``).
        BuildFailed: a build failed.
    """
    return prepared(cache_dir)[0]


def prepared(cache_dir: Path) -> tuple[Binaries, tuple[gobuild.Built, ...]]:
    """``binaries``, and what each one is: its tool entry (upstream module and version) and whether it was
    built now, taken from the cache or used prebuilt.

    Raises:
        UsageError, BuildFailed: as ``binaries``.
    """
    items = tuple(gobuild.ensure_all(NAMES, cache_dir=cache_dir))
    built = {item.tool.name: item.path for item in items}
    found = Binaries(
        etcd=built["etcd"],
        kube_apiserver=built["kube-apiserver"],
        kube_controller_manager=built["kube-controller-manager"],
        kube_scheduler=built["kube-scheduler"],
        kwok=built["kwok"],
        kwokstages=built["kwokstages"],
        kwokcrds=built["kwokcrds"],
    )
    return found, items
