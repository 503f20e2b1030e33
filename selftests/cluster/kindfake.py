"""A stand-in kind for bootstrap tests: a real process keeping a tiny state file of clusters,
answering the five commands the suite uses (get clusters, create/delete cluster, get kubeconfig,
export logs) as kind does. Each cluster's kubeconfig points at a server of its own (``FakeKind.server``).
Used by test_kind.py and test_lifecycle.py.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path

from cluster.standins import Standin, write_standin
from oamconf.cluster.kind import KindCluster

NODE_IMAGE = "kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5"

_KIND_BODY = """\
import pathlib
state = pathlib.Path({state!r})
clusters = json.loads(state.read_text()) if state.exists() else []
args = sys.argv[1:]
def opt(flag, default=None):
    return args[args.index(flag) + 1] if flag in args else default
import zlib
def kubeconfig(name):
    server = f"https://127.0.0.1:{{30000 + zlib.crc32(name.encode()) % 10000}}"
    return (
        f"apiVersion: v1\\nkind: Config\\ncurrent-context: kind-{{name}}\\n"
        f"clusters:\\n- name: kind-{{name}}\\n  cluster: {{{{server: '{{server}}'}}}}\\n"
        f"contexts:\\n- name: kind-{{name}}\\n  context: {{{{cluster: kind-{{name}}, user: kind-{{name}}}}}}\\n"
    )
name = opt("--name", "kind")
verb = args[:2]
if args == ["version"]:
    print("kind v0.32.0 go1.24.1 linux/amd64")
elif verb == ["get", "clusters"]:
    if clusters:
        print("\\n".join(clusters))
    else:
        print("No kind clusters found.", file=sys.stderr)
elif verb == ["create", "cluster"]:
    print(f'Creating cluster "{{name}}" ...', file=sys.stderr)
    if name in clusters:
        print(f'ERROR: failed to create cluster: node(s) already exist for a cluster with the name "{{name}}"',
              file=sys.stderr)
        sys.exit(1)
    clusters.append(name)
    state.write_text(json.dumps(clusters))
    pathlib.Path(opt("--kubeconfig")).write_text(kubeconfig(name))
elif verb == ["get", "kubeconfig"]:
    if name not in clusters:
        print(f"ERROR: could not locate any control plane nodes for cluster named '{{name}}'", file=sys.stderr)
        sys.exit(1)
    print(kubeconfig(name), end="")
elif verb == ["export", "logs"]:
    if name not in clusters:
        print(f"ERROR: unknown cluster \\"{{name}}\\"", file=sys.stderr)
        sys.exit(1)
    out = pathlib.Path(args[2])
    out.mkdir(parents=True, exist_ok=True)
    (out / "kind-version.txt").write_text("kind v0.32.0 stand-in\\n")
    print(f'Exporting logs for cluster "{{name}}" to:\\n{{out}}', file=sys.stderr)
elif verb == ["delete", "cluster"]:
    print(f'Deleting cluster "{{name}}" ...', file=sys.stderr)
    if name in clusters:
        clusters.remove(name)
        state.write_text(json.dumps(clusters))
else:
    print(f"ERROR: unknown command {{args}}", file=sys.stderr)
    sys.exit(2)
"""


@dataclass(frozen=True)
class FakeKind:
    standin: Standin
    state: Path

    def clusters(self) -> list[str]:
        return list(json.loads(self.state.read_text())) if self.state.exists() else []

    def calls(self) -> list[list[str]]:
        return self.standin.calls()

    def verbs(self) -> list[str]:
        """Each call as ``get clusters``, ``create cluster``..., oldest first."""
        return [" ".join(call[:2]) for call in self.calls()]

    def server(self, name: str) -> str:
        """The API server URL the stand-in's ``get kubeconfig`` gives cluster *name* (a port of its own)."""
        return f"https://127.0.0.1:{30000 + zlib.crc32(name.encode()) % 10000}"

    def handle(self, name: str) -> KindCluster:
        return KindCluster(name, self.standin.path)


def fake_kind(bin_dir: Path, *, clusters: tuple[str, ...] = ()) -> FakeKind:
    """A stand-in kind in *bin_dir* that knows *clusters* already."""
    state = bin_dir / "kind-clusters.json"
    standin = write_standin(bin_dir, "kind", _KIND_BODY.format(state=str(state)))
    state.write_text(json.dumps(list(clusters)))
    return FakeKind(standin, state)
