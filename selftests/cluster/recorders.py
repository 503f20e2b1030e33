"""A helm and a cluster that record what the install does, in one shared log, in the order it happens."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from oamconf.cluster.commands import Completed
from oamconf.cluster.helm import Helm
from oamconf.k8s.api import FIELD_MANAGER, Change, KubeObject, Ref
from oamconf.k8s.memory import MemoryCluster
from oamconf.platform.versions import Chart


class RecordingHelm(Helm):
    """Records ``helm <release>`` in the shared log instead of running anything."""

    def __init__(self, log: list[str]) -> None:
        super().__init__(Path("helm"), kubeconfig=None, context=None)
        self.log = log

    def upgrade_install(
        self, release: str, chart: Chart, *, namespace: str, values_files: Sequence[Path] = (), timeout: float
    ) -> Completed:
        del chart, namespace, values_files, timeout
        self.log.append(f"helm {release}")
        return Completed(("helm",), "", "")


class RecordingCluster(MemoryCluster):
    """Records every apply and every read (a get, or a watch's look) in the shared log, in order."""

    def __init__(self, log: list[str]) -> None:
        super().__init__("recording")
        self.log = log

    def apply(self, manifest: Mapping[str, Any], *, field_manager: str = FIELD_MANAGER) -> KubeObject:
        self.log.append(f"apply {Ref.of(manifest)}")
        return super().apply(manifest, field_manager=field_manager)

    def get(self, ref: Ref) -> KubeObject | None:
        self.log.append(f"get {ref}")
        return super().get(ref)

    def watch(self, ref: Ref, *, resource_version: str | None, timeout: int) -> Iterator[Change]:
        self.log.append(f"get {ref}")  # a look at the object, like a get: one poll
        return super().watch(ref, resource_version=resource_version, timeout=timeout)
