"""Port-forwards for ``KubeCluster``: ``kubectl port-forward``, run and stopped as a context.

They run ``kubectl``, which already knows every auth plugin a kubeconfig may use.
"""

from __future__ import annotations

import collections
import contextlib
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from typing import IO, Final

from oamconf.errors import ApiError, UsageError
from oamconf.k8s.api import Endpoint

_STOP_GRACE: Final = 5.0
_FORWARDING: Final = re.compile(r"Forwarding from 127\.0\.0\.1:(\d+) -> ")


@contextlib.contextmanager
def kubectl_port_forward(
    namespace: str, service: str, port: int, *, kubectl_flags: Sequence[str], timeout: float
) -> Iterator[Endpoint]:
    """Run ``kubectl port-forward svc/<service> :<port> -n <namespace>`` while the context is open.

    Parameters:
        kubectl_flags: appended to kubectl's arguments (``--kubeconfig``, ``--context``).
        timeout: seconds kubectl may take to report its local port.

    Raises:
        UsageError: kubectl is not on PATH.
        ApiError: kubectl exited, or printed no local port within *timeout*.
    """
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise UsageError("kubectl not found on PATH: install kubectl (it runs the port-forwards) or fix PATH")
    args = ["port-forward", f"svc/{service}", f":{port}", "-n", namespace]
    with _kubectl_forward([kubectl, *args, *kubectl_flags], timeout) as local:
        yield Endpoint("127.0.0.1", local)


class _KubectlOutput:
    """Reads kubectl's pipes in threads until it exits: a full pipe would stall the forward."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.port: int | None = None
        self.settled = threading.Event()  # the port is known, or stdout closed without one
        self.errors: collections.deque[str] = collections.deque(maxlen=3)
        self._threads = [
            threading.Thread(target=self._read_stdout, args=(proc.stdout,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(proc.stderr,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _read_stdout(self, stream: IO[str]) -> None:
        for line in stream:
            found = _FORWARDING.search(line)
            if found and self.port is None:
                self.port = int(found[1])
                self.settled.set()
        self.settled.set()

    def _read_stderr(self, stream: IO[str]) -> None:
        self.errors.extend(line.strip() for line in stream if line.strip())

    def join(self, timeout: float) -> bool:
        """Wait (bounded) for both readers; ``True`` when both finished."""
        for thread in self._threads:
            thread.join(timeout)
        return not any(thread.is_alive() for thread in self._threads)


@contextlib.contextmanager
def _kubectl_forward(argv: list[str], timeout: float) -> Iterator[int]:
    """Run a ``kubectl port-forward`` argument list; yield the local port; stop kubectl on exit."""
    what = "kubectl " + " ".join(argv[1:6])
    try:
        proc = subprocess.Popen(  # noqa: S603 - an argument list; kubectl resolved by shutil.which
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    except OSError as err:
        raise UsageError(f"cannot run {argv[0]} ({err.strerror}): check the kubectl on PATH") from err
    output = _KubectlOutput(proc)
    try:
        if not output.settled.wait(timeout):
            raise ApiError(0, "PortForwardTimeout", f"{what} printed no local port within {timeout:g}s")
        if output.port is None:
            code = _stop(proc)
            output.join(_STOP_GRACE)
            said = output.errors[-1] if output.errors else "no error output"
            raise ApiError(0, "PortForwardFailed", f"{what} exited with status {code}: {said}")
        yield output.port
    finally:
        _stop(proc)
        if output.join(_STOP_GRACE):  # closing a pipe a reader still holds could block
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()


def _stop(proc: subprocess.Popen[str]) -> int:
    """Terminate, then kill if it ignores that; reap it either way. Returns the exit status."""
    if proc.poll() is None:
        proc.terminate()
        try:
            return proc.wait(timeout=_STOP_GRACE)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()
