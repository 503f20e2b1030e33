"""Loopback ports for the local control plane: the usual one when it is free, another when it is not.

Each component has a usual port (the API server 6443, etcd 2379...), so a developer finds a kept control
plane where kubeadm would put it. A usual port that something else holds is not an error: the component
gets a port the kernel picks, and the kubeconfig names it. Between the check and the component's own bind
another process may still take the port; the component then exits saying so, and the control plane starts
it once more on fresh ports (``address_in_use``).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from typing import Final

from oamconf.cluster.localcp.certs import LOOPBACK

USUAL: Final = {
    "etcd-client": 2379,
    "etcd-peer": 2380,
    "kube-apiserver": 6443,
    "kube-controller-manager": 10257,
    "kube-scheduler": 10259,
    "kwok": 10247,
}
_IN_USE_WORDS: Final = ("address already in use", "bind: address in use")


def free(preferred: int | None, taken: Iterable[int] = ()) -> int:
    """*preferred* when nothing listens there and it is not in *taken*, else a free port the kernel picks."""
    avoid = set(taken)
    if preferred and preferred not in avoid and _bindable(preferred):
        return preferred
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((LOOPBACK, 0))
            port = int(probe.getsockname()[1])
        if port not in avoid:
            return port


def choose(names: Iterable[str], *, usual: dict[str, int] | None = None, avoid: Iterable[int] = ()) -> dict[str, int]:
    """A distinct free port for each name, not in *avoid*, its usual one where that is free."""
    table = USUAL if usual is None else usual
    avoided = list(avoid)
    chosen: dict[str, int] = {}
    for name in names:
        chosen[name] = free(table.get(name), [*avoided, *chosen.values()])
    return chosen


def address_in_use(log_tail: str) -> bool:
    """Whether a component's last log lines say its port was taken."""
    lowered = log_tail.lower()
    return any(words in lowered for words in _IN_USE_WORDS)


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # No SO_REUSEADDR: a port in TIME_WAIT counts as taken. Go would bind it; passing it over costs nothing.
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def held(port: int) -> bool:
    """Whether a socket listens on loopback *port* (for a port that cannot move). Connections of an earlier
    process left in TIME_WAIT do not count: with SO_REUSEADDR, as Go binds, only a listener refuses the bind."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return True
    return False
