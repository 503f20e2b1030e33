"""Secrets planted in cluster objects, events, logs, evidence, output and errors reach no artifact."""

from __future__ import annotations

import base64
import textwrap

import pytest

from synthetic import SUITE_PLUGINS

DB_PASSWORD = "Pl4nted-DB-pass-7781"
VALUES_PASSWORD = "Pl4nted-values-pass-2231"
CONN_PASSWORD = "Pl4nted-conn-pass-9054"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.UGw0bnRlZC1zaWduYXR1cmU"
KEY_LINE = "MHcCAQEEIPl4ntedPrivateKeyMaterial0123456789"
PLANTED = (DB_PASSWORD, VALUES_PASSWORD, CONN_PASSWORD, TOKEN, KEY_LINE)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


PEM_KEY = f"-----BEGIN EC PRIVATE KEY-----\n{KEY_LINE}\n-----END EC PRIVATE KEY-----\n"

SCENARIO = f"""
name: secrets-everywhere
objects:
- apiVersion: v1
  kind: Secret
  metadata: {{name: test-db-postgresql, namespace: default}}
  data: {{password: {b64(DB_PASSWORD)}, tls.key: {b64(PEM_KEY)}}}
- apiVersion: helm.crossplane.io/v1beta1
  kind: Release
  metadata: {{name: test-db-postgresql}}
  spec:
    forProvider:
      chart: {{name: postgresql, version: 17.1.0}}
      namespace: default
      values: {{auth: {{username: app, password: {VALUES_PASSWORD}}}}}
  status:
    conditions: [{{type: Ready, status: "False", reason: Unavailable}}]
events:
- ref: {{apiVersion: helm.crossplane.io/v1beta1, kind: Release, name: test-db-postgresql}}
  type: Warning
  reason: InstallFailed
  message: "connect postgresql://app:{CONN_PASSWORD}@test-db-postgresql:5432/app failed"
logs:
- namespace: default
  pod: test-db-postgresql-0
  container: postgresql
  text: "authorization: Bearer {TOKEN}"
"""

STEP = f"""
import logging
import yaml
import pytest
from oamconf.k8s.api import Ref

RELEASE = Ref("helm.crossplane.io/v1beta1", "Release", "test-db-postgresql")
SECRET = Ref("v1", "Secret", "test-db-postgresql", "default")


@pytest.mark.step("3.2", "Database Connectivity")
def test_everything_leaks_somewhere(cluster, evidence):
    secret = cluster.get(SECRET)
    release = cluster.get(RELEASE)
    evidence.diagnostic("Secret", yaml.safe_dump(dict(secret.raw)))
    evidence.diagnostic("Release", yaml.safe_dump(dict(release.raw)))
    evidence.diagnostic("events", "\\n".join(str(e) for e in cluster.events(RELEASE)))
    evidence.diagnostic("logs", cluster.pod_logs("default", "test-db-postgresql-0"))
    evidence.add("tried postgresql://app:{CONN_PASSWORD}@test-db-postgresql:5432/app")
    evidence.hint("password {DB_PASSWORD} was rejected", "rotate {DB_PASSWORD}")
    print("decoded password: {DB_PASSWORD}")
    logging.getLogger("probe").warning("token in use: {TOKEN}")
    raise AssertionError("login as app with {DB_PASSWORD} failed; key {KEY_LINE}")


@pytest.mark.step("5", "End-to-End")
def test_blocked(evidence):
    pass
"""


def test_no_planted_secret_reaches_any_report_log_or_terminal_line(pytester: pytest.Pytester) -> None:
    scenario = pytester.path / "secrets.yaml"
    scenario.write_text(textwrap.dedent(SCENARIO), encoding="utf-8")
    pytester.makepyfile(test_leaky=textwrap.dedent(STEP))
    result = pytester.runpytest(
        *SUITE_PLUGINS, "--scenario", str(scenario),
        "--report-dir", "reports", "-rA", "--log-level=INFO",
    )  # fmt: skip
    result.assert_outcomes(failed=1, skipped=1)
    artifacts = {p.name: p.read_text(encoding="utf-8") for p in (pytester.path / "reports").iterdir()}
    assert set(artifacts) == {"report.md", "report.html", "junit.xml"}
    artifacts["terminal"] = result.stdout.str() + result.stderr.str()
    # The evidence is there, masked: the test did plant where a report looks.
    assert "tried postgresql://app:***@test-db-postgresql:5432/app" in artifacts["report.md"]
    assert "password: '***'" in artifacts["report.md"] or "password: ***" in artifacts["report.md"]
    for name, text in artifacts.items():
        for secret in PLANTED:
            for form in (secret, b64(secret)):
                assert form not in text, f"{name} leaks {form[:12]}..."
