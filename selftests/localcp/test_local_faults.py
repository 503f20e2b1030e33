"""Faults injected into a ``--local`` run: the real controllers' own words reach the report, with the hint.

A plugin of the inner run breaks the live platform right before one check and mends it right after (as a
platform team breaks it by hand between two steps): the ProviderConfig the Releases name deleted, a
ComponentDefinition given a CUE syntax error, the Composition pinning a chart version that does not exist or
naming a function that is not installed, and the database password in the Secret changed after the server
started. Each injection waits until the controller has seen it, so the check meets the fault and not a race.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Callable
from typing import Any

import pytest

from oamconf.cluster.tools import default_cache_dir
from oamconf.k8s import kinds
from oamconf.k8s.api import Cluster, KubeObject, Ref
from oamconf.k8s.wait import Observation, wait_until
from oamconf.steps.context import run_of
from offline import run_phases, step_section, verdicts

FAILED = "❌ Failed"
CACHE = default_cache_dir()  # read at import: pytester gives the inner run a HOME of its own
COMPOSITION = kinds.Kind("apiextensions.crossplane.io/v1", "Composition", "Cluster").ref("virtualcluster-helm-argocd")
REVISIONS = ("apiextensions.crossplane.io/v1", "CompositionRevision")
PROVIDER_CONFIG = kinds.Kind("helm.crossplane.io/v1beta1", "ProviderConfig", "Cluster").ref("helm-provider")
REDIS_DEFINITION = kinds.COMPONENT_DEFINITION.ref("redis", "vela-system")
INJECTED_WITHIN = 60.0
APPS = "conformance"  # fixtures/profile.toml namespaces.apps

Fault = Callable[[Cluster], None]


def _declared(obj: KubeObject) -> dict[str, Any]:
    """What a user would apply to get *obj* back: no status, no server-set metadata."""
    meta = {k: v for k, v in obj.metadata.items() if k in ("name", "namespace", "labels", "annotations")}
    return {**{k: copy.deepcopy(v) for k, v in obj.raw.items() if k not in ("metadata", "status")}, "metadata": meta}


def _until(what: str, check: Callable[[], bool]) -> None:
    wait_until(lambda: Observation.simple(check(), f"want {what}"), subject=what, timeout=INJECTED_WITHIN)


def _changed(cluster: Cluster, ref: Ref, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Apply *ref* changed by *change*; what it was before, to mend it."""
    live = cluster.get(ref)
    assert live is not None, f"{ref} to break is not there"
    before = _declared(live)
    broken = copy.deepcopy(before)
    change(broken)
    cluster.apply(broken)
    return before


class Injector:
    """A plugin for the inner run: before the named check, break; after it, mend."""

    def __init__(self, faults: dict[str, Callable[[Cluster], Fault]]) -> None:
        self.faults = faults  # check name -> break (which returns how to mend)
        self._mend: dict[str, Fault] = {}
        self.injected: list[str] = []

    @pytest.hookimpl(trylast=True)  # after the fixtures: the cluster is up
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if item.name in self.faults:
            self._mend[item.name] = self.faults[item.name](self._cluster(item))
            self.injected.append(item.name)

    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        mend = self._mend.pop(item.name, None)
        if mend is not None:
            mend(self._cluster(item))

    @staticmethod
    def _cluster(item: pytest.Item) -> Cluster:
        bootstrap = run_of(item.config).bootstrap
        assert bootstrap is not None
        assert bootstrap.cluster is not None
        return bootstrap.cluster


def _restore(before: dict[str, Any]) -> Fault:
    def mend(cluster: Cluster) -> None:
        cluster.apply(before)

    return mend


def provider_config_missing(cluster: Cluster) -> Fault:
    live = cluster.get(PROVIDER_CONFIG)
    assert live is not None
    before = _declared(live)
    cluster.delete(PROVIDER_CONFIG)
    _until("the ProviderConfig gone", lambda: cluster.get(PROVIDER_CONFIG) is None)
    return _restore(before)


def cue_syntax_error(cluster: Cluster) -> Fault:
    def unbalance(definition: dict[str, Any]) -> None:
        definition["spec"]["schematic"]["cue"]["template"] += "\n}\n"

    before = _changed(cluster, REDIS_DEFINITION, unbalance)
    _until("vela-core to refuse it", lambda: _synced(cluster, REDIS_DEFINITION) == "False")
    return _restore(before)


def _synced(cluster: Cluster, ref: Ref) -> str | None:
    live = cluster.get(ref)
    found = live.condition("Synced") if live is not None else None
    return found.status if found is not None else None


def _composition_changed(cluster: Cluster, change: Callable[[dict[str, Any]], None]) -> Fault:
    """The Composition changed, once Crossplane has made the revision new composites take."""
    revisions = len(cluster.list(*REVISIONS))
    before = _changed(cluster, COMPOSITION, change)
    _until("a new CompositionRevision", lambda: len(cluster.list(*REVISIONS)) > revisions)
    # Crossplane core picks the newest revision from its informer's cache, which had the revision's watch event
    # by the time the API server listed it here (the XR comes later); and a composite composed from an older
    # revision follows the newest one anyway, its update policy being Automatic.
    return _restore(before)


def chart_version_missing(cluster: Cluster) -> Fault:
    """The Composition's Release pinned to a chart version that does not exist (in place of the composite's
    ``spec.chartVersion``: the XRD defaults that when the composite is created, which would race the change)."""

    def missing(composition: dict[str, Any]) -> None:
        release = composition["spec"]["pipeline"][0]["input"]["resources"][0]
        release["base"]["spec"]["forProvider"]["chart"]["version"] = "0.0.404"
        release["patches"] = [p for p in release["patches"] if p.get("fromFieldPath") != "spec.chartVersion"]

    return _composition_changed(cluster, missing)


def function_missing(cluster: Cluster) -> Fault:
    def missing(composition: dict[str, Any]) -> None:
        composition["spec"]["pipeline"][0]["functionRef"]["name"] = "function-not-installed"

    return _composition_changed(cluster, missing)


def password_mismatch(cluster: Cluster) -> Fault:
    apps = cluster.list(kinds.OAM_APPLICATION.api_version, kinds.OAM_APPLICATION.kind, namespace=APPS)
    named = [c["properties"]["existingSecret"] for a in apps for c in a.field("spec.components") or []
             if c.get("type") == "postgresql"]  # fmt: skip
    assert named, "no PostgreSQL Application naming a Secret: 3.1 creates it"
    ref = kinds.SECRET.ref(named[0], APPS)

    def other(secret: dict[str, Any]) -> None:
        secret["data"]["password"] = base64.b64encode(b"not-the-servers-password").decode()

    return _restore(_changed(cluster, ref, other))


def _run(pytester: pytest.Pytester, injector: Injector, *args: str) -> str:
    _, md = run_phases(pytester, args=("--local", "--cache-dir", str(CACHE), *args), plugins=(injector,))
    assert sorted(injector.injected) == sorted(injector.faults), injector.injected
    return md


def _quoted(text: str) -> tuple[str, str]:
    """*text* as the report may show it: as is, or inside a quoted Kubernetes message (quotes escaped)."""
    return text, text.replace('"', '\\"')


def _says(section: str, text: str) -> bool:
    return any(form in section for form in _quoted(text))


def test_a_missing_provider_config_and_a_cue_error_fail_phase_1_with_the_controllers_words(
    pytester: pytest.Pytester,
) -> None:
    # 1.1 and 1.2 do not wait for each other: both faults in one run, phases 2-5 left out (a failed phase 1 would
    # only block them).
    injector = Injector(
        {
            "test_a_helm_release_through_the_provider_is_deployed": provider_config_missing,
            "test_the_component_definition_is_registered[redis]": cue_syntax_error,
        }
    )
    md = _run(pytester, injector, "-k", "test_1_1 or test_1_2")

    assert (verdicts(md)["1.1"], verdicts(md)["1.2"]) == (FAILED, FAILED)
    helm = step_section(md, "1.1")
    assert _says(helm, 'ProviderConfig.helm.crossplane.io "helm-provider" not found'), helm
    assert (
        "Root Cause**: the ProviderConfig helm-provider (helm.crossplane.io) that the resource names does not" in helm
    )
    definitions = step_section(md, "1.2")
    assert "cannot store capability redis in ConfigMap" in definitions, definitions
    assert "expected 'EOF', found '}'" in definitions  # CUE's own parser error
    cause = "vela-core cannot read the parameters of ComponentDefinition redis from its CUE template: expected 'EOF'"
    assert cause in definitions  # the first run of this test found no hint for it
    assert "ComponentDefinition vela-system/postgresql registered" in definitions  # the other one still is


def test_a_missing_chart_version_and_a_wrong_password_fail_their_steps_and_the_rest_still_runs(
    pytester: pytest.Pytester,
) -> None:
    injector = Injector(
        {
            "test_the_composite_deploys_the_vcluster_chart": chart_version_missing,
            "test_postgresql_accepts_the_application_s_credentials_and_a_write": password_mismatch,
        }
    )
    md = _run(pytester, injector)

    steps = verdicts(md)
    assert (steps["2.1"], steps["3.2"]) == (FAILED, FAILED), steps
    assert (steps["1.1"], steps["3.1"], steps["3.3"]) == ("✅ Working",) * 3  # phase 3 needs phase 1 only
    creation = step_section(md, "2.1")
    assert _says(creation, 'chart "vcluster" version "0.0.404" not found'), creation
    assert re.search(r"Root Cause\*\*: repository http://127\.0\.0\.1:\d+ has no chart vcluster at version 0\.0\.404",
                     creation), creation  # fmt: skip
    connectivity = step_section(md, "3.2")
    assert 'password authentication failed for user "' in connectivity, connectivity
    assert "Root Cause**: PostgreSQL rejects the password of user testuser" in connectivity
    assert "not-the-servers-password" not in md


def test_a_composition_naming_a_function_not_installed_fails_2_1_with_crossplanes_words(
    pytester: pytest.Pytester,
) -> None:
    injector = Injector({"test_the_composite_deploys_the_vcluster_chart": function_missing})

    # 2.1 alone, with a short wait: the composite keeps waiting for the function (it could still be installed).
    md = _run(pytester, injector, "-k", "test_2_1", "--profile-set", "timeouts.vcluster_ready=30")

    creation = step_section(md, "2.1")
    assert verdicts(md)["2.1"] == FAILED, creation
    assert _says(creation, 'Function "function-not-installed"'), creation
    assert "cannot find an active FunctionRevision" in creation
    assert (
        "Root Cause**: Crossplane cannot call function-not-installed for pipeline step patch-and-transform" in creation
    )
