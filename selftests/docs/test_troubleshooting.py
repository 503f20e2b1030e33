"""docs/troubleshooting.md is the hint catalogue as generated, every rule in it, each example true to its rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from oamconf.errors import UsageError
from oamconf.report.troubleshooting import COMMAND, DOC, main, render
from oamconf.report.troubleshooting_areas import AREAS
from oamconf.steps.hint_catalogue import Known
from oamconf.steps.hints import RULES, Rule, matching_rule

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = {name: entry for area in AREAS for name, entry in area.entries.items()}


def test_the_committed_page_is_the_generated_one() -> None:
    committed = (ROOT / DOC).read_text(encoding="utf-8") if (ROOT / DOC).is_file() else ""
    assert committed == render(), f"{DOC} is out of date with the hint catalogue: run `{COMMAND}`"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_every_rule_is_on_the_page_with_its_source(rule: Rule) -> None:
    page = (ROOT / DOC).read_text(encoding="utf-8")
    assert rule.known.source, f"rule {rule.name} has no source: cite the upstream text it quotes"
    assert f"`{rule.known.source}` (rule `{rule.name}`)" in page


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_each_symptom_example_is_matched_first_by_its_own_rule(rule: Rule) -> None:
    """With its placeholders filled in, the example reaches this rule, not an earlier one."""
    text = re.sub(r"<([^<>]+)>", lambda m: m[1], ENTRIES[rule.name].example)
    found = matching_rule(text)
    assert found is not None, f"no rule matches the example of {rule.name}: {text}"
    assert found[0].name == rule.name


def test_placeholders_are_in_code_spans_so_markdown_shows_them() -> None:
    """A bare <name> is an HTML tag to a Markdown renderer, which would hide it."""
    page = (ROOT / DOC).read_text(encoding="utf-8")
    body = re.sub(r"<!--.*?-->", "", page, flags=re.DOTALL)
    bare = [line for line in body.splitlines() if any("<" in part for part in line.split("`")[::2])]
    assert bare == []


def test_a_new_rule_without_an_entry_stops_the_generator_saying_what_to_do() -> None:
    new = Rule.of(Known("helm-lock", r"another operation is in progress", "a cause", "a fix", source="helm"))
    with pytest.raises(
        UsageError, match=r"helm-lock .*no entry in AREAS of src/oamconf/report/troubleshooting_areas\.py"
    ):
        render((*RULES, new))


def test_check_says_in_one_line_that_the_page_is_stale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "troubleshooting.md"
    page.write_text("# Troubleshooting\n", encoding="utf-8")
    assert main(["--check", "--file", str(page)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"is out of date with the hint catalogue: run `{COMMAND}`" in err

    assert main(["--file", str(page)]) == 0
    assert main(["--check", "--file", str(page)]) == 0
    assert page.read_text(encoding="utf-8") == render()


def test_check_of_a_missing_page_names_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check", "--file", str(tmp_path / "missing.md")]) == 1
    assert f"does not exist: run `{COMMAND}`" in capsys.readouterr().err
