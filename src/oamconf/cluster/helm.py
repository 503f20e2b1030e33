"""Installing Helm charts with ``helm upgrade --install``: the same command installs and upgrades,
so running the bootstrap again on a warm cluster is safe.

The chart comes from ``versions.Chart``. An ``https://`` repository is passed with ``--repo`` (no
``helm repo add``, so nothing is written to the user's repository list); an ``oci://`` registry has
no index, so the chart reference is ``<registry>/<chart>`` and ``--repo`` is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from oamconf.cluster.commands import Completed, run
from oamconf.errors import UsageError
from oamconf.platform.versions import Chart
from oamconf.redact import Redactor

OCI: Final = "oci://"
# helm gets its own --timeout a little shorter than ours: a helm process that gives up by itself
# releases the release lock, while a killed one leaves the release "pending-install" and the next
# `helm upgrade --install` fails with "another operation is in progress".
KILL_MARGIN: Final = 30.0


def chart_reference(chart: Chart) -> list[str]:
    """The chart words of the command line: ``[chart, "--repo", repo]``, or ``[oci://repo/chart]``."""
    if chart.repository.startswith(OCI):
        return [f"{chart.repository.rstrip('/')}/{chart.chart}"]
    return [chart.chart, "--repo", chart.repository]


class Helm:
    """The ``helm`` command line, pointed at one cluster.

    Parameters:
        binary: the helm executable (a path, or a name found on PATH).
        kubeconfig: passed as ``--kubeconfig``; ``None`` lets helm use ``KUBECONFIG``/its default.
        context: passed as ``--kube-context``; ``None`` uses the kubeconfig's current context.
        redactor: masks secrets in error messages.
    """

    def __init__(
        self,
        binary: Path,
        *,
        kubeconfig: Path | None,
        context: str | None,
        redactor: Redactor | None = None,
    ) -> None:
        self.binary = binary
        self.kubeconfig = kubeconfig
        self.context = context
        self.redactor = redactor

    def upgrade_install_argv(
        self,
        release: str,
        chart: Chart,
        *,
        namespace: str,
        values_files: Sequence[Path] = (),
        timeout: float,
    ) -> list[str]:
        """The argument list ``upgrade_install`` runs (kept apart so tests and logs can show it)."""
        if not chart.chart_version.strip():
            # helm reads `--version ""` as "the latest": the report would name a version that was not installed.
            raise UsageError(f"chart {chart.chart} has no version: pin chart_version in the versions file or --set")
        argv = [str(self.binary), "upgrade", "--install", release, *chart_reference(chart)]
        argv += ["--version", chart.chart_version, "--namespace", namespace, "--create-namespace"]
        for values in values_files:
            argv += ["-f", str(values)]
        argv += ["--timeout", f"{max(1, round(timeout))}s"]
        if self.context is not None:
            argv += ["--kube-context", self.context]
        if self.kubeconfig is not None:
            argv += ["--kubeconfig", str(self.kubeconfig)]
        return argv

    def upgrade_install(
        self,
        release: str,
        chart: Chart,
        *,
        namespace: str,
        values_files: Sequence[Path] = (),
        timeout: float,
    ) -> Completed:
        """Install *release* from *chart*, or upgrade it to this chart version and these values.

        Parameters:
            release: the Helm release name (it shapes the names of what the chart creates).
            chart: repository, chart name and pinned version.
            namespace: the release namespace; created when missing.
            values_files: passed in order as ``-f``; later files win.
            timeout: seconds helm may take (its hooks included); the process is killed a little later.

        Raises:
            UsageError: the helm executable does not exist.
            CommandFailed: helm failed; the message ends with helm's own error line.
        """
        argv = self.upgrade_install_argv(
            release, chart, namespace=namespace, values_files=values_files, timeout=timeout
        )
        return run(argv, timeout=timeout + KILL_MARGIN, redactor=self.redactor)
