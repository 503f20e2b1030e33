"""The reference platform's files as loaded: manifests and Helm values files, with loading problems.

The runtime reads the fixtures with this alone (what ``nox -s e2e`` installs); validating them against the
pinned upstream schemas and rendering the ComponentDefinitions' CUE are the test kit's
(``oamconf.testkit.validate``), which fills ``rendered``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from oamconf.errors import UsageError
from oamconf.platform.manifests import Document, load_documents, yaml_files
from oamconf.platform.oam import Rendered

# Files in a folder of this name are Helm values of the chart they are named after, not manifests.
VALUES_FOLDER: Final = "values"


@dataclass
class Platform:
    """The fixtures as loaded: manifests, values files, rendered CUE outputs, and loading problems."""

    documents: list[Document] = field(default_factory=list)
    values_files: list[Document] = field(default_factory=list)
    rendered: list[Rendered] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # component -> why its schemas were not available, so its checks did not run (set by the validation)
    not_validated: dict[str, str] = field(default_factory=dict)


def load_platform(paths: Sequence[Path] | None = None, *, fixtures: Path | None = None) -> Platform:
    """Load the given YAML files, or every YAML file under *fixtures*; a file that does not parse is a problem."""
    if paths is None:
        if fixtures is None:
            raise ValueError("load_platform needs the files or the fixtures folder")
        paths = [path for path in yaml_files(fixtures) if not _in_chart(path, fixtures)]
    platform = Platform()
    for path in paths:
        try:
            documents = load_documents(path)
        except UsageError as err:
            platform.problems.append(str(err))
            continue
        target = platform.values_files if path.parent.name == VALUES_FOLDER else platform.documents
        target.extend(documents)
    return platform


def _in_chart(path: Path, root: Path) -> bool:
    """A file of a Helm chart's source under *root* (a ``Chart.yaml`` beside it or above): the local tier's stand-in
    charts (``fixtures/local/charts``) hold templates and chart metadata, not manifests; helm reads them."""
    return any((folder / "Chart.yaml").is_file() for folder in path.parents if folder.is_relative_to(root))
