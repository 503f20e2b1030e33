"""Where the project's data lives: ``fixtures/`` of the project root, never the installed package.

The fixtures, the phase modules and ``../shared`` sit in the checkout, not in the wheel, so a
``pip install .`` and an editable install must find them the same way: from pytest's rootdir, which
the plugin announces with ``use_project_root``. Outside pytest (``python -m``), the current folder or
one of its parents that holds ``fixtures/versions.toml`` is the root; an editable install's own
checkout comes last.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from oamconf.errors import UsageError

MARKER: Final = Path("fixtures") / "versions.toml"
# src/oamconf/platform/paths.py -> parents[3] is the checkout of an editable install (src layout).
_PACKAGE_CHECKOUT: Final = Path(__file__).resolve().parents[3]
_chosen: list[Path] = []  # the root pytest announced; a list so that tests can reset it without `global`


def is_project_root(folder: Path) -> bool:
    return (folder / MARKER).is_file()


def use_project_root(folder: Path) -> bool:
    """Take *folder* (pytest's rootdir) as the project root if it is one; say whether it was taken."""
    folder = folder.resolve()
    if not is_project_root(folder):
        return False
    _chosen[:] = [folder]
    return True


def project_root() -> Path:
    """The project root: announced by pytest, else found from the current folder up, else the checkout."""
    if _chosen:
        return _chosen[0]
    here = Path.cwd().resolve()
    for folder in (here, *here.parents, _PACKAGE_CHECKOUT):
        if is_project_root(folder):
            return folder
    raise UsageError(
        f"cannot find the project's {MARKER.as_posix()}: run from the oam-vcluster-conformance checkout "
        "(or pass --rootdir pointing at it)"
    )


def fixtures_dir() -> Path:
    return project_root() / "fixtures"


def default_versions() -> Path:
    return fixtures_dir() / "versions.toml"


def default_profile() -> Path:
    return fixtures_dir() / "profile.toml"


def shown(path: Path) -> str:
    """The path as a user reads it in a message: relative to the project root when inside it."""
    resolved = path.resolve()
    for base in (*_chosen, Path.cwd().resolve()):
        if resolved.is_relative_to(base):
            return resolved.relative_to(base).as_posix()
    return str(path)


def shared_crds(root: Path | None = None) -> Path:
    """The pinned CRDs folder, beside the project (``../shared/crds``); missing is a fixable setup mistake."""
    folder = project_root().parent / "shared" / "crds" if root is None else root
    if not folder.is_dir():
        raise UsageError(
            f"{folder}: pinned schemas not found; put the shared/ folder beside the project (../shared/crds)"
        )
    return folder
