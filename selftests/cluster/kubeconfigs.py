"""Kubeconfigs that point at a local port, for the tests of how a run stops before any step."""

from __future__ import annotations

import socket
from pathlib import Path

_TOKEN_KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: {cluster}
  cluster: {{server: "https://127.0.0.1:{port}"}}
contexts:
- name: {context}
  context: {{cluster: {cluster}, user: u}}
current-context: {context}
users:
- name: u
  user: {{token: tok-abcdefgh12345678}}
"""


def closed_port() -> int:
    """A local port nothing listens on (bound, then released): a connection to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_token_kubeconfig(path: Path, *, port: int, context: str, cluster: str = "c") -> Path:
    """A kubeconfig whose one context reaches https://127.0.0.1:PORT with a bearer token."""
    path.write_text(_TOKEN_KUBECONFIG.format(port=port, context=context, cluster=cluster), encoding="utf-8")
    return path
