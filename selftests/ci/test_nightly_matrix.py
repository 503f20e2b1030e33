"""The nightly's node-image matrix is read from the versions file, not copied into the workflow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
NIGHTLY = ROOT / ".github" / "workflows" / "nightly-conformance.yml"


def plan_script() -> str:
    workflow = yaml.safe_load(NIGHTLY.read_text(encoding="utf-8"))
    (step,) = [s for s in workflow["jobs"]["plan"]["steps"] if s.get("id") == "images"]
    body = str(step["run"])
    return body.split("<<'PY' >> \"$GITHUB_OUTPUT\"\n", 1)[1].rsplit("PY", 1)[0]


def matrix(versions_file: str = "") -> dict[str, list[dict[str, str]]]:
    done = subprocess.run(  # noqa: S603 - our own workflow's script, run by this interpreter
        [sys.executable, "-c", plan_script()],
        cwd=ROOT,
        env={"VERSIONS_FILE": versions_file},
        capture_output=True,
        text=True,
        check=True,
    )
    key, _, value = done.stdout.strip().partition("=")
    assert key == "matrix"
    found: dict[str, list[dict[str, str]]] = json.loads(value)
    return found


def test_the_matrix_runs_the_pinned_image_and_each_matrix_image_of_the_versions_file() -> None:
    include = matrix()["include"]
    assert include[0] == {"id": "pinned", "node_image": "", "kubernetes_version": ""}
    assert [entry["id"] for entry in include[1:]] == ["k8s-1.35.5"]
    assert include[1]["node_image"].startswith("kindest/node:v1.35.5@sha256:")
    assert include[1]["kubernetes_version"] == "1.35.5"


def test_a_versions_input_can_change_the_matrix(tmp_path: Path) -> None:
    override = tmp_path / "versions-next.toml"
    override.write_text("[cluster]\nmatrix_node_images = []\n", encoding="utf-8")
    assert [entry["id"] for entry in matrix(str(override))["include"]] == ["pinned"]
