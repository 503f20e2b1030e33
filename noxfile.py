"""Sessions: `nox -s tests` (self-tests), `nox -s lint`, `nox -s e2e` (the conformance run).

Extra arguments pass through to pytest: `nox -s e2e -- --keep-cluster`.
"""

from __future__ import annotations

import os

import nox

nox.needs_version = ">=2025.5.1"
nox.options.sessions = ["lint", "tests"]
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
