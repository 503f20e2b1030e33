"""Steps run in report order, and a step whose prerequisite did not pass is NOT TESTED with its cause."""

from __future__ import annotations

import re

from synthetic import RunSteps

ORDER = """
import pytest
seen = []

@pytest.mark.step("3.1", "PostgreSQL via OAM")
def test_c():
    seen.append("3.1")

@pytest.mark.step("1.2", "OAM ComponentDefinitions")
def test_b():
    seen.append("1.2")

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_a():
    seen.append("1.1")

@pytest.mark.step("10", "Tenth phase")
def test_z():
    seen.append("10")

def test_zz_check_order():
    pass
"""


def test_steps_run_in_step_id_order_whatever_the_file_order(run_steps: RunSteps) -> None:
    run = run_steps("-v", test_order=ORDER)
    run.result.assert_outcomes(passed=5)
    names = re.findall(r"::(test_\w+) PASSED", run.result.stdout.str())
    # Plain tests keep their place first; step tests follow by numeric id (10 after 3.1).
    assert names == ["test_zz_check_order", "test_a", "test_b", "test_c", "test_z"]


GATED = """
import pytest

@pytest.mark.step("4.1", "vCluster Registration with ArgoCD")
def test_registration():
    raise AssertionError("cluster Secret vcluster-vc1 not found in argocd")

@pytest.mark.step("4.2", "ArgoCD Deployment to vCluster", depends_on=["4.1"])
def test_deploy():
    raise AssertionError("must not run")

@pytest.mark.step("5", "End-to-End")
def test_e2e():
    raise AssertionError("must not run")

@pytest.mark.step("3.1", "PostgreSQL via OAM")
def test_independent():
    pass
"""


SHUFFLER = """
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    items.reverse()  # what a shuffling plugin (pytest-randomly) may do before the steps are sorted
"""

ONE_STEP = """
import pytest

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_crossplane_runs():
    pass

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_a_release_deploys():
    pass
"""


def test_a_step_s_checks_run_as_written_even_after_a_plugin_shuffled_them(run_steps: RunSteps) -> None:
    run = run_steps("-v", conftest=SHUFFLER, test_one_step=ONE_STEP)
    run.result.assert_outcomes(passed=2)
    names = re.findall(r"::(test_\w+) PASSED", run.result.stdout.str())
    assert names == ["test_crossplane_runs", "test_a_release_deploys"]


def test_a_failed_prerequisite_blocks_its_dependents_with_the_cause_chain(run_steps: RunSteps) -> None:
    run = run_steps("-rs", test_gated=GATED)
    run.result.assert_outcomes(passed=1, failed=1, skipped=2)
    out = run.result.stdout.str()
    assert "must not run" not in out
    first = "blocked by 4.1 vCluster Registration with ArgoCD: cluster Secret vcluster-vc1 not found in argocd"
    assert first in out
    # 4.2 is blocked by 4.1; phase 5 names the root failure, not the blocked step in between.
    assert re.search(r"test_gated.py:\d+: " + re.escape(first), out)
    assert out.count(first) == 2
    assert "blocked by 4.2" not in out
    # The blocked test is named in the skip line, not the hook that skipped it.
    assert re.search(r"SKIPPED \[1\] test_gated.py:\d+: blocked by 4.1", out)


def test_a_blocked_step_cited_by_name_carries_the_chain(run_steps: RunSteps) -> None:
    run = run_steps(
        "-rs",
        test_chain="""
        import pytest

        @pytest.mark.step("2.1", "vCluster Creation")
        def test_create():
            pytest.fail("StatefulSet vc1 0/1 ready")

        @pytest.mark.step("2.2", "vCluster Syncer", depends_on=["2.1"])
        def test_syncer():
            pass

        @pytest.mark.step("2.3", "Service replication", depends_on=["2.2"])
        def test_replication():
            pass
        """,
    )
    run.result.assert_outcomes(failed=1, skipped=2)
    chain = "blocked by 2.2 vCluster Syncer: blocked by 2.1 vCluster Creation: StatefulSet vc1 0/1 ready"
    assert chain in run.result.stdout.str()


def test_a_phase_depends_on_every_step_of_the_phases_it_names(run_steps: RunSteps) -> None:
    run = run_steps(
        "-rs",
        test_phases="""
        import pytest

        @pytest.mark.step("1.1", "Crossplane Helm Provider")
        def test_foundation():
            pytest.fail("provider-helm Healthy=False")

        @pytest.mark.step("2.1", "vCluster Creation")
        def test_vcluster():
            pass
        """,
    )
    run.result.assert_outcomes(failed=1, skipped=1)
    assert "blocked by 1.1 Crossplane Helm Provider: provider-helm Healthy=False" in run.result.stdout.str()


def test_a_deselected_prerequisite_does_not_block(run_steps: RunSteps) -> None:
    run = run_steps("-rs", "-k", "deploy or e2e", test_gated=GATED.replace("must not run", "tls handshake failed"))
    # 4.1 was deselected, so 4.2 runs (and fails); phase 5 is then blocked by 4.2.
    run.result.assert_outcomes(failed=1, skipped=1)
    assert "blocked by 4.2 ArgoCD Deployment to vCluster: tls handshake failed" in run.result.stdout.str()
    assert "### Test 4.1" not in run.markdown


def test_a_conftest_can_declare_its_own_phases(run_steps: RunSteps) -> None:
    run = run_steps(
        "-rs",
        conftest="""
        from oamconf.steps.model import Phase

        def pytest_oamconf_phases(config):
            return [Phase(1, "Smoke"), Phase(2, "Functional", depends_on=(1,))]
        """,
        test_custom="""
        import pytest

        @pytest.mark.step("1.1", "API answers")
        def test_smoke():
            pytest.fail("no answer")

        @pytest.mark.step("2.1", "Feature works")
        def test_feature():
            pass
        """,
    )
    run.result.assert_outcomes(failed=1, skipped=1)
    assert "## Phase 1: Smoke ❌ FAILED" in run.markdown
    assert "## Phase 2: Functional 🔄 NOT TESTED" in run.markdown


def test_a_malformed_step_marker_stops_the_run_with_one_line(run_steps: RunSteps) -> None:
    run = run_steps(
        test_bad="""
        import pytest

        @pytest.mark.step("4-2", "Bad id")
        def test_bad():
            pass
        """
    )
    assert run.result.ret == 4
    errors = [line for line in run.result.stderr.lines if line.startswith("ERROR")]
    assert errors == ["ERROR: step id '4-2' is not of the form '4.2' or '5': number the step like the report"]


def test_a_dependency_on_an_unknown_or_later_step_is_refused(run_steps: RunSteps) -> None:
    run = run_steps(
        test_bad="""
        import pytest

        @pytest.mark.step("4.1", "Registration", depends_on=["4.2"])
        def test_first():
            pass

        @pytest.mark.step("4.2", "Deployment")
        def test_second():
            pass
        """
    )
    assert run.result.ret == 4
    assert "step 4.1 depends on step 4.2, which does not come before it" in run.result.stderr.str()


def test_one_step_title_per_step_id(run_steps: RunSteps) -> None:
    run = run_steps(
        test_bad="""
        import pytest

        @pytest.mark.step("3.2", "Database Connectivity")
        def test_pg():
            pass

        @pytest.mark.step("3.2", "Redis Connectivity")
        def test_redis():
            pass
        """
    )
    assert run.result.ret == 4
    assert "step 3.2 is titled both 'Database Connectivity' and 'Redis Connectivity'" in run.result.stderr.str()


def test_a_bad_wait_timeout_names_the_option_and_the_variable(run_steps: RunSteps) -> None:
    run = run_steps("--wait-timeout", "0", test_ok="def test_ok():\n    pass\n")
    assert run.result.ret == 4
    assert "--wait-timeout='0' is not a number of seconds from 1 to 7200" in run.result.stderr.str()
    assert "OAMCONF_WAIT_TIMEOUT" in run.result.stderr.str()


def test_every_test_of_a_step_adds_to_what_the_step_waits_for(run_steps: RunSteps) -> None:
    run = run_steps(
        "-rs",
        test_union="""
        import pytest

        @pytest.mark.step("3.1", "PostgreSQL via OAM")
        def test_postgres():
            pytest.fail("Release test-db-postgresql not Ready")

        @pytest.mark.step("3.2", "Database Connectivity")
        def test_connect():
            pass

        @pytest.mark.step("4.1", "Registration", depends_on=["3.2"])
        def test_registration_a():
            pass

        @pytest.mark.step("4.1", "Registration", depends_on=["3.1"])
        def test_registration_b():
            pass
        """,
    )
    run.result.assert_outcomes(passed=1, failed=1, skipped=2)
    assert "blocked by 3.1 PostgreSQL via OAM: Release test-db-postgresql not Ready" in run.result.stdout.str()


def test_a_check_needing_an_unknown_capability_stops_the_run_with_one_line(run_steps: RunSteps) -> None:
    run = run_steps(
        test_bad="""
        import pytest

        @pytest.mark.needs("kubevel")
        @pytest.mark.step("1.2", "OAM ComponentDefinitions")
        def test_bad():
            pass
        """
    )
    assert run.result.ret == 4
    errors = [line for line in run.result.stderr.lines if line.startswith("ERROR")]
    assert len(errors) == 1, run.result.stderr.lines
    said = "ERROR: test_bad.py::test_bad: needs('kubevel') names no capability; known: crossplane, "
    assert errors[0].startswith(said)
