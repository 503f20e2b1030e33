"""What the real-KubeVela self-tests share: the objects they apply and the small verdicts they wait on."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from oamconf.cluster import gobuild
from oamconf.cluster.tools import default_cache_dir
from oamconf.k8s.api import KubeObject, Ref
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.wait import Observation
from oamconf.platform.paths import project_root
from oamconf.testkit.schema_sources import shared_folder
from oamconf.yamlio import load_kubernetes

OAM: Final = "core.oam.dev/v1beta1"
# What the API server's defaulting from the Release CRD's schema adds to the spec vela-core applied.
RELEASE_DEFAULTS: Final = {"deletionPolicy": "Delete", "managementPolicies": ["*"], "forProvider": {"maxHistory": 20}}
SYNTAX_ERROR: Final = (
    'output: {\n\tapiVersion: "v1"\n\tkind: "ConfigMap"\n\tdata: x: parameter.value +\n}\nparameter: {value: string}\n'
)


def release_crd() -> Path:
    """provider-helm's Release CRD: ../shared/crds (v1.4.0) when present, else v1.3.0's module (the proxy
    does not serve v1.4.0's; the Release API, helm.crossplane.io/v1beta1, is the same)."""
    shared = shared_folder() / "provider-helm-v1.4.0" / "helm.crossplane.io_releases.yaml"
    if shared.is_file():
        return shared
    module = gobuild.module_dir("github.com/crossplane-contrib/provider-helm", "v1.3.0")
    return module / "package" / "crds" / "helm.crossplane.io_releases.yaml"


def fixture(path: str) -> dict[str, Any]:
    body = load_kubernetes((project_root() / "fixtures" / "platform" / path).read_text(encoding="utf-8"))
    assert isinstance(body, dict)
    return body


def component_definition(name: str, template: str) -> dict[str, Any]:
    spec = {"workload": {"type": "autodetects.core.oam.dev"}, "schematic": {"cue": {"template": template}}}
    return {"apiVersion": OAM, "kind": "ComponentDefinition", "metadata": {"name": name, "namespace": "vela-system"},
            "spec": spec}  # fmt: skip


def application(name: str, namespace: str, component_type: str, properties: dict[str, Any]) -> dict[str, Any]:
    components = [{"name": "c", "type": component_type, "properties": properties}]
    return {"apiVersion": OAM, "kind": "Application", "metadata": {"name": name, "namespace": namespace},
            "spec": {"components": components}}  # fmt: skip


def step_is(phase: str) -> Callable[[KubeObject], Observation]:
    """The Application's first workflow step has reached *phase* (``running``, ``failed``)."""

    def verdict(obj: KubeObject) -> Observation:
        steps = obj.field("status.workflow.steps") or []
        seen = steps[0].get("phase") if steps else "no step yet"
        return Observation.simple(seen == phase, f"want step {phase}, is {seen}")

    return verdict


def phase_is(want: str) -> Callable[[KubeObject], Observation]:
    def verdict(obj: KubeObject) -> Observation:
        seen = obj.field("status.status") or "no status yet"
        return Observation.simple(seen == want, f"want {want}, is {seen}")

    return verdict


def with_defaults(spec: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(spec)
    for key, value in RELEASE_DEFAULTS.items():
        merged[key] = {**merged.get(key, {}), **value} if isinstance(value, dict) else value
    return merged


def warned(cluster: KubeCluster, ref: Ref, reason: str, text: str) -> Observation:
    """A Warning event of *reason* about *ref* whose message holds *text* (however often it was counted)."""
    warnings = [e for e in cluster.events(ref) if e.type == "Warning"]
    found = any(e.reason == reason and text in e.message for e in warnings)
    return Observation.simple(found, f"want a Warning {reason}: {text}, is {[str(e) for e in warnings]}")


def vela_cli() -> gobuild.Built:
    return gobuild.ensure(gobuild.load_tools()["vela"], cache_dir=default_cache_dir())
