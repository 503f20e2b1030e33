"""helm (built from helm.sh/helm/v4 at the pinned CLI version) on charts whose source ships in a Go module.

The vcluster chart's source is in github.com/loft-sh/vcluster at the pinned tag, with ``version: 0.0.1``
in its Chart.yaml: vCluster's release pipeline publishes it with the release's version as chart and app
version (``helm package --version``; the image tag defaults to the chart version). ``published_chart``
does the same, so what ``helm template`` renders is what the chart repository serves.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import yaml

from oamconf.cluster.commands import last_line
from oamconf.cluster.gobuild import Built
from oamconf.errors import ConformanceError

_TIMEOUT: Final = 120.0


class HelmFailed(ConformanceError):
    """helm refused the chart or the values: the message is helm's own last error line."""


def _helm(helm: Built, *args: str, stdin: str | None = None) -> str:
    proc = subprocess.run(  # noqa: S603 - an argument list of our own, no shell
        [str(helm.path), *args], input=stdin, capture_output=True, text=True, timeout=_TIMEOUT, check=False
    )
    if proc.returncode != 0:
        raise HelmFailed(f"helm {args[0]}: {last_line(proc.stderr) or f'exit {proc.returncode}'}")
    return proc.stdout


def published_chart(helm: Built, source: Path, version: str, into: Path) -> Path:
    """Package the chart folder *source* as its release pipeline does: chart and app version *version*."""
    bare = version.removeprefix("v")
    _helm(helm, "package", str(source), "--version", bare, "--app-version", bare, "--destination", str(into))
    (packaged,) = into.glob(f"*-{bare}.tgz")
    return packaged


def template(
    helm: Built, chart: Path, *, release: str, namespace: str, values: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The objects ``helm template`` renders for *values* (validated against the chart's values schema)."""
    with tempfile.TemporaryDirectory(prefix="oamconf-helm-") as folder:
        values_file = Path(folder) / "values.yaml"
        values_file.write_text(yaml.safe_dump(dict(values)), encoding="utf-8")
        out = _helm(helm, "template", release, str(chart), "--namespace", namespace, "--values", str(values_file))
    return [doc for doc in yaml.safe_load_all(out) if isinstance(doc, dict)]


def find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    """The rendered object of *kind* named *name*; an AssertionError naming what was rendered otherwise."""
    for obj in objects:
        if obj.get("kind") == kind and obj.get("metadata", {}).get("name") == name:
            return obj
    rendered = sorted(f"{o.get('kind')}/{o.get('metadata', {}).get('name')}" for o in objects)
    raise AssertionError(f"the chart renders no {kind} {name}; it renders {', '.join(rendered)}")
