"""The Crossplane packages' runtimes as pod-like processes, each run the way its pod would run.

Crossplane's Deployment runtime makes, for each active ProviderRevision and FunctionRevision, a Deployment
(its ServiceAccount, the DeploymentRuntimeConfig's args and env, the TLS Secrets it generated mounted);
kube-controller-manager makes the pod and kwok simulates it. ``runtime_of`` reads that pod, as a kubelet
would, into a ``sandbox.Pod``: the container's args, its env with each ``fieldRef`` resolved from the pod,
each Secret volume's files, and a TokenRequest token of the pod's ServiceAccount at the in-cluster path, so
``InjectedIdentity`` is exactly the pod's identity with the RBAC Crossplane's RBAC manager granted it.

Three differences from the pod, each forced by running on one host: the image's binary is the tool cache's
build of the image's repository at the image's tag (``hack/tools/tools.toml``; a different version is
refused); the mounts live under ``/run`` (the sandbox's tmpfs: ``/tls/server`` is ``/run/tls/server``) and the
env values and args naming a mount path name the moved one; a function listens on ``127.0.0.1:<its grpc
port>`` of the host's network (``--address``), where Crossplane core, whose hosts file resolves the
function's Service names to loopback, dials it. A provider gets a network of its own (its metrics
``:8080``, a webhook's ``:9443``), with the API server's port and the tier's chart repository forwarded in.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Final

from oamconf.cluster import gobuild
from oamconf.cluster.localcp.sandbox import SERVICE_ACCOUNT_DIR, Pod, PodIdentity
from oamconf.cluster.localcp.sandbox_exec import RUN
from oamconf.errors import ConformanceError
from oamconf.k8s.api import KubeObject, Ref
from oamconf.k8s.kube import KubeCluster

PKG: Final = "pkg.crossplane.io/v1"
REVISION_KINDS: Final = ("ProviderRevision", "FunctionRevision")
REVISION_LABEL: Final = "pkg.crossplane.io/revision"  # on the pod template (``podSelectors``)
GRPC_PORT_NAME: Final = "grpc"  # a function's port in its Deployment (``GRPCPortName``)
_LABEL_FIELD: Final = re.compile(r"metadata\.labels\['([^']+)'\]")
_REFERENCE: Final = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


class RuntimeError_(ConformanceError):  # noqa: N801 - ``RuntimeError`` is the builtin's
    """A package's pod cannot be run as a process here: one line naming the pod and why."""


@dataclass(frozen=True)
class PackageRuntime:
    """One package's pod, read into what the sandbox runs."""

    kind: str  # Provider or Function
    package: str  # the Provider's or Function's name
    revision: str
    tool: str  # the tool cache's name for the binary: the image's repository's last segment
    version: str  # the image's tag
    pod: Pod
    grpc_port: int | None  # a function's port

    @property
    def identity(self) -> str:
        who = self.pod.identity
        return f"system:serviceaccount:{who.namespace}:{who.service_account}" if who else "no token"


def active_revisions(cluster: KubeCluster) -> list[KubeObject]:
    """The active ProviderRevisions and FunctionRevisions, providers first, each kind by name."""
    found = []
    for kind in REVISION_KINDS:
        revisions = [r for r in cluster.list(PKG, kind) if r.field("spec.desiredState") == "Active"]
        found += sorted(revisions, key=lambda r: r.ref.name)
    return found


def runtime_of(cluster: KubeCluster, revision: KubeObject, ca: Path, api_port: int, cache_dir: Path) -> PackageRuntime:
    """The pod Crossplane's runtime made for *revision*, as the sandbox runs it.

    Raises:
        RuntimeError_: no pod yet, or one this tier cannot run as it is (a command, an unknown volume or field).
        ApiError: the API server refused a read or the TokenRequest.
    """
    kind = revision.ref.kind.removesuffix("Revision")
    package = revision.labels.get("pkg.crossplane.io/package", revision.ref.name)
    pods = cluster.list("v1", "Pod", labels={REVISION_LABEL: revision.ref.name})
    if not pods:
        raise RuntimeError_(f"{kind} {package}: no pod of revision {revision.ref.name} yet")
    live = pods[0]
    spec = live.raw["spec"]
    container = spec["containers"][0]
    if container.get("command"):
        raise RuntimeError_(f"{kind} {package}: its container sets a command; the tier runs the image's binary")
    repository, _, tag = str(container["image"]).rpartition(":")
    tool = repository.rsplit("/", 1)[-1]
    namespace = live.ref.namespace or ""
    moved, files = _volumes(cluster, spec, container, namespace)
    env: dict[str, str] = {}
    for item in container.get("env", []):  # in order: a value may refer to an earlier one, ``$(NAME)``
        env[item["name"]] = _move(_expand(_value(item, live, package), env), moved)
    args = [_move(str(a), moved) for a in container.get("args", [])]
    grpc = next((p["containerPort"] for p in container.get("ports", []) if p.get("name") == GRPC_PORT_NAME), None)
    if grpc is not None:
        args.append(f"--address=127.0.0.1:{grpc}")
    identity = None
    if spec.get("automountServiceAccountToken", True):
        identity = PodIdentity.request(cluster, ca, namespace, spec.get("serviceAccountName", "default"))
    pod = Pod(live.ref.name, [str(_binary(tool, tag, cache_dir)), *args], identity, api_port, env=env, files=files,
              own_network=grpc is None, private_tmp=True)  # fmt: skip
    return PackageRuntime(kind, package, revision.ref.name, tool, tag, pod, grpc)


def _binary(tool: str, tag: str, cache_dir: Path) -> Path:
    tools = gobuild.load_tools()
    if tool not in tools:
        raise RuntimeError_(f"{tool}: no build of it in hack/tools/tools.toml, so its pod cannot run as a process")
    if tools[tool].version != tag:
        raise RuntimeError_(f"{tool}: its Deployment runs {tag}, the tool cache builds {tools[tool].version}")
    return gobuild.ensure_all([tool], cache_dir=cache_dir)[0].path


def _volumes(
    cluster: KubeCluster, spec: Mapping[str, Any], container: Mapping[str, Any], namespace: str
) -> tuple[dict[str, str], dict[Path, str]]:
    """Each mount path moved under ``/run``, and the files of its Secret volume there."""
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    moved: dict[str, str] = {}
    files: dict[Path, str] = {}
    for mount in container.get("volumeMounts", []):
        path = PurePosixPath(mount["mountPath"])
        if Path(path) == SERVICE_ACCOUNT_DIR or path == PurePosixPath("/var/run/secrets/kubernetes.io/serviceaccount"):
            continue  # the token volume: the sandbox mounts the pod's identity there
        volume = volumes.get(mount["name"], {})
        if "secret" not in volume:
            raise RuntimeError_(f"volume {mount['name']} at {path}: only Secret volumes are run here")
        target = RUN / path.relative_to("/")
        moved[str(path)] = str(target)
        for key, text in _secret(cluster, volume["secret"]["secretName"], namespace).items():
            files[target / key] = text
    return moved, files


def _secret(cluster: KubeCluster, name: str, namespace: str) -> dict[str, str]:
    found = cluster.get(Ref("v1", "Secret", name, namespace))
    if found is None:
        raise RuntimeError_(f"Secret {namespace}/{name}, mounted by the pod, does not exist")
    return {k: base64.b64decode(v).decode() for k, v in (found.raw.get("data") or {}).items()}


def _value(env: Mapping[str, Any], pod: KubeObject, package: str) -> str:
    """An env var's value as a kubelet resolves it: a value, or a ``fieldRef`` of the pod."""
    if "value" in env:
        return str(env["value"])
    path = ((env.get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath", "")
    label = _LABEL_FIELD.fullmatch(path)
    if label:
        return pod.labels.get(label.group(1), "")
    if path in ("metadata.name", "metadata.namespace", "spec.serviceAccountName", "spec.nodeName"):
        return str(pod.field(path, ""))
    raise RuntimeError_(f"{package}: env {env.get('name')} comes from {env.get('valueFrom')}, not resolved here")


def _expand(value: str, earlier: Mapping[str, str]) -> str:
    """A kubelet's ``$(NAME)`` expansion: a name defined earlier is replaced, ``$$`` is a ``$``, the rest stays."""
    return _REFERENCE.sub(lambda m: "$" if m.group(0) == "$$" else earlier.get(m.group(1), m.group(0)), value)


def _move(value: str, moved: Mapping[str, str]) -> str:
    for old, new in moved.items():
        if value == old or value.startswith(f"{old}/"):
            return new + value[len(old) :]
        value = value.replace(f"={old}", f"={new}")
    return value


def facts_line(runtimes: Sequence[tuple[PackageRuntime, int]]) -> str:
    """One header line: each runtime with its pid, version, identity and network."""
    parts = []
    for runtime, pid in runtimes:
        where = f"127.0.0.1:{runtime.grpc_port}" if runtime.grpc_port else "its own network"
        parts.append(f"{runtime.tool} {runtime.version} pid {pid} as {runtime.identity} ({where})")
    return "; ".join(parts)
