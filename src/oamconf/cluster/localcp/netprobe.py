"""An HTTP probe inside a sandboxed process's own network namespace, as a kubelet probes a pod's port.

A pod with a network of its own (``sandbox_net``) serves its health and metrics ports where the host cannot
reach them. ``probe(pid, url)`` runs this module under ``nsenter --net`` into the namespace of process *pid*
and reads *url* there: one short-lived process per probe, standard library only. Exit code 0 and the body on
stdout when the server answers 200, else 1 and the error on stderr.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from typing import Final

from oamconf.errors import one_line
from oamconf.k8s.wait import Observation

TIMEOUT: Final = 5.0


def probe(pid: int, url: str, *, want: str = "") -> Observation:
    """*url* read in the network namespace of process *pid*: succeeded once it answers 200 with *want* in it."""
    argv = ["nsenter", f"--target={pid}", "--net", "--", sys.executable, "-m", __name__, url]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT * 2, check=False)  # noqa: S603
    except (OSError, subprocess.SubprocessError) as err:
        return Observation.pending(f"{url} in pid {pid}'s network: {one_line(str(err), 120)}")
    if done.returncode != 0:
        return Observation.pending(f"{url} in pid {pid}'s network: {one_line(done.stderr.strip(), 120)}")
    return Observation.simple(want in done.stdout, f"{url} in pid {pid}'s network answers, want {want!r} in it")


def main(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:  # noqa: S310 - a loopback http URL of ours
            sys.stdout.write(answer.read().decode(errors="replace"))
            return 0
    except (urllib.error.URLError, OSError) as err:
        sys.stderr.write(f"{err}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
