"""A network namespace of its own for a sandboxed process, with the host's loopback ports it needs forwarded in.

Why: a pod has its own ports, a process on the host does not, and the providers listen on fixed ones that no
flag moves: controller-runtime's metrics server on ``:8080`` (provider-kubernetes v1.2.1 and provider-helm
v1.3.0 both), provider-kubernetes' webhook server on ``:9443``. Two providers on one host network cannot both
start ("bind: address already in use"). In a network namespace of its own each has its ``:8080``.

How, with nothing but util-linux's ``unshare`` and the standard library: before the namespace is made, the
sandbox forks a forwarder that stays in the host's network; the step inside the new namespace brings ``lo`` up,
listens on ``127.0.0.1:<port>`` for each forwarded port, hands those listening sockets to the forwarder over a
Unix socket pair (``SCM_RIGHTS``), and becomes the binary. The forwarder accepts on them (a socket belongs to
the namespace it was made in, whoever holds it) and connects each connection to the same port on the host's
loopback. It watches the binary through a pidfd and exits when the binary does, so it never outlives it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import selectors
import socket
import struct
import threading
from collections.abc import Sequence
from typing import Final

LOOPBACK: Final = "127.0.0.1"
_SIOCGIFFLAGS: Final = 0x8913
_SIOCSIFFLAGS: Final = 0x8914
_IFF_UP: Final = 0x1
_CHUNK: Final = 65536


def loopback_up() -> None:
    """Bring ``lo`` up in this network namespace (a new one starts with it down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        request = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(probe, _SIOCGIFFLAGS, request)[:18])[1]
        fcntl.ioctl(probe, _SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | _IFF_UP))


def listen_and_hand_over(channel: socket.socket, ports: Sequence[int]) -> None:
    """Inside the new namespace: listen on each port of loopback and send the sockets to the forwarder."""
    listeners = []
    for port in ports:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, port))
        listener.listen(128)
        listeners.append(listener)
    socket.send_fds(channel, [b"listeners"], [listener.fileno() for listener in listeners])
    for listener in [*listeners, channel]:
        listener.close()


def forward(channel: socket.socket, ports: Sequence[int], watched: int) -> None:
    """In the host's namespace: receive the listeners, forward each connection to the host's loopback port, and
    return when process *watched* exits (or the handover never comes)."""
    try:
        _, fds, _, _ = socket.recv_fds(channel, 64, len(ports))
    except OSError:
        return
    if len(fds) != len(ports):
        return
    selector = selectors.DefaultSelector()
    watch = os.pidfd_open(watched)
    selector.register(watch, selectors.EVENT_READ, None)
    for fd, port in zip(fds, ports, strict=True):
        selector.register(socket.socket(fileno=fd), selectors.EVENT_READ, port)
    while True:
        for key, _ in selector.select():
            if key.data is None:  # the pidfd is readable: the binary has exited
                return
            _accept(key.fileobj, key.data)  # type: ignore[arg-type]  # the listeners registered above


def _accept(listener: socket.socket, port: int) -> None:
    inside, _ = listener.accept()
    try:
        outside = socket.create_connection((LOOPBACK, port), timeout=10)
    except OSError:
        inside.close()  # as a refused connection looks to the client
        return
    outside.settimeout(None)
    for source, sink in ((inside, outside), (outside, inside)):
        threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(_CHUNK):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()
