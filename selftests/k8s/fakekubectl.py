"""A stand-in ``kubectl`` for the real backend's port-forwards: it records how it was run and listens itself."""

from __future__ import annotations

import sys
from pathlib import Path

# A kubectl that listens itself: it echoes, so a test can tell it is reached, or relays each connection
# to a local server, as a port-forward would to the Service.
_STAND_IN = """\
#!{python}
import json, os, socket, sys, threading
FORWARD_TO = {forward_to!r}
with open({record!r}, "w") as out:
    json.dump({{"argv": sys.argv[1:], "pid": os.getpid()}}, out)
if "svc/missing" in sys.argv:
    print('error: services "missing" not found', file=sys.stderr)
    sys.exit(1)
if "svc/silent" in sys.argv:
    threading.Event().wait()
target = next(a for a in sys.argv if a.startswith(":"))[1:]
server = socket.create_server(("127.0.0.1", 0))
print(f"Forwarding from 127.0.0.1:{{server.getsockname()[1]}} -> {{target}}", flush=True)

def pump(source, sink):
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    try:
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass

def serve(conn):
    with conn:
        if FORWARD_TO is None:
            conn.sendall(conn.recv(1024))
            return
        with socket.create_connection(FORWARD_TO) as upstream:
            back = threading.Thread(target=pump, args=(upstream, conn))
            back.start()
            pump(conn, upstream)
            back.join()

while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
"""


def write_fake_kubectl(path: Path, record: Path, *, forward_to: tuple[str, int] | None = None) -> Path:
    """Write an executable stand-in ``kubectl`` that records its argv and pid as JSON in *record*.

    ``svc/missing`` makes it fail like kubectl does for an unknown Service; ``svc/silent`` makes it
    print nothing until terminated; any other Service gets a local echo server, or with *forward_to*
    a local port relayed to that address, as a real port-forward relays to the Service.
    """
    script = _STAND_IN.format(python=sys.executable, record=str(record), forward_to=forward_to)
    path.write_text(script, encoding="utf-8")
    path.chmod(0o755)
    return path
