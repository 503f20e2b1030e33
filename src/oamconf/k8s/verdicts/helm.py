"""provider-helm Releases (provider-helm v1.4.0, platform-facts §1.5).

A Release is ready when Helm says ``deployed`` and the spec is in sync (``Ready=True``). A ``failed``
release is retried only while ``status.failed`` is below ``spec.rollbackLimit`` (no condition says the
limit was reached); without a rollback limit nothing retries it. A retry comes a poll interval (10 m by
default) after the uninstall, so a wait shorter than that ends on the failed state it last saw.
"""

from __future__ import annotations

from oamconf.k8s.api import KubeObject
from oamconf.k8s.wait import Observation


def release_ready(obj: KubeObject) -> Observation:
    """Ready=True and ``status.atProvider.state: deployed``; fails at once on a failed release that
    provider-helm will not retry."""
    state = obj.field("status.atProvider.state") or "none yet"
    ready = obj.condition("Ready")
    seen = f"state {state}, " + (str(ready) if ready is not None else "no Ready condition yet")
    if ready is not None and ready.status == "True" and state == "deployed":
        revision = obj.field("status.atProvider.revision")
        return Observation.succeeded(f"deployed (revision {revision})" if revision else "deployed")
    if state == "failed" and not _will_retry(obj):
        return Observation.failed(f"want deployed, is {seen}{_retries(obj)}")
    synced = obj.condition("Synced")
    if synced is not None and synced.status == "False":
        seen += f", {synced}"  # provider-helm's own words for why nothing was installed
        message = synced.message or ""
        if _chart_missing(message) or _config_missing(message) or _values_refused(message):
            return Observation.failed(f"want deployed, is {seen}")
    return Observation.pending(f"want deployed, is {seen}")


def _chart_missing(message: str) -> bool:
    """The chart version is not in its repository: provider-helm tries again each poll and gets the same answer.

    Seen on the local tier (provider-helm v1.3.0, Helm v3.21): ``create failed: failed to install release: failed
    to pull chart: chart "vcluster" version "0.0.404" not found in http://127.0.0.1:<port> repository``.
    """
    return "failed to pull chart" in message and "not found" in message


def _config_missing(message: str) -> bool:
    """The ProviderConfig it names does not exist (provider-helm v1.3.0 on the local tier: ``connect failed: failed
    to resolve provider config: cannot get provider config: ProviderConfig.helm.crossplane.io "x" not found``)."""
    return "cannot get provider config" in message and "not found" in message


def _values_refused(message: str) -> bool:
    """The chart's values schema refuses the Release's values: helm refuses them again each poll, before installing
    anything (provider-helm v1.3.0 and the real vcluster chart on the local tier: ``create failed: failed to install
    release: values don't meet the specifications of the schema(s) in the following chart(s):\nvcluster:\n- at
    '/controlPlane': ...``)."""
    return "values don't meet the specifications of the schema" in message


def _will_retry(obj: KubeObject) -> bool:
    limit = obj.field("spec.rollbackLimit")
    return limit is not None and int(obj.field("status.failed") or 0) < int(limit)


def _retries(obj: KubeObject) -> str:
    limit = obj.field("spec.rollbackLimit")
    if limit is None:
        return " (no rollbackLimit: provider-helm does not retry it)"
    return f" (failed {obj.field('status.failed') or 0} times, rollbackLimit {limit})"
