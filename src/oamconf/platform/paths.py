"""Where the project's data lives, resolved from the repository root, never from the machine."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from oamconf.errors import UsageError

# src/oamconf/platform/paths.py -> parents[3] is the repository root (src layout).
PROJECT_ROOT: Final = Path(__file__).resolve().parents[3]
FIXTURES: Final = PROJECT_ROOT / "fixtures"
DEFAULT_VERSIONS: Final = FIXTURES / "versions.toml"
DEFAULT_PROFILE: Final = FIXTURES / "profile.toml"
# The pinned upstream schemas are data shared by all checkouts, beside the project: ../shared/crds.
SHARED_CRDS: Final = PROJECT_ROOT.parent / "shared" / "crds"


def shown(path: Path) -> str:
    """The path as a user reads it in a message: relative to the project root when inside it."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def shared_crds(root: Path | None = None) -> Path:
    """The pinned CRDs folder; a missing folder is a setup mistake the user can fix."""
    folder = SHARED_CRDS if root is None else root
    if not folder.is_dir():
        raise UsageError(
            f"{folder}: pinned schemas not found; put the shared/ folder beside the project (../shared/crds)"
        )
    return folder
