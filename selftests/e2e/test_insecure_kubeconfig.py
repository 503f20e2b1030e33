"""A kubeconfig that skips TLS verification (common for staging clusters) runs, and says so as a finding."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from k8s.fakeapi import FakeApiServer
from oamconf.testkit.certs import make_ca, make_server_cert
from synthetic import SUITE_PLUGINS

STEPS = """
import pytest

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_one(cluster, evidence):
    evidence.add(f"server {cluster.server_version()}")
"""

KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: staging
  cluster: {{server: "https://127.0.0.1:{port}", insecure-skip-tls-verify: true}}
contexts:
- name: staging
  context: {{cluster: staging, user: u}}
current-context: staging
users:
- name: u
  user: {{token: tok-abcdefgh12345678}}
"""


def test_an_insecure_kubeconfig_runs_and_reports_the_unverified_certificate(pytester: pytest.Pytester) -> None:
    # The project's own warning policy (warnings are errors) must not turn urllib3's warning into a crash.
    pytester.makeini("[pytest]\nfilterwarnings = error\n")
    pytester.makepyfile(test_steps=STEPS)
    api = FakeApiServer()
    api.start(tls=_self_signed(pytester.path))
    try:
        kubeconfig = pytester.path / "staging.yaml"
        kubeconfig.write_text(KUBECONFIG.format(port=api.port), encoding="utf-8")
        result = pytester.runpytest(
            *SUITE_PLUGINS, "--conformance", "--kubeconfig", str(kubeconfig), "--report-dir", "reports"
        )
    finally:
        api.stop()
    output = "\n".join([*result.outlines, *result.errlines])
    assert "INTERNALERROR" not in output
    assert "InsecureRequestWarning" not in output
    result.assert_outcomes(passed=1)
    finding = "API server certificate not verified (insecure-skip-tls-verify in context staging)"
    assert finding in output
    report = (Path(pytester.path) / "reports" / "report.md").read_text(encoding="utf-8")
    assert finding in report


def _self_signed(folder: Path) -> ssl.SSLContext:
    """A serving context with a certificate no client trusts: only an unverified client gets through."""
    cert = make_server_cert(make_ca("staging-ca"), dns_names=["staging"], ip_addresses=["127.0.0.1"])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*cert.write(folder, "server"))
    return context
