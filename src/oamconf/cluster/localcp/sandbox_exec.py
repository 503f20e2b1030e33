"""The step a sandboxed process takes inside its own mount namespace before it becomes the binary (``sandbox``).

``unshare --mount --propagation private`` runs this module; it mounts a tmpfs over ``/run``, writes the
files a pod would see there (the service-account token, CA and namespace, a serving certificate), binds a
hosts file over ``/etc/hosts`` when Service names must resolve, and ``execve``\\s the binary with exactly the
environment of the spec, so the binary keeps this pid (with ``private_tmp``, by its descriptor, right after a
tmpfs is mounted over ``/tmp``). With ``forward`` in the spec it first forks the
forwarder and re-runs itself under ``unshare --net`` (``sandbox_net``), still the same pid. Every file lives
in the tmpfs, which goes with the namespace when the process ends: nothing is left on the host's file system.

The spec comes in the environment variable ``SPEC_VARIABLE`` (JSON), never on the command line, where any
user could read the token; the binary's environment does not have it. Standard library only: this runs
before every sandboxed process, and an error is one line on stderr (the process's log) and exit code 126.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

from oamconf.cluster.localcp import sandbox_net

SPEC_VARIABLE: Final = "OAMCONF_SANDBOX_SPEC"
INSIDE_NETWORK: Final = "--inside-network"
RUN: Final = Path("/run")
HOSTS: Final = Path("/etc/hosts")
TMP: Final = Path("/tmp")  # noqa: S108 - a container's own /tmp, a tmpfs in the namespace
_FAILED: Final = 126  # as a shell says "found but could not be run"


class SandboxSetupError(Exception):
    """A step inside the namespace failed; the message is the one line the log shows."""


def _mount(*words: str) -> None:
    try:
        subprocess.run(["mount", *words], check=True, capture_output=True, text=True)  # noqa: S603, S607 - argv
    except subprocess.CalledProcessError as err:
        raise SandboxSetupError(f"mount {' '.join(words)}: {err.stderr.strip() or err}") from err
    except OSError as err:
        raise SandboxSetupError(f"mount {' '.join(words)}: {err}") from err


def _write(path: Path, text: str, mode: int) -> None:
    if RUN not in path.parents:  # a file anywhere else would stay on the host after the process
        raise SandboxSetupError(f"{path}: sandbox files live under {RUN} (a tmpfs), not on the host")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def _hosts(names: dict[str, str]) -> None:
    """The host's /etc/hosts plus *names*, bound over /etc/hosts for this namespace alone."""
    lines = [HOSTS.read_text(encoding="utf-8").rstrip("\n"), "# Service names of the sandbox (oamconf)"]
    lines += [f"{address}\t{name}" for name, address in sorted(names.items())]
    ours = RUN / "oamconf-hosts"
    _write(ours, "\n".join(lines) + "\n", 0o644)
    _mount("--bind", str(ours), str(HOSTS))


def prepare(spec: dict[str, Any]) -> None:
    """Mount the tmpfs, write the spec's files, bind the hosts file, create the spec's empty folders."""
    _mount("-t", "tmpfs", "-o", "mode=0755,size=64m", "oamconf-run", str(RUN))
    for item in spec.get("files", []):
        _write(Path(item["path"]), item["text"], int(item.get("mode", 0o644)))
    for folder in spec.get("folders", []):
        path = Path(folder)
        if RUN not in path.parents:
            raise SandboxSetupError(f"{path}: sandbox folders live under {RUN} (a tmpfs), not on the host")
        path.mkdir(parents=True, exist_ok=True)
    if spec.get("hosts"):
        _hosts(dict(spec["hosts"]))
    if spec.get("workdir"):  # a relative path the binary writes lands in the tmpfs too
        os.chdir(spec["workdir"])


def main(args: list[str]) -> int:
    raw = os.environ.get(SPEC_VARIABLE)
    if raw is None:
        sys.stderr.write(f"sandbox: no {SPEC_VARIABLE} in the environment (run through oamconf's sandbox)\n")
        return _FAILED
    spec = json.loads(raw)
    try:
        if args[:1] == [INSIDE_NETWORK]:  # the second step, in the new network namespace
            _inside_network(spec, int(args[1]))
        else:
            prepare(spec)
            if spec.get("forward") is not None:
                _own_network(spec)
        _become(spec)
    except (SandboxSetupError, OSError) as err:
        sys.stderr.write(f"sandbox: {err}\n")
    return _FAILED


def _own_network(spec: dict[str, Any]) -> None:
    """Fork the forwarder (it stays in the host's network), then run the next step in a new network namespace.
    ``exec`` keeps the pid: the binary's pid is still the one the suite holds, and the forwarder watches it."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    me = os.getpid()
    if os.fork() == 0:  # the forwarder
        theirs.close()
        try:
            sandbox_net.forward(ours, spec["forward"], me)
        finally:
            os._exit(0)
    ours.close()
    theirs.set_inheritable(True)
    step = [sys.executable, "-m", __spec__.name if __spec__ else "oamconf.cluster.localcp.sandbox_exec"]
    os.execvp("unshare", ["unshare", "--net", "--", *step, INSIDE_NETWORK, str(theirs.fileno())])  # noqa: S606, S607


def _inside_network(spec: dict[str, Any], channel: int) -> None:
    sandbox_net.loopback_up()
    sandbox_net.listen_and_hand_over(socket.socket(fileno=channel), spec["forward"])


def _become(spec: dict[str, Any]) -> None:
    argv = [str(word) for word in spec["argv"]]
    env = {str(k): str(v) for k, v in spec["env"].items()}
    if not spec.get("private_tmp"):
        os.execve(argv[0], argv, env)  # noqa: S606 - our argv
    # Last, just before the exec: the binary (the tool cache may be under /tmp) is opened first and run by its
    # descriptor, and the steps before (this interpreter, the forwarder) have loaded what they need from /tmp.
    binary = os.open(argv[0], os.O_RDONLY | os.O_CLOEXEC)
    _mount("-t", "tmpfs", "-o", "mode=1777,size=256m", "oamconf-tmp", str(TMP))
    os.execve(binary, argv, env)  # noqa: S606 - our argv


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
