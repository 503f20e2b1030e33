"""Crossplane's own composite reconciler, run offline on the fixtures' Composition.

``crossplane internal render`` (Crossplane v2.3.4, built from ``hack/tools/crossplane``) runs one real
reconcile of a composite resource against an in-memory client, calling the Composition's functions over
gRPC. function-patch-and-transform runs beside it as a process of its own, built from its module, on a
Unix socket (render dials functions without TLS). Nothing here models what either engine does: this
module only starts them, hands them the objects, and reads back what they answered.
"""

from __future__ import annotations

import json
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from oamconf.cluster.gobuild import Built
from oamconf.errors import ConformanceError
from oamconf.k8s.wait import Observation, State, wait_until

RESOURCE_NAME: Final = "crossplane.io/composition-resource-name"
RENDER_TIMEOUT: Final = 120.0
_READY_TIMEOUT: Final = 30.0


class RenderFailed(ConformanceError):
    """The engine could not run at all (not a pipeline result: those come back in ``Rendered``)."""


@dataclass(frozen=True)
class Rendered:
    """What one reconcile produced.

    ``composed`` is keyed by the Composition's resource name (the ``crossplane.io/composition-resource-name``
    annotation Crossplane sets); ``error`` is Crossplane's own message when the reconcile failed (exit 3 with
    a partial result for a function's fatal result), else empty.
    """

    composite: dict[str, Any]
    composed: dict[str, dict[str, Any]]
    events: list[dict[str, str]] = field(default_factory=list)
    error: str = ""

    def warnings(self) -> list[str]:
        return [event.get("message", "") for event in self.events if event.get("type") == "Warning"]

    def condition(self, kind: str) -> dict[str, Any]:
        """The composite's condition of *kind* (``Synced``, ``Ready``), or ``{}``."""
        conditions = self.composite.get("status", {}).get("conditions", [])
        return next((c for c in conditions if c.get("type") == kind), {})


@dataclass(frozen=True)
class Function:
    name: str
    address: str  # as render dials it: unix:///path or host:port


@contextmanager
def function_server(name: str, binary: Built) -> Iterator[Function]:
    """Run a composition function (a binary built from its module) until the block ends; ended by pid."""
    with tempfile.TemporaryDirectory(prefix="oamconf-fn-") as folder:
        sock, log = Path(folder) / "fn.sock", Path(folder) / "fn.log"
        with log.open("w", encoding="utf-8") as out:
            proc = subprocess.Popen(  # noqa: S603 - an argument list of our own, no shell
                [str(binary.path), "--insecure", "--network", "unix", "--address", str(sock)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until(
                lambda: _serving(proc, sock, log),
                timeout=_READY_TIMEOUT,
                subject=f"function {name} ({binary.tool.version}) serving on {sock}",
            )
            yield Function(name, f"unix://{sock}")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _serving(proc: subprocess.Popen[bytes], sock: Path, log: Path) -> Observation:
    if proc.poll() is not None:
        tail = " | ".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-3:])
        return Observation(State.FAILED, f"exited with {proc.returncode}: {tail or 'no output'}")
    if not sock.exists():
        return Observation(State.PENDING, "no socket yet")
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(str(sock))
        except OSError as err:
            return Observation(State.PENDING, f"socket refuses connections: {err}")
    return Observation(State.SUCCEEDED, "serving")


def render(
    composite: Mapping[str, Any],
    composition: Mapping[str, Any],
    *,
    functions: Sequence[Function],
    engine: Built,
    adapter: Built,
    observed: Sequence[Mapping[str, Any]] = (),
    definition: Mapping[str, Any] | None = None,
) -> Rendered:
    """One real reconcile of *composite* through *composition*.

    Parameters:
        observed: composed resources as a previous reconcile left them (each with its
            ``crossplane.io/composition-resource-name`` annotation and whatever status a provider wrote).
        definition: the XRD, so the reconciler picks the composite schema the API server would.
        engine, adapter: the ``crossplane`` binary and ``xrender`` (JSON <-> protobuf) from ``gobuild``.

    Raises:
        RenderFailed: the engine did not run, or failed without a partial result.
    """
    request: dict[str, Any] = {
        "composite_resource": composite,
        "composition": composition,
        "functions": [{"name": fn.name, "address": fn.address} for fn in functions],
        "observed_resources": list(observed),
    }
    if definition is not None:
        request["composite_resource_definition"] = definition
    proc = subprocess.run(  # noqa: S603 - an argument list of our own, no shell
        [str(adapter.path), str(engine.path), "--timeout", f"{RENDER_TIMEOUT:.0f}s"],
        input=json.dumps({"composite": request}),
        capture_output=True,
        text=True,
        timeout=RENDER_TIMEOUT + 30,
        check=False,
    )
    error = _crossplane_error(proc.stderr) if proc.returncode else ""
    if not proc.stdout.strip():
        raise RenderFailed(f"crossplane {engine.tool.version} render failed (exit {proc.returncode}): {error}")
    output = json.loads(proc.stdout).get("composite", {})
    composed = {
        obj.get("metadata", {}).get("annotations", {}).get(RESOURCE_NAME, f"#{index}"): obj
        for index, obj in enumerate(output.get("composed_resources", []))
    }
    return Rendered(output.get("composite_resource", {}), composed, output.get("events", []), error)


def _crossplane_error(stderr: str) -> str:
    """Crossplane's own error line: kong prints ``crossplane: error: <message>`` last."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if ": error: " in line:
            return line.partition(": error: ")[2]
    return lines[-1] if lines else "no output"
