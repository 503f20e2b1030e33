"""Helpers shared by the lifecycle tests: bring a planned cluster up against the stand-in kind,
and write kubeconfigs whose contexts point where a test needs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from cluster.kindfake import NODE_IMAGE, FakeKind
from oamconf.cluster.lifecycle import ClusterOptions, ClusterPlan, bring_up, plan

NAME = "oamconf-e2e"


def up(kind: FakeKind, tmp_path: Path, options: ClusterOptions) -> ClusterPlan:
    return bring_up(
        plan(options),
        kind.handle(options.cluster_name),
        config=tmp_path / "kind-config.yaml",
        node_image=NODE_IMAGE,
        kubeconfig=tmp_path / "reports" / "kubeconfig",
    )


def kubeconfig_file(tmp_path: Path, *contexts: str, servers: Mapping[str, str] | None = None) -> Path:
    """A user's kubeconfig whose contexts point at *servers* (by context), else at ``https://<context>.example``."""
    path = tmp_path / "user-kubeconfig"
    chosen = {c: (servers or {}).get(c, f"https://{c}.example:6443") for c in contexts}
    listed = "".join(f"- name: {c}\n  context: {{cluster: {c}, user: {c}}}\n" for c in contexts)
    clusters = "".join(f"- name: {c}\n  cluster: {{server: '{url}'}}\n" for c, url in chosen.items())
    path.write_text(
        f"apiVersion: v1\nkind: Config\ncurrent-context: {contexts[0]}\nclusters:\n{clusters}contexts:\n{listed}"
    )
    return path


# -- deciding the mode ----------------------------------------------------------------------------
