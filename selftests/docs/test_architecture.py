"""docs/architecture.md stays true and short: every path, module and link it names exists."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
TEXT = DOC.read_text(encoding="utf-8")
FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
PROSE = FENCED.sub("", TEXT)
SPANS = re.findall(r"`([^`\n]+)`", PROSE)
FILE_SUFFIXES = (".py", ".toml", ".md", ".yaml", ".yml", ".json", ".cfg", ".txt")
MODULE = re.compile(r"oamconf(?:\.\w+)*")

# A path: a span with a slash or a file suffix (no spaces: `nox -s e2e` is a command), from the project root.
PATHS = sorted({s for s in SPANS if " " not in s and ("/" in s or s.endswith(FILE_SUFFIXES))})
# A module: a span that is one, or one named in the diagrams.
MODULES = sorted(
    {s for s in SPANS if MODULE.fullmatch(s)}
    | {m for block in FENCED.findall(TEXT) for m in MODULE.findall(block) if not m.endswith(".")}
)
LINKS = sorted(set(re.findall(r"\]\(([^)#\s]+)", PROSE)))


@pytest.mark.parametrize("path", PATHS)
def test_every_path_it_names_exists(path: str) -> None:
    assert (ROOT / path).exists(), f"docs/architecture.md names `{path}`, which is not in the project"


@pytest.mark.parametrize("module", MODULES)
def test_every_module_it_names_exists(module: str) -> None:
    assert importlib.util.find_spec(module) is not None, f"docs/architecture.md names {module}, which is no module"


@pytest.mark.parametrize("link", LINKS)
def test_every_relative_link_resolves(link: str) -> None:
    assert (DOC.parent / link).exists()


def test_it_names_enough_to_be_checked() -> None:
    """The checks above see the doc: a change in how it quotes names must not empty them."""
    assert len(PATHS) > 20
    assert len(MODULES) > 20
    assert "fixtures/cluster.py" in PATHS
    assert "oamconf.steps.gating" in MODULES


def test_it_stays_short() -> None:
    assert len(TEXT.splitlines()) <= 120, "docs/architecture.md is an overview: keep it within 120 lines"


def test_the_readme_links_both_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/architecture.md)" in readme
    assert "(docs/troubleshooting.md)" in readme
