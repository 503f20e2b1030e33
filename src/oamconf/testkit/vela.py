"""KubeVela's own engine, run offline on the fixtures' ComponentDefinitions.

``vela dry-run --offline`` (KubeVela v1.10.9, built from ``hack/tools/kubevela``) renders an Application
with the given definitions through KubeVela's CUE engine and prints the Kubernetes objects it would apply.
Health policies and custom status are not part of a dry-run: ``velastatus`` (an adapter of ours over
KubeVela's ``pkg/cue/definition/health``) evaluates them the way the application controller does.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from oamconf.cluster.gobuild import Built
from oamconf.errors import ConformanceError

_TIMEOUT: Final = 120.0
# vela reads a kubeconfig even offline (it builds a REST config it never dials): one that points nowhere.
_NOWHERE_KUBECONFIG: Final = """apiVersion: v1
kind: Config
clusters: [{name: offline, cluster: {server: "https://127.0.0.1:9"}}]
contexts: [{name: offline, context: {cluster: offline, user: offline}}]
users: [{name: offline, user: {}}]
current-context: offline
"""


class VelaFailed(ConformanceError):
    """KubeVela refused the Application or a definition: the message is KubeVela's own."""


@dataclass(frozen=True)
class Status:
    healthy: bool
    message: str
    health_error: str  # why the health policy did not evaluate (KubeVela counts that as unhealthy)


def dry_run(
    application: Mapping[str, Any], definitions: Sequence[Mapping[str, Any]], *, vela: Built
) -> list[dict[str, Any]]:
    """The objects KubeVela renders for *application* with *definitions* (offline, no cluster).

    Raises:
        VelaFailed: KubeVela's error (a CUE error in a template, an unknown component type...).
    """
    with tempfile.TemporaryDirectory(prefix="oamconf-vela-") as folder:
        root = Path(folder)
        (root / "defs").mkdir()
        for index, definition in enumerate(definitions):
            (root / "defs" / f"{index}.yaml").write_text(yaml.safe_dump(dict(definition)), encoding="utf-8")
        (root / "app.yaml").write_text(yaml.safe_dump(dict(application)), encoding="utf-8")
        (root / "kubeconfig").write_text(_NOWHERE_KUBECONFIG, encoding="utf-8")
        namespace = application.get("metadata", {}).get("namespace", "default")
        argv = [str(vela.path), "dry-run", "--offline", "-f", "app.yaml", "-d", "defs", "-n", namespace]
        proc = subprocess.run(  # noqa: S603 - an argument list of our own, no shell
            argv,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            env={**os.environ, "KUBECONFIG": str(root / "kubeconfig"), "HOME": str(root)},
            check=False,
        )
    if proc.returncode != 0:
        raise VelaFailed(_vela_error(proc.stderr or proc.stdout))
    return [doc for doc in yaml.safe_load_all(proc.stdout) if isinstance(doc, dict) and doc.get("kind")]


def _vela_error(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error:")]
    return (errors[-1].removeprefix("Error:").strip() if errors else " ".join(lines[-3:])) or "no output"


def status(
    definition: Mapping[str, Any], *, output: Mapping[str, Any], parameter: Mapping[str, Any], velastatus: Built
) -> Status:
    """The definition's health policy and custom status on a live *output* (its ``status`` as observed)."""
    spec = definition.get("spec", {}).get("status", {})
    request = {
        "healthPolicy": spec.get("healthPolicy", ""),
        "customStatus": spec.get("customStatus", ""),
        "details": spec.get("details", ""),
        "parameter": dict(parameter),
        "context": {"output": dict(output)},
    }
    proc = subprocess.run(  # noqa: S603 - an argument list of our own, no shell
        [str(velastatus.path)], input=json.dumps(request), capture_output=True, text=True, timeout=60, check=False
    )
    if proc.returncode != 0:
        raise VelaFailed(proc.stderr.strip() or f"velastatus exited {proc.returncode}")
    result = json.loads(proc.stdout)
    return Status(bool(result.get("healthy")), result.get("message", ""), result.get("healthError", ""))
