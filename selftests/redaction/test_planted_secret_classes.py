"""One planted secret per class the issue-15 red team found leaking, checked in every artifact and the
terminal, with and without ``-l``, ``-vv`` and ``--tb=long``.

Each value is planted where only its class can catch it: Secrets referenced by workloads of every
kind (echoed raw and base64 in events and log tails), credentials on shell and client command lines,
key material without PEM armour, a credential whose context a truncated ``-l`` repr cuts away, and CI
variables pytest-metadata prints with ``-vv``.
"""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path

import pytest

from oamconf.cluster.secrets import register_referenced_secrets
from oamconf.k8s.scenario import load_scenario
from oamconf.platform.profile import load_profile
from oamconf.redact import Redactor
from synthetic import SUITE_PLUGINS

# Built so that no planted value appears whole in this file's source lines a traceback could show.
WORKLOAD_SECRETS = {
    "Deployment": "Dep1oyEnvRef-" + "7731",
    "StatefulSet": "Sts3nvFrom-" + "1184",
    "DaemonSet": "DsPu11Secret-" + "9920",
    "ReplicaSet": "RsEnvRef-" + "Zq4412",
    "Job": "J0bVolume-" + "5518",
    "CronJob": "Cr0nProjected-" + "6672",
    "Pod": "P0dProjected-" + "3309",
}
SHELL_SECRETS = {
    "export": "Xp0rtAwsSecret-" + "8841",
    "redis_a": "Red1sCliPw-" + "2267",
    "mysql_p": "MySq1Attached-" + "9013",
    "long_flag": "L0ngFlagPw-" + "4455",
}
# An EC private key's DER body (SEC1: SEQUENCE, INTEGER 1, OCTET STRING), base64, quoted without armour.
KEY_BODY = "MHcCAQEEI" + "Fw8GDXqAXz7Y7Kx0oT1eYbJr2n9Lkq1JYtM3VHZp2vYoAoGCCqGSM49AwEHoUQDQgAE"
TRUNCATED_SECRET = "Trunc4tedConnPw-" + "7310"
CI_TOKEN = "C1GitT0ken-" + "5126"
PLANTED = (*WORKLOAD_SECRETS.values(), *SHELL_SECRETS.values(), KEY_BODY, TRUNCATED_SECRET, CI_TOKEN)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def secret(name: str, value: str) -> str:
    return f"- {{apiVersion: v1, kind: Secret, metadata: {{name: {name}, namespace: shop}}, data: {{v: {b64(value)}}}}}"


def pod_spec(kind: str) -> str:
    """A pod template that hands the workload's Secret over in the way this kind's entry tests."""
    name = f"{kind.lower()}-creds"
    env_ref = f"valueFrom: {{secretKeyRef: {{name: {name}, key: v}}}}"
    projected = f"volumes: [{{name: p, projected: {{sources: [{{secret: {{name: {name}}}}}]}}}}]"
    uses = {
        "Deployment": f"containers: [{{name: c, env: [{{name: DB_URL, {env_ref}}}]}}]",
        "StatefulSet": f"containers: [{{name: c, envFrom: [{{secretRef: {{name: {name}}}}}]}}]",
        "DaemonSet": f"containers: [{{name: c}}], imagePullSecrets: [{{name: {name}}}]",
        "ReplicaSet": f"containers: [{{name: c, env: [{{name: X, {env_ref}}}]}}]",
        "Job": f"containers: [{{name: c}}], volumes: [{{name: s, secret: {{secretName: {name}}}}}]",
        "CronJob": f"containers: [{{name: c}}], {projected}",
        "Pod": f"containers: [{{name: c}}], {projected}",
    }
    return "{" + uses[kind] + "}"


WORKLOAD_API = {"Pod": "v1", "Job": "batch/v1", "CronJob": "batch/v1"}


def workload(kind: str) -> str:
    api = WORKLOAD_API.get(kind, "apps/v1")
    meta = f"metadata: {{name: {kind.lower()}, namespace: shop}}"
    if kind == "Pod":
        return f"- {{apiVersion: v1, kind: Pod, {meta}, spec: {pod_spec(kind)}}}"
    template = f"{{template: {{spec: {pod_spec(kind)}}}}}"
    if kind == "CronJob":
        template = f"{{schedule: '* * * * *', jobTemplate: {{spec: {template}}}}}"
    return f"- {{apiVersion: {api}, kind: {kind}, {meta}, spec: {template}}}"


def scenario() -> str:
    objects = [secret(f"{k.lower()}-creds", v) for k, v in WORKLOAD_SECRETS.items()]
    objects += [workload(kind) for kind in WORKLOAD_SECRETS]
    events = [
        f"- {{ref: {{apiVersion: v1, kind: Pod, namespace: shop, name: {kind.lower()}}}, type: Warning, "
        f"reason: Failed, message: 'rejected {value} (as {b64(value)})'}}"
        for kind, value in WORKLOAD_SECRETS.items()
    ]
    shell = SHELL_SECRETS
    log = (
        f"+ export AWS_SECRET_ACCESS_KEY={shell['export']}\\n"
        f"+ redis-cli -h redis -a {shell['redis_a']} ping\\n"
        f"+ mysql -u root -p{shell['mysql_p']} -h db\\n"
        f"+ psql --password={shell['long_flag']} -p 5432\\n"
        f'key: \\"{KEY_BODY}\\"\\n'
    )
    return "\n".join([
        "name: planted-classes",
        "kinds: [{apiVersion: batch/v1, kind: CronJob, scope: Namespaced}]",
        "objects:", *objects, "events:", *events,
        "logs:", f'- {{namespace: shop, pod: job, container: c, text: "{log}"}}',
    ])  # fmt: skip


STEP = """
import os
import pytest
from oamconf.k8s.api import Ref

KINDS = KINDS_HERE


@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_everything_echoes_a_credential(cluster, evidence):
    events = [str(e) for kind in KINDS for e in cluster.events(Ref("v1", "Pod", kind.lower(), "shop"))]
    evidence.diagnostic("events", "\\n".join(events))
    log_tail = cluster.pod_logs("shop", "job")
    evidence.diagnostic("logs", log_tail)
    print(log_tail)
    # A long local: -l shortens its repr in the middle, here just before the password, so what is left
    # of it has lost the "postgresql://app:" that marks it.
    password = os.environ["PLANTED_PW"]
    dsn = "x" * 300 + "postgresql://app:" + password + "@db:5432/app?" + "y" * (118 - len(password) - 13)
    raise AssertionError("step failed; see the diagnostics")
"""


@pytest.mark.parametrize(
    "flags",
    [
        pytest.param((), id="plain"),
        pytest.param(("-l",), id="locals"),
        pytest.param(("-l", "-vv"), id="locals-vv"),
        pytest.param(("-l", "--tb=long", "-rA"), id="locals-tb-long"),
    ],
)
def test_no_planted_secret_of_any_class_reaches_an_artifact_or_the_terminal(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, flags: tuple[str, ...]
) -> None:
    # Jenkins' variables, which pytest-metadata copies into its header (-v) and the HTML environment table.
    monkeypatch.setenv("GIT_URL", f"https://ci-bot:{CI_TOKEN}@git.example.org/platform.git")
    monkeypatch.setenv("BUILD_URL", f"https://{CI_TOKEN}@ci.example.org/job/conformance/7/")
    path = pytester.path / "planted.yaml"
    path.write_text(scenario() + "\n", encoding="utf-8")
    step = STEP.replace("KINDS_HERE", repr(tuple(WORKLOAD_SECRETS)))
    monkeypatch.setenv("PLANTED_PW", TRUNCATED_SECRET)  # not in the step's source, which tracebacks show
    pytester.makepyfile(test_planted=textwrap.dedent(step))
    result = pytester.runpytest(*SUITE_PLUGINS, "--scenario", str(path), "--report-dir", "reports", *flags)
    result.assert_outcomes(failed=1)
    artifacts = {p.name: p.read_text(encoding="utf-8") for p in (pytester.path / "reports").iterdir() if p.is_file()}
    artifacts["terminal"] = result.stdout.str() + result.stderr.str()
    leaks = [
        f"{name}: {form[:10]}..."
        for name, text in artifacts.items()
        for value in PLANTED
        for form in (value, b64(value), value[-8:])
        if form in text
    ]
    assert not leaks, "\n".join(leaks)


def test_the_secret_each_workload_kind_hands_its_pods_is_read_at_the_start(tmp_path: Path) -> None:
    # Loaded without a sink: like a real cluster, only the Secrets the run reads are known to the redactor.
    path = tmp_path / "planted.yaml"
    path.write_text(scenario() + "\n", encoding="utf-8")
    cluster = load_scenario([path], {})
    redactor = Redactor()
    notes = register_referenced_secrets(cluster, redactor, load_profile())
    assert notes == []
    unmasked = [kind for kind, value in WORKLOAD_SECRETS.items() if redactor.redact(f"echo {value}") != "echo ***"]
    assert unmasked == []
