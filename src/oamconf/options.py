"""The options of a conformance run, registered by the entry-point plugin.

They are registered here, not by the session fixtures' modules, because pytest reads the command line
once before it loads conftests: an option it does not know yet turns its value into a test path, and
``--scenario selftests/scenarios/healthy`` would then load the self-tests' conftest (and its test-only
imports) into a run that has only the runtime dependencies.
"""

from __future__ import annotations

import pytest

from oamconf.cluster.lifecycle import DEFAULT_CLUSTER_NAME


def add_options(parser: pytest.Parser) -> None:
    _cluster_options(parser)
    _configuration_options(parser)


def _cluster_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("cluster under test")
    add = group.addoption
    add("--conformance", action="store_true", help="run the conformance phases (preflight first)")
    add("--kubeconfig", metavar="PATH", default=None, help="test an existing cluster (default kubeconfig: $KUBECONFIG)")
    add("--context", metavar="NAME", default=None, help="test an existing cluster: this kubeconfig context")
    add("--install-platform", action="store_true", help="existing cluster: install the platform (guarded)")
    add("--allow-foreign-cluster", action="store_true", help="let the suite install into a cluster that is not ours")
    add("--cluster-name", metavar="NAME", default=DEFAULT_CLUSTER_NAME, help="kind cluster name (default %(default)s)")
    add(
        "--local",
        action="store_true",
        help="no kind, no Docker: a real control plane (etcd, kube-apiserver, ...) built from the pinned Go modules "
        "runs as processes on loopback for this run; what it does not run yet is reported Not tested",
    )
    add("--reuse-cluster", action="store_true", help="use the kind cluster of that name if it exists")
    add("--keep-cluster", action="store_true", help="do not delete the kind cluster after the run")
    add("--delete-on-failure", action="store_true", help="delete the kind cluster even when a step failed")
    add("--cache-dir", metavar="DIR", default=None, help="where downloaded tools are kept (env OAMCONF_CACHE_DIR)")
    add(
        "--scenario",
        metavar="FILE",
        action="append",
        default=[],
        help="test an in-memory cluster seeded from scenario files or folders (repeatable: they compose)",
    )
    add(
        "--endpoint",
        metavar="NAME=HOST:PORT",
        action="append",
        default=[],
        help="with --scenario: bind a scenario Service endpoint to a real local server (repeatable)",
    )


def _configuration_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("platform configuration")
    group.addoption("--versions", metavar="FILE", default=None, help="versions merged over fixtures/versions.toml")
    group.addoption(
        "--set",
        dest="version_overrides",
        metavar="TABLE.KEY=VALUE",
        action="append",
        default=[],
        help="override one pinned version, e.g. --set crossplane.chart_version=2.3.5 (repeatable)",
    )
    group.addoption("--profile", metavar="FILE", default=None, help="profile merged over fixtures/profile.toml")
    group.addoption(
        "--profile-set",
        dest="profile_overrides",
        metavar="TABLE.KEY=VALUE",
        action="append",
        default=[],
        help="override one profile value, e.g. --profile-set namespaces.argocd=gitops (repeatable)",
    )


# pytest options that ask a question about the suite and run nothing: pytest still configures every plugin
# before it answers (``--help`` too), so the preflight and the configuration checks must stand aside.
_QUESTIONS = ("help", "version", "showfixtures", "show_fixtures_per_test", "markers", "collectonly", "setupplan")


def only_asks(config: pytest.Config) -> bool:
    """True when the command line asks for help, a version, the fixtures, the markers or a listing."""
    return any(config.getoption(name, default=False) for name in _QUESTIONS)
