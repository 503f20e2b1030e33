"""Sessions: `nox -s tests` (self-tests), `nox -s engines`, `nox -s lint`, `nox -s smoke`, `nox -s e2e` (the run).

Extra arguments pass through to pytest: `nox -s e2e -- --keep-cluster`.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.needs_version = ">=2025.5.1"
nox.options.sessions = ["lint", "tests", "smoke"]
nox.options.error_on_external_run = True
# Reused because mypy and the dependency install are slow on a first run; CI clones fresh anyway.
nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "uv|virtualenv"

PYTHON = "3.11"


@nox.session(python=PYTHON, tags=["check"])
def tests(session: nox.Session) -> None:
    """The suite's own tests: real PostgreSQL, Redis and TLS servers, no cluster."""
    session.install("-e", ".", "--group", "tests")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON, tags=["check"])
def engines(session: nox.Session) -> None:
    """Build the upstream engines the self-tests run (hack/tools: Crossplane, function-patch-and-transform,
    KubeVela, helm) into the tool cache, or reuse them; prints each build's time. `tests` builds whatever
    is missing on first use too: this session only makes the cost visible on its own line."""
    session.install("-e", ".")
    session.run("python", "-m", "oamconf.cluster.gobuild", *session.posargs)


@nox.session(python=PYTHON, tags=["check"])
def lint(session: nox.Session) -> None:
    """ruff (lint + format), mypy --strict, and the import-layer contract."""
    session.install("-e", ".", "--group", "tests", "--group", "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("lint-imports")


@nox.session(python=PYTHON, tags=["cluster"])
def e2e(session: nox.Session) -> None:
    """The conformance phases against a cluster; writes reports/ (report.md, report.html, junit.xml)."""
    session.install("-e", ".")
    report_dir = os.environ.get("OAMCONF_REPORT_DIR", "reports")
    session.run("pytest", "tests", "--conformance", "--report-dir", report_dir, *session.posargs)


@nox.session(python=PYTHON, tags=["check"])
def smoke(session: nox.Session) -> None:
    """The main command as a new user gets it: the runtime dependencies alone, installed from a wheel.

    Without Docker the run must stop with the one Docker line; against the healthy scenario it must
    write the three reports. `tests` and `lint` install the test group, so they cannot see a runtime
    module that imports a test-only package; this session can.
    """
    # Not editable: the installed package must find the project's fixtures/ by itself. Forced, as a
    # reused environment would otherwise keep the wheel of an earlier run.
    session.install(".")
    session.install("--no-deps", "--force-reinstall", ".")
    venv_bin = str(Path(session.bin))
    # PATH without docker: the preflight must say so in one line, whatever this machine has.
    out = session.run(
        "pytest",
        "tests",
        "--conformance",
        "-p",
        "no:cacheprovider",
        env={"PATH": venv_bin},
        success_codes=[4],
        silent=True,
    )
    _expect_one_line(session, str(out), "ERROR: cannot run the conformance phases: docker not found on PATH")
    reports = Path(session.create_tmp()) / "smoke-reports"
    # The healthy scenario passes as a user runs it: what needs a real server (the databases, the vCluster's
    # and Argo CD's APIs; the self-tests bind real ones with --endpoint) is not tested, and says so.
    session.run(
        "pytest",
        "tests",
        "--conformance",
        "-p",
        "no:cacheprovider",
        "--scenario",
        "selftests/scenarios/healthy",
        "--report-dir",
        str(reports),
    )
    missing = [name for name in ("report.md", "report.html", "junit.xml") if not (reports / name).is_file()]
    if missing:
        session.error(f"the scenario run wrote no {', '.join(missing)} in {reports}")
    markdown = (reports / "report.md").read_text(encoding="utf-8")
    wanted = (
        "Phase 1: Foundation Components ✅ PASSED",
        "Phase 2: vCluster Infrastructure ✅ PASSED",
        "run with --endpoint postgresql=HOST:PORT to test it",
    )
    for line in wanted:
        if line not in markdown:
            session.error(f"the healthy scenario's report.md lacks '{line}'")


def _expect_one_line(session: nox.Session, output: str, start: str) -> None:
    if "Traceback" in output or "INTERNALERROR" in output:
        session.error(f"the run stopped with a traceback, not one line:\n{output}")
    errors = [line for line in output.splitlines() if line.startswith("ERROR")]
    if len(errors) != 1 or not errors[0].startswith(start):
        session.error(f"expected one line starting {start!r}, got:\n{output}")
    session.log(f"stopped as expected: {errors[0]}")
