"""Texts built from the upstream format strings the hint rules quote, with other names and values, and the
forms they arrive in (bare, chained behind a controller's prefixes, a condition line, an event line, the
status YAML the diagnostics dump, an API server's JSON Status): the tables of ``test_hint_variants``."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from oamconf.k8s.api import Condition, Event
from oamconf.steps.hints import _clean, _fill, matching_rule
from oamconf.yamlio import dump


def go_q(value: str) -> str:
    """Go's %q of a plain printable string."""
    return json.dumps(value)


@dataclass(frozen=True)
class Variant:
    rule: str
    label: str
    message: str  # built from the upstream format string the rule's source cites
    values: Mapping[str, str]  # each group the cause shows, as the message carries it
    chain: str = ""  # what the controller puts in front when it wraps the error
    wraps: tuple[str, ...] = field(default=("bare", "chained", "condition", "event", "folded", "json"))


def assert_rule_and_values(text: str, variant: Variant) -> None:
    """*text* gets *variant*'s rule, each captured value is exactly the variant's, and the cause shows them."""
    found = matching_rule(text)
    assert found is not None, f"no rule matched: {text}"
    rule, match = found
    assert rule.name == variant.rule, f"{rule.name} won over {variant.rule}: {text}"
    # An empty group is a value too (API group ""); each value as the cause shows it (one line, cut at its limit).
    captured = {name: _clean(value) for name, value in match.groupdict().items() if value is not None}
    for name, value in variant.values.items():
        assert captured.get(name, rule.known.defaults.get(name)) == _clean(value), f"{name} in {text}"
    assert rule.hint(match).cause == _fill(rule.known.cause, {**rule.known.defaults, **captured})


def _condition(text: str) -> str:
    return f"want Synced=True, is {Condition('Synced', 'False', 'ReconcileError', text)} (waited 90s)"


def _event(text: str) -> str:
    return str(Event("Warning", "ReconcileError", text, count=7))


def _folded(text: str) -> str:
    """The object's status as the diagnostics dump it, Kubernetes' key order, the message folded over lines."""
    condition = {
        "type": "Synced",
        "status": "False",
        "lastTransitionTime": "2026-01-02T03:04:05Z",
        "reason": "ReconcileError",
        "message": "reconcile failed: " + text,
        "observedGeneration": 3,
    }
    return "Release test-db: want Ready=True\n" + dump({"conditions": [condition]})


def _json(text: str) -> str:
    return '{"kind":"Status","status":"Failure","message":' + json.dumps(text) + ',"code":500}'


WRAPS: Mapping[str, Callable[[Variant], str]] = {
    "bare": lambda v: v.message,
    "chained": lambda v: v.chain + v.message,
    "condition": lambda v: _condition(v.chain + v.message),
    "event": lambda v: _event(v.chain + v.message),
    "folded": lambda v: _folded(v.chain + v.message),
    "json": lambda v: _json(v.chain + v.message),
}

COMPOSE = "cannot compose resources: "
INSTALL = "create failed: failed to install release: "
WORKFLOW = "GenerateComponentManifest: evaluate base template app=shop-v2 in namespace=team-a: "


def _fatal(step: str, result: str) -> Variant:
    # xp:internal/controller/apiextensions/composite/composition_functions.go:93
    message = f"pipeline step {go_q(step)} returned a fatal result: {result}"
    return Variant("function-fatal-result", step, message, {"step": step, "result": result}, COMPOSE)


def _unreachable(step: str, function: str, how: str) -> Variant:
    # xp composition_functions.go:74 "cannot run Composition pipeline step %q", function_runner.go:47-50
    inner = {"conn": "cannot get gRPC client connection for Function", "run": "cannot run Function"}[how]
    message = (
        f"cannot run Composition pipeline step {go_q(step)}: {inner} {go_q(function)}: rpc error: code = "
        "Unavailable desc = connection error"
    )
    return Variant("function-unreachable", f"{how}-{function}", message, {"step": step, "function": function}, COMPOSE)


def not_found(kind_group: str, name: str) -> str:
    """apimachinery's NotFound: "%s %q not found" (a cached read names Kind.group)."""
    return f"{kind_group} {go_q(name)} not found"


def _pull(image: str, error: str, *, back_off: bool) -> str:
    """kubelet pkg/kubelet/images/image_manager.go: "Failed to pull image %q: %v", "Back-off pulling image %q"."""
    if back_off:
        return f"Back-off pulling image {go_q(image)}: ErrImagePull: {error}"
    return f"Failed to pull image {go_q(image)}: {error}"


VARIANTS: tuple[Variant, ...] = (
    _fatal("Render.v2_1", 'cannot render composed resource "bucket-0" "FromCompositeFieldPath" patch at index 3'),
    _fatal("patch-and-transform", "invalid Function input: resources[0].name: Required value"),
    _unreachable("go-templating.2", "crossplane-contrib-function-go-templating", "conn"),
    _unreachable("Step_A", "function-kcl.v0-12", "run"),
    *(
        Variant(
            "composition-missing",
            name,
            "cannot fetch Composition: cannot get Composition: "
            + not_found("Composition.apiextensions.crossplane.io", name),
            {"composition": name},
        )
        for name in ("vclusters.platform.example.org", "xpostgres-v2")
    ),
    *(
        Variant(
            "package-not-in-registry",
            image.rsplit("/", 1)[-1],
            # crossplane-runtime pkg/xpkg/client.go: "cannot resolve %s to digest", under xp's "cannot unpack package"
            f"cannot unpack package: cannot resolve {image} to digest: GET https://{image.split('/')[0]}/v2/x/"
            f"manifests/y: {error}",
            {"image": image},
        )
        for image, error in (
            ("registry.example.com:5000/Team/provider-sql:v0.13.0-RC.1", "MANIFEST_UNKNOWN: manifest unknown"),
            ("index.docker.io/acme/function-x_y:v1", "NAME_UNKNOWN: repository name not known to registry"),
        )
    ),
    *(
        Variant(
            "webhook-certificate",
            webhook,
            # k8s.io/apiserver pkg/util/webhook/error.go: "failed calling webhook %q: %v"
            f"Internal error occurred: failed calling webhook {go_q(webhook)}: failed to call webhook: Post "
            f'"https://hook.ns-1.svc:443/validate?timeout=10s": tls: failed to verify certificate: x509: {error}',
            {"webhook": webhook, "error": error},
        )
        for webhook, error in (
            ("vrelease.helm.crossplane.io", "certificate signed by unknown authority"),
            ("mutate-v2.apps.example.com", "certificate has expired or is not yet valid: current time 2026-01-02"),
        )
    ),
    Variant(
        "webhook-not-ready",
        "no-endpoints",
        'Internal error occurred: failed calling webhook "defaults.v1-2.pkg.example.io": failed to call webhook: '
        'Post "https://w.x.svc:443/m": no endpoints available for service "w"',
        {"webhook": "defaults.v1-2.pkg.example.io"},
    ),
    *(
        Variant(
            "crd-not-served",
            f"{kind}-in-{where}",
            # apimachinery pkg/api/meta/errors.go NoKindMatchError: 'no matches for kind %q in version %q' (or group)
            f'resource mapping not found for name: "x-1" namespace: "ns" from "STDIN": no matches for kind '
            f"{go_q(kind)} in {where} {go_q(version)}",
            {"kind": kind, "version": version},
        )
        for kind, where, version in (
            ("ClusterProviderConfig", "version", "helm.m.crossplane.io/v1beta1"),
            ("Application", "version", "core.oam.dev/v1beta1"),
            ("XPostgreSQLInstance", "group", "db.example.org"),
        )
    ),
    Variant(
        "crd-not-served",
        "in-versions",
        # the same, when several versions were searched: 'no matches for kind %q in versions %q' of a []string
        'no matches for kind "XPostgreSQLInstance" in versions ["db.example.org/v1alpha1" "db.example.org/v1beta1"]',
        {"kind": "XPostgreSQLInstance", "version": '"db.example.org/v1alpha1" "db.example.org/v1beta1"'},
    ),
    *(
        Variant(
            "vcluster-pro-feature",
            feature,
            # vc:pkg/pro/error.go:9-15
            f"fatal start controllers: you are trying to use a vCluster pro feature '{feature}' ({flag}) that is not "
            "available in the open source vcluster or disabled in your license. Please use the vCluster pro image",
            {"feature": feature},
        )
        for feature, flag in (("Isolated Control Plane", "isolated-control-plane"), ("HA/SQL v2", "vcp-ha-v2"))
    ),
    *(
        Variant(
            "storage-class-missing",
            name,
            f"failed to provision volume with StorageClass {go_q(name)}: "
            + not_found("storageclass.storage.k8s.io", name),
            {"storage_class": name},
        )
        for name in ("fast-ssd.v2", "gp3-encrypted")
    ),
    Variant(
        "provider-config-missing",
        "namespaced-release",
        # provider-helm pkg/clients/helm/helm.go:36,58 ("cannot get provider config") over a cached NotFound
        "connect failed: failed to resolve provider config: cannot get provider config: "
        + not_found("ProviderConfig.helm.m.crossplane.io", "team-a.default"),
        {"name": "team-a.default", "group": "helm.m.crossplane.io"},
    ),
    Variant(
        "provider-config-missing",
        "cluster-provider-config",  # a namespaced Release whose providerConfigRef has kind ClusterProviderConfig
        "connect failed: failed to resolve provider config: cannot get provider config: "
        + not_found("ClusterProviderConfig.helm.m.crossplane.io", "shared-2"),
        {"name": "shared-2", "group": "helm.m.crossplane.io"},
    ),
    *(
        Variant(
            "chart-version-not-in-repository",
            f"{chart}-{version}",
            # helm v3.21.1 pkg/repo/chartrepo.go:262-268: 'chart %q version %q' + '%s not found in %s repository'
            f"failed to pull chart: chart {go_q(chart)} version {go_q(version)} not found in {repo} repository",
            {"chart": chart, "version": version, "repository": repo},
            INSTALL,
        )
        for chart, version, repo in (
            ("postgresql-ha", "14.2.0-rc.1+build.5", "https://charts.example.com/stable"),
            ("vcluster", "0.36.1", "https://charts.loft.sh"),
        )
    ),
    Variant(
        "chart-version-not-in-repository",
        "no-version",  # chartrepo.go:264-266: without a version the "version %q" part is left out
        'failed to pull chart: chart "no-such-chart" not found in https://charts.example.com repository',
        {"chart": "no-such-chart", "version": "any", "repository": "https://charts.example.com"},
        INSTALL,
    ),
    *(
        Variant(
            "chart-repository-unreachable",
            repo.split("//")[1].split("/")[0],
            # helm v3.21.1 pkg/repo/chartrepo.go:249
            f"failed to pull chart: looks like {go_q(repo)} is not a valid chart repository or cannot be reached: "
            f"{error}",
            {"repository": repo, "error": error},
            INSTALL,
        )
        for repo, error in (
            ("https://Charts.Example.com/team-a/stable", "failed to fetch https://x/index.yaml : 404 Not Found"),
            ("http://10.96.0.12:8080", "Get http://10.96.0.12:8080/index.yaml: dial tcp: i/o timeout"),
        )
    ),
    *(
        Variant(
            "chart-values-schema",
            chart,
            # helm v3.21.1 pkg/chartutil/values.go:168 + jsonschema.go ValidateAgainstSchema ("%s:\n" + errors)
            "values don't meet the specifications of the schema(s) in the following chart(s):\n"
            f"{chart}:\n- at '{path}': {problem}\n",
            {"chart": chart, "path": path, "problem": problem},
            INSTALL,
        )
        for chart, path, problem in (
            ("postgresql-ha", "/replicaCount", "got string, want integer"),
            ("vcluster.v2", "/sync/toHost/pods/0", "value must be one of 'a', 'b'"),
        )
    ),
    *(
        Variant(
            "postgres-password-rejected",
            user,
            # PostgreSQL auth.c auth_failed: 'password authentication failed for user "%s"'
            f'connection to server at "127.0.0.1", port 5432 failed: FATAL:  password authentication failed for '
            f'user "{user}"',
            {"user": user},
        )
        for user in ("Orders.App-2", "app_user")
    ),
    *(
        Variant(
            "service-no-endpoints",
            name,
            f"Error from server (ServiceUnavailable): no endpoints available for service {go_q(name)}",
            {"service": name},
        )
        for name in ("orders-db-postgresql-hl", "vc1")
    ),
)


def _images() -> tuple[Variant, ...]:
    """The kubelet's pull failures with images of every reference form, each registry refusal its rule."""
    refusals = {
        "image-not-found": "rpc error: code = NotFound desc = failed to resolve reference {q}: {i}: not found",
        "image-pull-denied": "failed to resolve reference {q}: pull access denied, repository does not exist or "
        "may require authorization: server message: insufficient_scope",
        "image-pull-rate-limit": "failed to copy: httpReadSeeker: failed open: unexpected status code {q}: 429 Too "
        "Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.",
        "image-pull": "failed to do request: Head {q}: dial tcp 10.0.0.9:5000: connect: connection refused",
    }
    images = ("registry.local:5000/Team/app_x:v1.2.3-RC.1", "ghcr.io/acme/app@sha256:" + "0a" * 32, "redis:7.4")
    return tuple(
        Variant(
            rule,
            f"{image[:20]}-{'back-off' if back_off else 'failed'}",
            _pull(image, error.format(q=go_q(image), i=image), back_off=back_off),
            {"image": image},
            wraps=("bare", "event", "folded", "json"),
        )
        for rule, error in refusals.items()
        for image in images
        for back_off in (False, True)
    )


def _bitnami() -> tuple[Variant, ...]:
    images = ("docker.io/bitnami/redis-sentinel:7.4.2-debian-12-r0", "bitnami/os-shell:12", "bitnami/postgresql")
    return tuple(
        Variant(
            "bitnami-image-gone",
            image,
            _pull(image, f"failed to resolve reference {go_q(image)}: not found", back_off=True),
            {"image": image, "repository": image.split("/")[-1].split(":")[0]},
            wraps=("bare", "event", "folded", "json"),
        )
        for image in images
    )


ALL = (*VARIANTS, *_images(), *_bitnami())  # KubeVela's are in hintvariants_kubevela
