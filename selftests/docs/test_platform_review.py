"""What the docs tell a platform team about the vCluster's Argo CD credential matches vCluster v0.36.1's
behaviour (platform-facts §9): advice that does not revoke anything is worse than none."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = {path: (ROOT / path).read_text(encoding="utf-8") for path in ("README.md", "fixtures/README.md")}
PROSE = {path: " ".join(text.split()) for path, text in DOCS.items()}


def test_no_doc_says_deleting_the_binding_revokes_access() -> None:
    """vCluster re-creates the ClusterRoleBinding (and the ServiceAccount) at every start."""
    wrong = re.compile(
        r"(?:delet\w+|remov\w+) (?:the ServiceAccount )?(?:\(?or )?(?:its|the) (?:Cluster)?RoleBinding\)?"
    )
    for path, text in PROSE.items():
        for found in wrong.finditer(text):
            around = text[max(0, found.start() - 80) : found.end() + 80]
            assert "revokes nothing" in around or "does not" in around, f"{path}: {around}"


def test_revoking_and_disabling_are_told_apart() -> None:
    text = PROSE["fixtures/README.md"]
    assert "Revoking** Argo CD's access means deleting the ServiceAccount `kube-system/argocd-manager`" in text
    assert "Disabling** the export for good means removing the `additionalSecrets` entry" in text


def test_every_restart_is_said_to_issue_one_more_ten_year_token() -> None:
    assert "every restart adds one more 10-year credential" in PROSE["fixtures/README.md"]


def test_the_roles_that_read_the_token_are_named() -> None:
    text = PROSE["fixtures/README.md"]
    for role in ("`crossplane-view`", "`crossplane-edit`", "`crossplane-admin`"):
        assert role in text
