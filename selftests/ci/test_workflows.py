"""The GitHub workflows, checked offline: valid YAML with the triggers they promise, nothing run
that the repository lacks (nox sessions, scripts), actions pinned, least-privilege permissions,
and the nightly's reports uploaded whatever the outcome.

Each check returns the problems it found, one line each, as argo-cd's expectations return their
message. Every check is also run on a broken copy in a temporary folder, so a check that could
never fail is caught as well.
"""

from __future__ import annotations

import ast
import re
import shlex
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = Path(".github") / "workflows"
PR, NIGHTLY = "pr.yml", "nightly-conformance.yml"

Workflow = dict[Any, Any]
Check = Callable[[Path, Path], list[str]]  # (workflow file, repository root) -> problems

_PINNED = re.compile(r"^[\w.-]+/[\w./-]+@(v\d+|[0-9a-f]{40})$")
_CRON = re.compile(r"^\S+( \S+){4}$")
_SHELL_OPERATORS = {";", "&&", "||", "|", "&", ")", "then", "do"}


def load(path: Path) -> Workflow:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def triggers(workflow: Workflow) -> dict[str, Any]:
    """The `on:` events by name. PyYAML reads YAML 1.1, where the bare key `on` is the boolean True."""
    raw = workflow["on"] if "on" in workflow else workflow.get(True)
    if isinstance(raw, str):
        return {raw: None}
    if isinstance(raw, list):
        return dict.fromkeys(raw)
    return dict(raw) if isinstance(raw, dict) else {}


def steps(workflow: Workflow) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in (workflow.get("jobs") or {}).items():
        for step in job.get("steps") or []:
            yield job_id, step


def command_lines(workflow: Workflow) -> Iterator[list[str]]:
    """Every line of every `run:` script, split into words as the shell would (roughly)."""
    for _, step in steps(workflow):
        script = str(step.get("run", "")).replace("\\\n", " ")
        for line in script.splitlines():
            try:
                words = shlex.split(line, comments=True)
            except ValueError:  # an unbalanced quote in a line the shell joins with the next
                words = line.split()
            if words:
                yield words


def sessions_run(workflow: Workflow) -> set[str]:
    """Sessions named after `nox -s` / `--session(s)` / `-e`, up to the next option or operator."""
    found: set[str] = set()
    for words in command_lines(workflow):
        if not any(w == "nox" or w.endswith("/nox") for w in words):
            continue
        for i, word in enumerate(words):
            if word not in {"-s", "-e", "--session", "--sessions"}:
                continue
            for name in words[i + 1 :]:
                if name.startswith("-") or name in _SHELL_OPERATORS:
                    break
                found.add(name)
    return found


def scripts_run(workflow: Workflow) -> set[str]:
    """Repository paths run as `bash PATH` or `sh PATH` (after `sudo -E`, say); not `bash -c`."""
    found: set[str] = set()
    for words in command_lines(workflow):
        for i, word in enumerate(words):
            if word not in {"bash", "sh"}:
                continue
            rest = words[i + 1 :]
            flags = [w for w in rest if w.startswith("-")]
            path = next((w for w in rest if not w.startswith("-")), None)
            if "-c" in flags or path is None or "$" in path:
                continue  # an inline command, or a path only the runner knows
            found.add(path)
    return found


def defined_sessions(noxfile: Path) -> set[str]:
    """The `@nox.session` functions of a noxfile, read with ast: importing it would need nox."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(noxfile.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            if ast.unparse(target) not in {"nox.session", "session"}:
                continue
            renamed = [k.value for k in (call.keywords if call else []) if k.arg == "name"]
            name = renamed[0].value if renamed and isinstance(renamed[0], ast.Constant) else node.name
            names.add(str(name))
    return names


# --- Checks: (workflow file, repository root) -> problems -----------------------------------------


def yaml_problems(path: Path, root: Path) -> list[str]:
    del root
    try:
        workflow = load(path)
    except yaml.YAMLError as err:
        return [f"{path.name}: not valid YAML: {str(err).splitlines()[0]}"]
    problems = [] if triggers(workflow) else [f"{path.name}: no `on:` triggers"]
    return problems + ([] if workflow.get("jobs") else [f"{path.name}: no jobs"])


def session_problems(path: Path, root: Path) -> list[str]:
    defined = defined_sessions(root / "noxfile.py")
    return [
        f"{path.name}: runs `nox -s {name}`, but noxfile.py defines no session {name!r} (it has {sorted(defined)})"
        for name in sorted(sessions_run(load(path)) - defined)
    ]


def script_problems(path: Path, root: Path) -> list[str]:
    return [
        f"{path.name}: runs `bash {script}`, which is not a file in the repository"
        for script in sorted(scripts_run(load(path)))
        if not (root / script).is_file()
    ]


def pin_problems(path: Path, root: Path) -> list[str]:
    del root
    workflow = load(path)
    uses = [(job_id, step["uses"]) for job_id, step in steps(workflow) if "uses" in step]
    uses += [(job_id, job["uses"]) for job_id, job in (workflow.get("jobs") or {}).items() if "uses" in job]
    return [
        f"{path.name}: job {job_id} uses {ref}: pin it to a major version (@v4) or a commit SHA"
        for job_id, ref in uses
        if not (str(ref).startswith("./") or _PINNED.match(str(ref)))
    ]


def permission_problems(path: Path, root: Path) -> list[str]:
    """Workflow-wide permissions are set and read-only; a job that needs more asks for it itself."""
    del root
    permissions = load(path).get("permissions")
    if not isinstance(permissions, dict):
        return [f"{path.name}: set workflow permissions to least privilege (`permissions: contents: read`)"]
    return [
        f"{path.name}: permissions {scope}: {access} for the whole workflow: grant it in the job that needs it"
        for scope, access in permissions.items()
        if access not in {"read", "none"}
    ]


def pr_problems(path: Path, root: Path) -> list[str]:
    """Pull requests and pushes to main; lint, self-tests and smoke; superseded PR runs cancelled."""
    del root
    workflow = load(path)
    on = triggers(workflow)
    problems = [] if "pull_request" in on else [f"{path.name}: does not run on pull_request"]
    if "main" not in ((on.get("push") or {}).get("branches") or []):
        problems.append(f"{path.name}: does not run on push to main")
    missing = {"lint", "tests", "smoke"} - sessions_run(workflow)
    problems += [f"{path.name}: never runs `nox -s {name}`" for name in sorted(missing)]
    concurrency = workflow.get("concurrency") or {}
    if not (isinstance(concurrency, dict) and concurrency.get("group") and concurrency.get("cancel-in-progress")):
        problems.append(f"{path.name}: no concurrency group cancelling superseded pull-request runs")
    return problems


def nightly_problems(path: Path, root: Path) -> list[str]:
    """A cron and a manual run with a versions file; e2e run; reports/ uploaded on every outcome."""
    del root
    workflow = load(path)
    on = triggers(workflow)
    crons = [entry.get("cron", "") for entry in on.get("schedule") or []]
    problems = [] if any(_CRON.match(c) for c in crons) else [f"{path.name}: no schedule with a cron"]
    inputs = (on.get("workflow_dispatch") or {}).get("inputs") or {}
    if "versions" not in inputs:
        problems.append(f"{path.name}: no workflow_dispatch with a `versions` input")
    if "e2e" not in sessions_run(workflow):
        problems.append(f"{path.name}: never runs `nox -s e2e`")
    if not any("--versions" in word for words in command_lines(workflow) for word in words):
        problems.append(f"{path.name}: never passes --versions")
    uploads = [s for _, s in steps(workflow) if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    if not any(
        "always()" in str(s.get("if", "")) and str((s.get("with") or {}).get("path", "")).startswith("reports")
        for s in uploads
    ):
        problems.append(f"{path.name}: does not upload reports/ with `if: always()`")
    return problems


GENERIC: tuple[Check, ...] = (yaml_problems, session_problems, script_problems, pin_problems, permission_problems)


def _workflow_files() -> list[Path]:
    return sorted((ROOT / WORKFLOWS).glob("*.y*ml"))


# --- The repository's workflows --------------------------------------------------------------------


def test_the_pr_and_nightly_workflows_exist() -> None:
    assert {PR, NIGHTLY} <= {p.name for p in _workflow_files()}


def test_the_noxfile_sessions_are_read_without_importing_nox() -> None:
    assert {"lint", "tests", "smoke", "e2e"} <= defined_sessions(ROOT / "noxfile.py")


@pytest.mark.parametrize("check", GENERIC, ids=lambda c: c.__name__)
@pytest.mark.parametrize("workflow", _workflow_files(), ids=lambda p: p.name)
def test_every_workflow_passes_the_generic_checks(workflow: Path, check: Check) -> None:
    """Valid YAML, existing sessions and scripts, pinned actions, read-only permissions."""
    assert check(workflow, ROOT) == []


def test_the_pr_workflow_runs_lint_self_tests_and_smoke_on_pull_requests_and_main() -> None:
    assert pr_problems(ROOT / WORKFLOWS / PR, ROOT) == []


def test_the_nightly_runs_on_a_schedule_and_on_demand_and_always_uploads_its_reports() -> None:
    assert nightly_problems(ROOT / WORKFLOWS / NIGHTLY, ROOT) == []


# --- Each check can fail: the same checks on a broken copy ---------------------------------------


@dataclass(frozen=True)
class Breakage:
    """In workflow *name*, *old* (its first occurrence) becomes *new*: *check* must say *expected*."""

    name: str
    old: str
    new: str
    check: Check
    expected: str


BROKEN = {
    "unknown-session": Breakage(PR, "run: nox -s lint", "run: nox -s nosuch", session_problems, "session 'nosuch'"),
    "second-session": Breakage(NIGHTLY, "nox -s e2e --", "nox -s e2e nosuch --", session_problems, "session 'nosuch'"),
    "missing-script": Breakage(PR, "bash .ci/services", "bash .ci/nosuch", script_problems, ".ci/nosuch"),
    "branch-pin": Breakage(PR, "actions/checkout@v4", "actions/checkout@main", pin_problems, "@main"),
    "no-pin": Breakage(NIGHTLY, "actions/cache@v4", "actions/cache", pin_problems, "actions/cache:"),
    "no-permissions": Breakage(PR, "permissions:\n  contents: read\n", "", permission_problems, "least privilege"),
    "write-permission": Breakage(NIGHTLY, "contents: read", "contents: write", permission_problems, "contents: write"),
    "invalid-yaml": Breakage(PR, "jobs:", "jobs: [", yaml_problems, "not valid YAML"),
    "no-triggers": Breakage(NIGHTLY, "\non:", "\nnot_on:", yaml_problems, "no `on:` triggers"),
    "no-pull-request": Breakage(PR, "  pull_request:\n", "", pr_problems, "pull_request"),
    "not-main": Breakage(PR, "branches: [main]", "branches: [dev]", pr_problems, "push to main"),
    "no-smoke": Breakage(PR, "run: nox -s smoke", "run: nox -s lint", pr_problems, "never runs `nox -s smoke`"),
    "no-cancel": Breakage(PR, "cancel-in-progress:", "cancel-anything:", pr_problems, "concurrency"),
    "no-cron": Breakage(NIGHTLY, "cron:", "kron:", nightly_problems, "no schedule"),
    "no-input": Breakage(NIGHTLY, "      versions:\n", "      other:\n", nightly_problems, "`versions` input"),
    "no-versions": Breakage(NIGHTLY, '(--versions "', '(--version "', nightly_problems, "passes --versions"),
    "upload-on-success-only": Breakage(
        NIGHTLY, "- if: always()\n        uses: actions/upload", "- uses: actions/upload", nightly_problems, "always()"
    ),
    "upload-elsewhere": Breakage(NIGHTLY, "path: reports/", "path: logs/", nightly_problems, "upload reports/"),
}


def _copy_of_the_repository(tmp_path: Path) -> Path:
    """The files the checks read, copied into *tmp_path*: workflows, noxfile.py, the .ci scripts."""
    shutil.copytree(ROOT / WORKFLOWS, tmp_path / WORKFLOWS)
    shutil.copytree(ROOT / ".ci", tmp_path / ".ci")
    shutil.copy(ROOT / "noxfile.py", tmp_path / "noxfile.py")
    return tmp_path


@pytest.mark.parametrize("breakage", BROKEN.values(), ids=BROKEN.keys())
def test_each_check_finds_its_problem_in_a_broken_copy(tmp_path: Path, breakage: Breakage) -> None:
    root = _copy_of_the_repository(tmp_path)
    path = root / WORKFLOWS / breakage.name
    assert breakage.check(path, root) == []  # the unbroken copy passes: the edit below is what fails it
    text = path.read_text(encoding="utf-8")
    assert breakage.old in text, f"the breakage no longer applies to {breakage.name}: update {breakage.old!r}"
    path.write_text(text.replace(breakage.old, breakage.new, 1), encoding="utf-8")
    problems = breakage.check(path, root)
    assert any(breakage.expected in p for p in problems), problems


def test_a_session_missing_from_the_noxfile_is_caught(tmp_path: Path) -> None:
    root = _copy_of_the_repository(tmp_path)
    noxfile = root / "noxfile.py"
    noxfile.write_text(noxfile.read_text(encoding="utf-8").replace("def smoke(", "def smoke_test("), encoding="utf-8")
    defined = sorted(defined_sessions(noxfile))
    assert session_problems(root / WORKFLOWS / PR, root) == [
        f"{PR}: runs `nox -s smoke`, but noxfile.py defines no session 'smoke' (it has {defined})"
    ]


def test_the_on_key_is_read_whether_yaml_makes_it_a_boolean_or_not(tmp_path: Path) -> None:
    quoted = tmp_path / "quoted.yml"
    quoted.write_text('"on": [push]\njobs: {a: {runs-on: x}}\n', encoding="utf-8")
    bare = tmp_path / "bare.yml"
    bare.write_text("on: push\njobs: {a: {runs-on: x}}\n", encoding="utf-8")
    assert True in load(bare)  # YAML 1.1: the bare key is a boolean
    assert triggers(load(quoted)) == triggers(load(bare)) == {"push": None}
