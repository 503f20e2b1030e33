"""Every verdict reads the same with its emoji gone: where no emoji font is installed they render as boxes,
so the words beside them (PASSED, Needs Verification, ...) must carry the meaning alone, in report.md,
report.html (phase table, phase and step headings, step rows, each test's block) and the terminal."""

from __future__ import annotations

import re
from typing import Final

import pytest

from synthetic import RunSteps, SyntheticRun

# The symbol blocks our icons come from (Misc Symbols, Dingbats, the emoji planes) and the emoji-style selector.
EMOJI: Final = re.compile("[\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff]\ufe0f?|\ufe0f")
PHASE_WORDS: Final = "PASSED|PARTIAL|FAILED|NOT TESTED"
STEP_WORDS: Final = "Working|Needs Verification|Failed|Not tested"

EVERY_VERDICT = """
import pytest

@pytest.mark.step("1.1", "Crossplane Helm Provider")
def test_provider(evidence):
    evidence.add("provider-helm Healthy")

@pytest.mark.step("2.2", "vCluster Syncer Configuration")
def test_syncer(evidence):
    evidence.warn("existing vClusters predate the current composition")

@pytest.mark.step("3.1", "PostgreSQL via OAM")
def test_postgres():
    raise AssertionError("Release test-db: want deployed, is failed")

@pytest.mark.step("4.1", "vCluster Registration with ArgoCD")
def test_registration(evidence):
    evidence.add("cluster Secret vcluster-vc1 parsed")

@pytest.mark.step("4.2", "ArgoCD Deployment to vCluster")
def test_deployment():
    raise AssertionError("Application podinfo-vc1: want Synced, is Unknown")

@pytest.mark.step("5", "End-to-End Integration")
def test_end_to_end():
    pytest.skip("needs a server")
"""
PHASES: Final = {"1": "PASSED", "2": "PARTIAL", "3": "FAILED", "4": "PARTIAL", "5": "NOT TESTED"}
STEPS: Final = {
    "1.1": "Working",
    "2.2": "Needs Verification",
    "3.1": "Failed",
    "4.1": "Working",
    "4.2": "Failed",
    "5": "Not tested",
}


@pytest.fixture
def run(run_steps: RunSteps) -> SyntheticRun:
    done = run_steps(test_every_verdict=EVERY_VERDICT)
    done.result.assert_outcomes(passed=3, failed=2, skipped=1)
    return done


def plain(text: str) -> str:
    """*text* as a reader without an emoji font gets it: each icon gone with the space after it."""
    return re.sub(f"(?:{EMOJI.pattern}) ?", "", text)


def test_no_icon_stands_alone_in_any_output(run: SyntheticRun) -> None:
    outputs = {**{p.name: t for p, t in run.artifacts().items()}, "terminal": run.result.stdout.str()}
    for name, text in outputs.items():
        for found in EMOJI.finditer(text):
            after = text[found.end() : found.end() + 30]
            assert re.match(r" ?\w", after), f"{name}: {found.group()} is not followed by words: {after!r}"


def test_report_md_keeps_every_verdict_in_words(run: SyntheticRun) -> None:
    md = plain(run.markdown)
    assert dict(re.findall(rf"^## Phase (\d): .+ ({PHASE_WORDS})$", md, re.MULTILINE)) == PHASES
    assert dict(re.findall(rf"^\| (\d)\. [^|]+ \| ({PHASE_WORDS}) \|", md, re.MULTILINE)) == PHASES
    found = re.findall(rf"^### Test (\S+): .*\n- \*\*Status\*\*: ({STEP_WORDS})$", md, re.MULTILINE)
    assert dict(found) == STEPS
    assert "## Overall Status: Partially Working (1 of 5 phases passed)" in md


def test_report_html_keeps_every_verdict_in_words(run: SyntheticRun) -> None:
    page = plain(run.html)
    table = re.findall(rf'<tr class="v-\w+"><td>(\d)\. [^<]+</td><td>({PHASE_WORDS})</td>', page)
    assert dict(table) == PHASES
    headings = re.findall(rf'<h3>Phase (\d): [^<]+ <span class="verdict v-\w+">({PHASE_WORDS})</span></h3>', page)
    assert dict(headings) == PHASES
    rows = re.findall(rf'<tr><td>([\d.]+)</td><td>[^<]+</td><td class="v-\w+">({STEP_WORDS})</td>', page)
    assert dict(rows) == STEPS
    steps = re.findall(rf'<h4>Test ([\d.]+): [^<]+ <span class="verdict v-\w+">({STEP_WORDS})</span></h4>', page)
    assert dict(steps) == STEPS
    assert "Overall Status: Partially Working" in page


def test_each_test_s_block_in_report_html_keeps_its_step_verdict_in_words(run: SyntheticRun) -> None:
    blocks = [plain(block) for blocks in run.html_extras().values() for block in blocks]
    found = {m[0]: m[1] for b in blocks for m in re.findall(rf"<b>Step ([\d.]+) [^<]*</b>: ({STEP_WORDS}) —", b)}
    assert found == STEPS


def test_the_terminal_keeps_every_phase_verdict_in_words(run: SyntheticRun) -> None:
    terminal = plain(run.result.stdout.str())
    lines = re.findall(rf"^Phase (\d): .+ ({PHASE_WORDS}) +\(", terminal, re.MULTILINE)
    assert dict(lines) == PHASES
    assert re.search(r"conformance: Partially Working \(1 of 5 phases passed\)", terminal)
