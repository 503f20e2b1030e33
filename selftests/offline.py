"""The real phase modules run offline: a scenario (healthy, or with one named fault), and the report read back.

A fault is a named function that changes the healthy scenario's document in place, so a fault scenario
reads as what broke (``provider_unhealthy``) and new faults add functions, not branches. Tests assert
each step's verdict as the report shows it, so a new step elsewhere does not change their expectations.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from oamconf.k8s.scenario import scenario_files
from oamconf.k8s.yamldoc import read_documents
from synthetic import SUITE_PLUGINS

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "selftests" / "scenarios"
HEALTHY = SCENARIOS / "healthy"

Scenario = dict[str, Any]
Fault = Callable[[Scenario], None]


def run_phases(
    pytester: pytest.Pytester, *scenarios: Path, args: tuple[str, ...] = (), plugins: tuple[object, ...] = ()
) -> tuple[pytest.RunResult, str]:
    """Run ``tests/`` against the scenario files (with *plugins*, e.g. ``charts.Charts``); return the run and
    its report.md."""
    chosen = [arg for path in scenarios for arg in ("--scenario", str(path))]
    result = pytester.runpytest(
        str(ROOT / "tests"), *SUITE_PLUGINS, "--conformance", *chosen, "--report-dir", "reports", *args,
        plugins=list(plugins),
    )  # fmt: skip
    return result, (pytester.path / "reports" / "report.md").read_text(encoding="utf-8")


def composed(base: Path) -> Scenario:
    """The scenario files of *base* (a file or a folder) as one document, as the loader composes them."""
    doc: Scenario = {"name": base.stem}
    for path in scenario_files([base]):
        # The loader's YAML 1.2 reading keeps the reactions' "on:" keys (PyYAML's 1.1 would not). Through
        # JSON: objects merged from one YAML anchor share their maps, and a fault changes one object.
        part = json.loads(json.dumps(read_documents(path)[0].data))
        for key, value in part.items():
            if isinstance(value, list):
                doc.setdefault(key, []).extend(value)
    return doc


def with_fault(pytester: pytest.Pytester, fault: Fault, base: Path = HEALTHY) -> Path:
    """*base* with *fault* applied, written to the test's folder as ``<fault name>.yaml``."""
    doc = composed(base)
    fault(doc)
    path = pytester.path / f"{fault.__name__.replace('_', '-')}.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def verdicts(md: str) -> dict[str, str]:
    """Each step's status as report.md shows it: ``{"1.1": "✅ Working", "1.2": "❌ Failed"}``."""
    found = re.findall(r"^### Test (\S+): .*\n- \*\*Status\*\*: (.+)$", md, flags=re.MULTILINE)
    return dict(found)


def step_section(md: str, step: str) -> str:
    """The report.md section of one step, from its heading to the next one."""
    start = md.index(f"### Test {step}:")
    end = min((i for i in (md.find("\n### ", start + 1), md.find("\n---", start + 1)) if i != -1), default=len(md))
    return md[start:end]


def objects(doc: Scenario, kind: str, name: str | None = None) -> list[dict[str, Any]]:
    """The scenario's objects of *kind* (and *name*)."""
    return [o for o in doc["objects"] if o["kind"] == kind and name in (None, o["metadata"]["name"])]


def reaction(doc: Scenario, kind: str, name: str) -> dict[str, Any]:
    """The first reaction to applying *kind* *name* (its ``on.name`` may be a glob)."""
    return next(r for r in doc["reactions"] if r["on"].get("kind") == kind and r["on"].get("name") == name)


def renamed(names: dict[str, str], *, keep: tuple[str, ...] = ()) -> Fault:
    """The scenario with each name of *names* (a whole token: ``vc1`` in ``vc-vc1`` and ``vc1-ns``, not in
    ``vc10``) replaced everywhere, base64 Secret data and rendered values included: the platform as a team
    that named things otherwise would run it. A token followed by one of *keep* (``-smoke-``: a name the
    suite gives, not the profile) stays."""
    kept = "".join(f"(?!{re.escape(suffix)})" for suffix in keep)
    alternatives = "|".join(re.escape(old) for old in sorted(names, key=len, reverse=True))
    tokens = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w){kept}")

    def text(value: str) -> str:
        return tokens.sub(lambda m: names[m[0]], value)

    def walk(node: Any, *, encoded: bool = False) -> Any:
        if isinstance(node, dict):
            return {text(k): walk(v, encoded=encoded or k == "data") for k, v in node.items()}
        if isinstance(node, list):
            return [walk(item, encoded=encoded) for item in node]
        if isinstance(node, str) and encoded:
            try:
                decoded = base64.b64decode(node, validate=True).decode()
            except ValueError:  # a ConfigMap's data: text as it is
                return text(node)
            return base64.b64encode(text(decoded).encode()).decode()
        return text(node) if isinstance(node, str) else node

    def rename(doc: Scenario) -> None:
        doc.update(walk({k: v for k, v in doc.items() if k != "name"}))

    rename.__name__ = "renamed"
    return rename


# -- faults of phase 1 ---------------------------------------------------------------------------


def provider_unhealthy(doc: Scenario) -> None:
    """provider-helm stays unhealthy on a state Crossplane may still recover from (a dependency)."""
    (provider,) = objects(doc, "Provider", "provider-helm")
    provider["status"]["conditions"] = [
        {"type": "Installed", "status": "True", "reason": "ActivePackageRevision"},
        {
            "type": "Healthy",
            "status": "False",
            "reason": "UnhealthyPackageRevision",
            "message": "cannot resolve package dependencies",
        },
    ]


def provider_incompatible(doc: Scenario) -> None:
    """provider-helm cannot run on this Crossplane: Crossplane does not retry that."""
    (provider,) = objects(doc, "Provider", "provider-helm")
    provider["status"]["conditions"] = [
        {"type": "Installed", "status": "True", "reason": "ActivePackageRevision"},
        {
            "type": "Healthy",
            "status": "False",
            "reason": "UnhealthyPackageRevision",
            "message": "incompatible Crossplane version: package is not compatible with Crossplane version (v2.3.4)",
        },
    ]


def smoke_release_fails(doc: Scenario) -> None:
    """The smoke Release fails to install; without a rollbackLimit provider-helm does not retry it."""
    reaction(doc, "Release", "conformance-smoke-*")["set_status"] = {
        "atProvider": {"state": "failed", "releaseDescription": "Release install failed: image pull back-off"},
        "conditions": [
            {"type": "Ready", "status": "False", "reason": "Unavailable"},
            {"type": "Synced", "status": "True", "reason": "ReconcileSuccess"},
        ],
    }


def vela_core_crash_loops(doc: Scenario) -> None:
    """KubeVela's controller pod crash-loops: its Deployment is never Available."""
    (deployment,) = objects(doc, "Deployment", "kubevela-vela-core")
    deployment["status"]["conditions"] = [
        {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable"},
        {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"},
    ]
    deployment["status"]["readyReplicas"] = 0
    labels = {"app.kubernetes.io/name": "vela-core"}
    deployment["spec"] = {"replicas": 1, "selector": {"matchLabels": labels}}
    crash = {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container=kubevela"}
    last = {"reason": "Error", "exitCode": 1}
    doc["objects"].append({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "kubevela-vela-core-7d9f-abcde", "namespace": "vela-system", "labels": labels},
        "status": {"phase": "Running", "containerStatuses": [
            {"name": "kubevela", "ready": False, "restartCount": 7, "state": {"waiting": crash},
             "lastState": {"terminated": last}},
        ]},
    })  # fmt: skip
    doc.setdefault("logs", []).append({
        "namespace": "vela-system", "pod": "kubevela-vela-core-7d9f-abcde", "container": "kubevela", "previous": True,
        "text": "I1129 starting manager\nE1129 unable to start manager: webhook certificate not found",
    })  # fmt: skip


def redis_definition_unreconciled(doc: Scenario) -> None:
    """KubeVela never took the redis ComponentDefinition (no DefinitionRevision)."""
    (definition,) = objects(doc, "ComponentDefinition", "redis")
    definition.pop("status")


def redis_definition_missing(doc: Scenario) -> None:
    """The redis ComponentDefinition was never applied."""
    doc["objects"] = [
        o for o in doc["objects"] if not (o["kind"] == "ComponentDefinition" and o["metadata"]["name"] == "redis")
    ]
