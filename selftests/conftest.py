"""Shared self-test fixtures, and the real database servers the probe and offline phase tests use.

PostgreSQL will not run as root, and CI runs as root, so pytest-postgresql cannot start its own
server there. ``.ci/services`` starts the distribution's server and exports ``OAMCONF_TEST_PG_*``;
without those, a non-root developer gets a server pytest-postgresql starts, and root gets a
failure saying what to run. The tests that use them are never skipped: a green run means they ran.
"""

from __future__ import annotations

import os
import secrets
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest
from pytest_postgresql import factories as pg_factories
from pytest_redis import factories as redis_factories

from oamconf.cluster import gobuild
from oamconf.cluster.tools import default_cache_dir
from oamconf.errors import ConformanceError
from oamconf.testkit.xrender import Function, function_server
from probes.servers import REDIS_PASSWORD
from synthetic import RunSteps, SyntheticRun


@pytest.fixture
def run_steps(pytester: pytest.Pytester) -> RunSteps:
    """Write step modules (name -> source) into a fresh directory and run them with reports on."""

    def run(*args: str, **modules: str) -> SyntheticRun:
        pytester.makepyfile(**{name: textwrap.dedent(src) for name, src in modules.items()})
        report_dir = pytester.path / "reports"
        result = pytester.runpytest("-p", "no:cacheprovider", "--report-dir", str(report_dir), *args)
        return SyntheticRun(result, report_dir)

    return run


PG_ENV: Final = ("OAMCONF_TEST_PG_HOST", "OAMCONF_TEST_PG_PORT", "OAMCONF_TEST_PG_USER", "OAMCONF_TEST_PG_PASSWORD")


def _debian_pg_ctl() -> str | None:
    """pg_ctl from PATH, else from the newest Debian server package (which keeps it off PATH)."""
    found = shutil.which("pg_ctl")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return str(candidates[-1]) if candidates else None


# pytest-postgresql makes a template database <dbname>_tmpl on the shared server and drops it at the end: with
# the default name, a second session on the machine, or any session after one that was killed, fails with
# DuplicateDatabase. A name of this process's own avoids both.
postgresql_external = pg_factories.postgresql_noproc(
    host=os.environ.get("OAMCONF_TEST_PG_HOST"),
    port=os.environ.get("OAMCONF_TEST_PG_PORT"),
    user=os.environ.get("OAMCONF_TEST_PG_USER"),
    password=os.environ.get("OAMCONF_TEST_PG_PASSWORD"),
    dbname=f"oamconf_{os.getpid()}",
)
# A password makes pytest-postgresql initdb with password auth, so a wrong one is refused.
postgresql_local = pg_factories.postgresql_proc(executable=_debian_pg_ctl(), password=secrets.token_urlsafe(16))
redis_proc_with_password = redis_factories.redis_proc(password=REDIS_PASSWORD)


@pytest.fixture(scope="session")
def pg_server(request: pytest.FixtureRequest) -> Any:
    """The PostgreSQL server: from ``.ci/services`` (env), else one pytest-postgresql starts (non-root)."""
    present = [name for name in PG_ENV if os.environ.get(name)]
    if present and len(present) < len(PG_ENV):
        missing = ", ".join(sorted(set(PG_ENV) - set(present)))
        pytest.fail(f"{missing} not set: source the whole file `.ci/services ENV_FILE` wrote", pytrace=False)
    if present:
        return request.getfixturevalue("postgresql_external")
    if os.geteuid() != 0:
        return request.getfixturevalue("postgresql_local")
    pytest.fail(
        "PostgreSQL will not run as root: run `bash .ci/services ENV_FILE && source ENV_FILE` first "
        "(it starts the system server and exports OAMCONF_TEST_PG_*)",
        pytrace=False,
    )


# The upstream engines (Crossplane's render, function-patch-and-transform, KubeVela's vela, helm) are built
# from the pinned Go modules in hack/tools into the tool cache on first use: minutes on a cold machine
# (`.ci/run` builds them first and prints the time), nothing once cached.
PLATFORM_ENGINES: Final = ("crossplane", "xrender", "function-patch-and-transform", "vela", "velastatus", "helm")


@pytest.fixture(scope="session")
def engines() -> dict[str, gobuild.Built]:
    """The binaries the platform checks run, built or taken from the cache. No Go and no cache is a
    failure with the one line that says what to install, never a skip: these checks are not optional."""
    try:
        built = gobuild.ensure_all(PLATFORM_ENGINES, cache_dir=default_cache_dir())
    except ConformanceError as err:
        pytest.fail(str(err), pytrace=False)
    return {item.tool.name: item for item in built}


@pytest.fixture(scope="session")
def patch_and_transform(engines: dict[str, gobuild.Built]) -> Iterator[Function]:
    """function-patch-and-transform serving render for the whole session (ended by pid at the end)."""
    with function_server("function-patch-and-transform", engines["function-patch-and-transform"]) as function:
        yield function
