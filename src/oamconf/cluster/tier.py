"""What a cluster mode can make real, and why not: the local tier's limits, named per capability.

A kind cluster runs the whole platform, so every check can run there. The local tier (``--local``) runs a real
control plane and, one by one, the platform's real controllers as processes; what it does not run yet is not
faked: a check that needs it is Not tested, "local tier: <reason>". Checks name what they need with the
``needs`` marker (``@pytest.mark.needs("kubevela")``), from the vocabulary below, so the step file says what
a check relies on and the tier says what it provides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from oamconf.errors import UsageError

# What a check can need. The first six are the bootstrap's components (``components.reference_platform``).
CAPABILITIES: Final = {
    "crossplane": "Crossplane core and its RBAC manager running",
    "crossplane-packages": "provider-helm, provider-kubernetes and function-patch-and-transform installed and running",
    "provider-configs": "the platform's ProviderConfigs applied",
    "kubevela": "KubeVela's controller running",
    "cluster-gateway": "KubeVela's cluster-gateway running (its multicluster features)",
    "argocd": "Argo CD's controller, repo-server and API server running",
    "platform": "the platform's XRD, Composition and ComponentDefinitions applied",
    "vcluster-chart": "the vcluster chart the Composition names, reachable and installable",
    "vcluster-api": "a vCluster's own API server answering",
    "containers": "workload containers really running (a Job's command, a web server's port)",
    "database-charts": "the PostgreSQL and Redis charts the ComponentDefinitions name, reachable and installable",
    "database-servers": "PostgreSQL and Redis servers answering behind their Services",
}


def check_needs(names: Iterable[str], where: str) -> tuple[str, ...]:
    """*names* as given, each one a known capability.

    Raises:
        UsageError: one line naming the unknown capability, where it is used and the known ones.
    """
    given = tuple(names)
    unknown = [n for n in given if n not in CAPABILITIES]
    if unknown:
        raise UsageError(
            f"{where}: needs({', '.join(map(repr, unknown))}) names no capability; known: {', '.join(CAPABILITIES)}"
        )
    return given


@dataclass
class Limits:
    """The capabilities this run cannot make real, each with its reason in words.

    Parameters:
        tier: the words every reason starts with (``local tier``).
        missing: capability -> reason, known before the run (what the tier does not run).
        died: called before each check: capability -> cause for what stopped since (a process that died).
    """

    tier: str = ""
    missing: dict[str, str] = field(default_factory=dict)
    died: Callable[[], Mapping[str, str]] = dict

    def why_not(self, needs: Iterable[str]) -> str | None:
        """``local tier: <reason>`` for the first of *needs* this run cannot provide, else ``None``."""
        current = {**self.missing, **self.died()}
        for name in needs:
            if name in current:
                return f"{self.tier}: {current[name]}"
        return None

    def lines(self) -> list[str]:
        """One line a missing capability, for the report header."""
        return [f"{name}: {reason}" for name, reason in self.missing.items()]


NO_LIMITS: Final = Limits()
