"""Crossplane packages, composite resources and XRDs (Crossplane v2.3.4, platform-facts §1).

A fresh install passes through ``Healthy=False reason=UnhealthyPackageRevision`` ("Package revision
health is \"Unknown\"", "deployment has no condition of type \"Available\" yet", "cannot resolve
package dependencies: missing dependencies"...), so that reason alone is pending; only the messages
below, which Crossplane does not retry its way out of, fail at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from oamconf.k8s.api import KubeObject
from oamconf.k8s.conditions import all_of, condition_is, condition_true
from oamconf.k8s.kinds import Kind
from oamconf.k8s.related import composed
from oamconf.k8s.wait import Observation

# Healthy=False reason=UnhealthyPackageRevision with one of these: the package cannot become healthy.
_UNHEALTHY_FOR_GOOD: Final = (
    "incompatible Crossplane version",  # revision/reconciler.go: not requeued
    "is incompatible with constraint",  # dependency version conflict
    "incompatible dependencies",
    "validating package contents failed",
)
# Installed=False reason=UnpackingPackage: retried with backoff, so only a registry's final answer fails.
_UNPACK_FOR_GOOD: Final = ("MANIFEST_UNKNOWN", "NAME_UNKNOWN", "UNAUTHORIZED", "DENIED", " 404 ")


def package_healthy(obj: KubeObject) -> Observation:
    """Installed=True and Healthy=True; fails at once on a package that cannot install or become healthy."""
    installed, healthy = obj.condition("Installed"), obj.condition("Healthy")
    if (
        installed is not None
        and installed.status == "False"
        and (installed.reason == "InactivePackageRevision" or _mentions(installed.message, _UNPACK_FOR_GOOD))
    ):
        return Observation.failed(f"want Installed=True, is {installed}")
    if healthy is not None and healthy.status == "False" and _mentions(healthy.message, _UNHEALTHY_FOR_GOOD):
        return Observation.failed(f"want Healthy=True, is {healthy}")
    return _INSTALLED_AND_HEALTHY(obj)


def composite_ready(obj: KubeObject) -> Observation:
    """Synced=True and Ready=True. A composition function's fatal result fails at once: for
    function-patch-and-transform it comes only from the Composition's inputs and patches, so it repeats
    until someone edits them (``cannot compose resources: pipeline step "..." returned a fatal result``)."""
    synced = obj.condition("Synced")
    if synced is not None and synced.status == "False" and "returned a fatal result" in synced.message:
        return Observation.failed(f"want Synced=True, is {synced}")
    return _SYNCED_AND_READY(obj)


def composite_composed(kind: Kind) -> Callable[[KubeObject], Observation]:
    """The composite names a composed resource of *kind* (its functions ran and Crossplane applied their
    result); a fatal result fails at once, as in ``composite_ready``."""

    def composed_it(obj: KubeObject) -> Observation:
        synced = obj.condition("Synced")
        if synced is not None and synced.status == "False" and "returned a fatal result" in synced.message:
            return Observation.failed(f"want Synced=True, is {synced}")
        found = [r for r in composed(obj) if kind.is_kind_of(r)]
        if found:
            return Observation.succeeded(f"composed {found[0]}")
        return Observation.pending(f"want a composed {kind.kind}, is {synced or 'no Synced condition yet'}")

    return composed_it


def _mentions(message: str, needles: tuple[str, ...]) -> bool:
    return any(needle in message for needle in needles)


# Healthy=False messages say why a package is unhealthy (pull errors, dependencies), so keep them.
_INSTALLED_AND_HEALTHY: Final = all_of(condition_is("Installed"), condition_is("Healthy"))
_SYNCED_AND_READY: Final = all_of(condition_is("Synced"), condition_is("Ready"))
# A v2 XRD has no claims, so no Offered condition: Established says the composite's API is served.
xrd_established: Final = condition_true("Established")
