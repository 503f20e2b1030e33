"""A chart repository on loopback: charts whose source ships in a Go module, packaged as their release
pipelines publish them and served over HTTP the way a Helm repository is (``index.yaml`` beside the archives).

No chart registry is reachable from the local tier. The vcluster chart's source is in
github.com/loft-sh/vcluster at the pinned tag with ``version: 0.0.1`` in its Chart.yaml; vCluster's release
pipeline publishes it with the release's version as chart and app version (``helm package --version``), and
``package`` does the same, so provider-helm installs what charts.loft.sh would have served. The index is
``helm repo index``'s own. The server is a thread of the suite's process on an ephemeral loopback port; it
lives as long as the ``serving`` block.
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from oamconf.cluster.commands import last_line
from oamconf.cluster.localcp.certs import LOOPBACK
from oamconf.errors import ConformanceError

HELM_TIMEOUT: Final = 120.0


class ChartRepositoryError(ConformanceError):
    """helm could not package a chart or index the repository: helm's own last error line."""


@dataclass(frozen=True)
class ChartRepository:
    """A served folder of packaged charts: ``url`` is what a Release's ``chart.repository`` names."""

    folder: Path
    url: str
    port: int

    def charts(self) -> list[str]:
        return sorted(path.name for path in self.folder.glob("*.tgz"))


def package(helm: Path, source: Path, version: str, into: Path) -> Path:
    """Package the chart folder *source* as its release pipeline does: chart and app version *version*."""
    bare = version.removeprefix("v")
    into.mkdir(parents=True, exist_ok=True)
    _helm(helm, "package", str(source), "--version", bare, "--app-version", bare, "--destination", str(into))
    (packaged,) = into.glob(f"*-{bare}.tgz")
    return packaged


@contextmanager
def serving(helm: Path, folder: Path) -> Iterator[ChartRepository]:
    """Serve the charts in *folder* (indexed now, with their URLs on the chosen port) until the block ends."""
    handler = functools.partial(_Handler, directory=str(folder))
    server = http.server.ThreadingHTTPServer((LOOPBACK, 0), handler)
    url = f"http://{LOOPBACK}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name=f"chart-repository {url}", daemon=True)
    try:
        _helm(helm, "repo", "index", str(folder), "--url", url)
        thread.start()
        yield ChartRepository(folder, url, server.server_address[1])
    finally:
        if thread.is_alive():
            server.shutdown()
            thread.join()
        server.server_close()


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Files of the folder, without a line on stderr per request."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


def _helm(helm: Path, *args: str) -> None:
    try:
        proc = subprocess.run(  # noqa: S603 - an argument list of our own, no shell
            [str(helm), *args], capture_output=True, text=True, timeout=HELM_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError) as err:
        raise ChartRepositoryError(f"helm {args[0]}: {err}") from err
    if proc.returncode != 0:
        raise ChartRepositoryError(f"helm {' '.join(args[:2])}: {last_line(proc.stderr) or f'exit {proc.returncode}'}")
