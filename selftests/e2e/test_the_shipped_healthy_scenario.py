"""The shipped healthy scenario is healthy when run the README's way (``--scenario selftests/scenarios/healthy``,
no servers): nothing fails, and what needs a real server is not tested and names the ``--endpoint`` to give."""

from __future__ import annotations

import pytest

from offline import HEALTHY, run_phases, step_section, verdicts

FAILED = "❌ Failed"


def test_run_as_the_readme_says_nothing_fails_and_the_exit_code_is_zero(pytester: pytest.Pytester) -> None:
    result, md = run_phases(pytester, HEALTHY)
    assert result.ret == 0, result.stdout.str()[-2000:]
    assert FAILED not in verdicts(md).values(), verdicts(md)
    assert "pass endpoints=" not in md  # the Python API's advice is not a user's


def test_what_needs_a_server_is_not_tested_and_names_the_endpoint_option(pytester: pytest.Pytester) -> None:
    _, md = run_phases(pytester, HEALTHY)
    assert verdicts(md)["3.2"] == "🔄 Not tested"
    assert "run with --endpoint postgresql=HOST:PORT to test it" in step_section(md, "3.2")
    assert "run with --endpoint redis=HOST:PORT to test it" in step_section(md, "3.3")
    registration = step_section(md, "4.1")
    assert "cluster vc1, server https://vc1.vc1-ns.svc:443" in registration  # the scenario registers vc1
    assert "run with --endpoint vcluster-api=HOST:PORT to test it" in registration
