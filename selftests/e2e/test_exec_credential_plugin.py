"""A kubeconfig whose user gets its credentials from an exec plugin: a missing or failing plugin is one line
that names it, before any request (no ``ERROR:root`` line from the client, no retries, no blame on the
credentials the plugin never produced)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster.kubeconfigs import closed_port
from cluster.standins import put_first_on_path, write_standin
from synthetic import SUITE_PLUGINS

STEP = """
import pytest

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_one(cluster):
    pass
"""

EXEC_KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: staging
  cluster: {{server: "https://127.0.0.1:{port}"}}
contexts:
- name: platform
  context: {{cluster: staging, user: sso}}
current-context: platform
users:
- name: sso
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: {command}
      interactiveMode: Never
      installHint: "Install it from https://example.org/kubelogin"
"""


ROOT = Path(__file__).resolve().parents[2]


def run_with(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, command: str) -> list[str]:
    """The run in a process of its own: the client's stray logging goes to the real stderr there."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the session fixtures' package, as the in-process runs have it
    kubeconfig = pytester.path / "staging.yaml"
    kubeconfig.write_text(EXEC_KUBECONFIG.format(port=closed_port(), command=command), encoding="utf-8")
    pytester.makepyfile(test_steps=STEP)
    result = pytester.runpytest_subprocess(*SUITE_PLUGINS, "--conformance", "--kubeconfig", str(kubeconfig))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = [line for line in [*result.outlines, *result.errlines] if line.strip()]
    assert not any("ERROR:root" in line or "Retrying" in line or "Traceback" in line for line in output), output
    errors = [line for line in result.errlines if line.strip()]
    assert len(errors) == 1, errors
    return errors


def test_a_missing_exec_plugin_is_one_line_naming_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    [line] = run_with(pytester, monkeypatch, "kubelogin-not-installed")
    assert "exec plugin 'kubelogin-not-installed', which is not installed (not found on PATH)" in line
    assert "Install it from https://example.org/kubelogin" in line
    assert "user 'sso'" in line
    assert "refused" not in line
    assert "401" not in line


def test_a_failing_exec_plugin_is_one_line_with_its_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = pytester.path / "bin"
    write_standin(bin_dir, "kubelogin", "import sys\nsys.stderr.write('token expired\\n')\nsys.exit(1)")
    put_first_on_path(monkeypatch, bin_dir)
    [line] = run_with(pytester, monkeypatch, "kubelogin")
    assert "loading its credentials failed" in line
    assert "refused" not in line


def test_a_plugin_path_relative_to_the_kubeconfig_is_found_there(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_standin(pytester.path / "tools", "get-token", "import sys\nsys.exit(1)")
    [line] = run_with(pytester, monkeypatch, "./tools/get-token")
    assert "not installed" not in line  # it is there: it ran and failed
    assert "loading its credentials failed" in line
