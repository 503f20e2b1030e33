"""A command line that only asks something (help, the fixtures, the markers, a listing) is answered: it never
runs the preflight, so a machine without Docker or with a broken override still gets its answer."""

from __future__ import annotations

import pytest

from cluster.standins import put_first_on_path
from synthetic import SUITE_PLUGINS

STEP = """
import pytest

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_one(cluster):
    pass
"""


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        pytest.param("--help", "--scenario=FILE", id="help"),
        pytest.param("-h", "--profile-set=TABLE.KEY=VALUE", id="h"),
        pytest.param("--fixtures", "own_vcluster", id="fixtures"),
        pytest.param("--markers", "@pytest.mark.", id="markers"),
        pytest.param("--collect-only", "test_one", id="collect-only"),
    ],
)
def test_a_question_is_answered_without_docker_and_without_the_preflight(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, question: str, answer: str
) -> None:
    put_first_on_path(monkeypatch, pytester.path / "empty-bin", only=True)  # no docker, kind, helm or kubectl
    pytester.makepyfile(test_steps=STEP)
    # As `nox -s e2e -- --help` runs it: the session's own options first, the user's question last.
    result = pytester.runpytest(*SUITE_PLUGINS, "--conformance", "--report-dir", "reports", question)
    output = "\n".join([*result.outlines, *result.errlines])
    assert result.ret == pytest.ExitCode.OK, output
    assert answer in output
    assert "docker not found" not in output
    assert not [line for line in result.errlines if line.startswith("ERROR")]
    assert not (pytester.path / "cache").exists()


def test_help_is_shown_even_when_a_version_override_is_wrong(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_first_on_path(monkeypatch, pytester.path / "empty-bin", only=True)
    result = pytester.runpytest(*SUITE_PLUGINS, "--conformance", "--set", "crossplane.chart_version=", "--help")
    assert result.ret == pytest.ExitCode.OK
    assert any("--wait-timeout" in line for line in result.outlines)
    assert not [line for line in result.errlines if line.startswith("ERROR")]
