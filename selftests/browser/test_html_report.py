"""report.html as a reviewer sees it: rendered by headless Chromium through Playwright.

Three synthetic runs go through pytester (as in ``selftests/harness``): a healthy one, one with a
failed step that has a hint and a phase blocked by it, and the planted-secrets run of
``selftests/redaction``. Each page must show the verdicts in words, the root cause and fix, fold
its diagnostics until clicked, log no console error and hold no planted secret in its DOM. A
full-page screenshot of each is kept under the test's tmp dir and copied to
``reports/browser-screenshots/``. A missing browser fails the test: a green run means it ran.
"""

from __future__ import annotations

import base64
import shutil
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from redaction.test_no_secret_in_any_artifact import PLANTED, SCENARIO
from redaction.test_no_secret_in_any_artifact import STEP as LEAKY_STEP
from synthetic import SUITE_PLUGINS, RunSteps

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path("reports") / "browser-screenshots"

HEALTHY = """
import pytest

@pytest.fixture(scope="session", autouse=True)
def header(run_info):
    run_info.fact("Cluster", "kind oamconf (created by the suite)")
    run_info.component("Crossplane", "2.3.4")
    run_info.component("provider-helm", "v1.4.0")

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_provider_is_healthy(evidence):
    evidence.add("provider-helm v1.4.0 Installed=True Healthy=True")

@pytest.mark.step("2.1", "vCluster Creation")
def test_vcluster(evidence):
    evidence.add("VirtualCluster vc1 Synced and Ready")

@pytest.mark.step("3.1", "PostgreSQL via OAM")
def test_postgres(evidence):
    evidence.add("Helm Release test-db-postgresql deployed (revision 1, chart 17.1.0)")

@pytest.mark.step("4.1", "vCluster Registration with ArgoCD")
def test_registration(evidence):
    evidence.add("cluster Secret vcluster-vc1 has caData, serverName vc1")

@pytest.mark.step("5", "End-to-End Integration")
def test_end_to_end(evidence):
    evidence.add("podinfo in vc1 reads from test-db-postgresql")
"""

CAUSE = "the vCluster certificate does not name the Service Argo CD dials"
FIX = "add vc1.vc1-ns.svc to the vCluster's proxy.extraSANs and recreate it"

FAILING = f"""
import pytest

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_provider_is_healthy(evidence):
    evidence.add("provider-helm v1.4.0 Installed=True Healthy=True")

@pytest.mark.step("4.1", "vCluster Registration with ArgoCD")
def test_registration(evidence):
    evidence.add("Application podinfo-vc1 created")
    evidence.diagnostic("Application podinfo-vc1 conditions", "ComparisonError: failed to get cluster version")
    evidence.hint("{CAUSE}", "{FIX}")
    raise AssertionError("Application podinfo-vc1: want Synced, is Unknown: x509: not vc1.vc1-ns.svc")

@pytest.mark.step("5", "End-to-End Integration")
def test_end_to_end():
    raise AssertionError("must not run")
"""


@dataclass
class Seen:
    """What the browser showed: the page, and the console errors it logged."""

    page: Page
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import Error, sync_playwright  # noqa: PLC0415 - a missing one is a failure
    except ImportError:
        pytest.fail("playwright is missing: install the tests group (`uv pip install playwright`)", pytrace=False)
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (Debian)", pytrace=False)
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        except Error as err:
            pytest.fail(f"{CHROMIUM} did not start: {str(err).splitlines()[0]}", pytrace=False)
        yield browser
        browser.close()


def _open(browser: Browser, report: Path, name: str, tmp_path: Path, root: Path) -> Seen:
    """Open *report* like a reviewer, keep a full-page screenshot, and collect console errors."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = Seen(page)
    page.on("console", lambda m: seen.errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(f"pageerror: {e}"))
    page.goto(report.as_uri())
    page.wait_for_selector("#results-table tbody")
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    try:
        (root / SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, root / SCREENSHOTS / shot.name)
    except OSError:
        pass  # the tmp copy is the artifact; reports/ is a convenience
    return seen


def _phase_verdicts(page: Page) -> dict[str, str]:
    rows = page.locator(".oamconf table.phases tr").all()[1:]
    return {r.locator("td").nth(0).inner_text(): r.locator("td").nth(1).inner_text() for r in rows}


def test_a_healthy_run_reads_as_working(
    run_steps: RunSteps, browser: Browser, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    run = run_steps(test_platform=HEALTHY)
    seen = _open(browser, run.report_dir / "report.html", "healthy", tmp_path, pytestconfig.rootpath)
    page = seen.page
    assert page.locator(".oamconf h2").first.inner_text() == "Overall Status: ✅ Platform Working"
    verdicts = _phase_verdicts(page)
    assert verdicts["1. Foundation Components"] == "✅ PASSED"
    assert set(verdicts.values()) == {"✅ PASSED"}
    assert page.get_by_text("provider-helm v1.4.0 Installed=True Healthy=True").first.is_visible()
    assert page.locator("#environment").is_hidden()  # pytest-html's Python packages are not what a review reads first
    assert seen.errors == []


def test_a_failed_step_shows_its_root_cause_fix_and_folded_diagnostics(
    run_steps: RunSteps, browser: Browser, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    run = run_steps(test_platform=FAILING)
    seen = _open(browser, run.report_dir / "report.html", "failed-and-blocked", tmp_path, pytestconfig.rootpath)
    page = seen.page
    verdicts = _phase_verdicts(page)
    assert verdicts["4. ArgoCD Integration"] == "❌ FAILED"
    assert verdicts["5. End-to-End Integration"] == "🔄 NOT TESTED"
    step = page.locator(".oamconf article.step", has_text="Test 4.1")
    assert step.locator(".cause").inner_text() == f"Root Cause: {CAUSE}"
    assert step.locator(".fix").inner_text() == f"Fix: {FIX}"
    assert step.locator(".cause").is_visible()
    assert step.locator(".fix").is_visible()
    assert "blocked by 4.1" in page.locator(".oamconf section.phase", has_text="Phase 5").inner_text()
    folded = step.locator("details.diagnostic").first
    assert folded.locator("pre").is_hidden()
    folded.locator("summary").click()
    assert folded.get_attribute("open") is not None
    assert folded.locator("pre").is_visible()
    assert "ComparisonError: failed to get cluster version" in folded.locator("pre").inner_text()
    assert seen.errors == []


def test_no_planted_secret_reaches_the_rendered_page(
    pytester: pytest.Pytester, browser: Browser, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    scenario = pytester.path / "secrets.yaml"
    scenario.write_text(textwrap.dedent(SCENARIO), encoding="utf-8")
    pytester.makepyfile(test_leaky=textwrap.dedent(LEAKY_STEP))
    result = pytester.runpytest(*SUITE_PLUGINS, "--scenario", str(scenario), "--report-dir", "reports", "-rA")
    result.assert_outcomes(failed=1, skipped=1)
    seen = _open(browser, pytester.path / "reports" / "report.html", "planted-secrets", tmp_path, pytestconfig.rootpath)
    page = seen.page
    page.locator("#show_all_details").click()  # every row's evidence and traceback, unfolded
    for details in page.locator("details").all():
        details.locator("summary").click()
    assert "tried postgresql://app:***@test-db-postgresql:5432/app" in page.inner_text("body")
    dom, text = page.content(), page.inner_text("body")
    for secret in PLANTED:
        for form in (secret, base64.b64encode(secret.encode()).decode()):
            assert form not in dom, f"the DOM holds {form[:12]}..."
            assert form not in text, f"the page shows {form[:12]}..."
    assert seen.errors == []
