"""What a step saw, in lines a platform review can read (``Evidence``), and the run's header (``RunInfo``).

Like pytest-html's ``extras``, a test's evidence lives in its item's stash (``context.record_of``), so
the reporting hooks find it without the test returning anything. Everything recorded here reaches every
report, and every report passes it through the redactor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oamconf.redact import Redactor
from oamconf.steps.outcomes import Diagnostic, Hint


class Evidence:
    """Evidence, warnings, hints and diagnostics for one test.

    Example::

        def test_release_is_deployed(evidence):
            evidence.add("Helm Release test-db-postgresql deployed (revision 1, chart 17.1.0)")
            evidence.warn("existing vClusters predate the current composition")
            evidence.hint("vCluster cert lacks <name>.<ns>.svc", "add it to controlPlane.proxy.extraSANs")
    """

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self.lines: list[str] = []
        self.warnings: list[str] = []
        self.hints: list[Hint] = []
        self.causes: list[Hint] = []
        self.diagnostics: list[Diagnostic] = []

    def add(self, line: str) -> None:
        """A fact the step established ("PostgreSQL 16.1 accepts writes")."""
        self.lines.append(line)

    def warn(self, line: str) -> None:
        """The step passes, but a human should look: the step becomes "Needs Verification"."""
        self.warnings.append(line)

    def hint(self, cause: str, fix: str) -> None:
        """A likely root cause and its fix, shown if the step fails and listed in Recommendations."""
        self.hints.append(Hint(cause=cause, fix=fix))

    def cause(self, cause: str, fix: str) -> None:
        """A cause the step found on the way (e.g. a certificate ``insecure: true`` hides): listed before
        whatever explains a failure of this test, which the hint catalogue still reads, and in Recommendations."""
        self.causes.append(Hint(cause=cause, fix=fix))

    def diagnostic(self, name: str, text: str) -> None:
        """A block of text for debugging a failure (events, logs, an object's status)."""
        self.diagnostics.append(Diagnostic(name=name, text=text))

    def secret(self, value: str) -> None:
        """Tell the redactor about a secret the step uses, before anything could print it."""
        self._redactor.add_secret(value)

    # A secret sink (``oamconf.redact.SecretSink``), so probes that read credentials can be handed the evidence.
    add_secret = secret

    def add_secret_data(self, data: Mapping[str, Any]) -> None:
        """Tell the redactor about every value of a Secret's ``data`` or ``stringData``."""
        self._redactor.add_secret_data(data)


SECURITY_FINDING = "Security finding"  # the header fact that lists run-wide findings


class RunInfo:
    """Facts about the whole run for the report header: cluster mode, context, component versions.

    The bootstrap fixtures fill it (``run_info.component("Crossplane", "2.3.4")``); every report
    shows it, so a review knows exactly what was tested.
    """

    def __init__(self) -> None:
        self.facts: dict[str, str] = {}
        self.components: dict[str, str] = {}
        self.findings: list[str] = []

    def finding(self, text: str) -> None:
        """A run-wide security finding (not of one step): in the header and in the report's issues found."""
        if text not in self.findings:
            self.findings.append(text)
        self.facts[SECURITY_FINDING] = "; ".join(self.findings)

    def fact(self, name: str, value: str) -> None:
        self.facts[name] = value

    def component(self, name: str, version: str) -> None:
        self.components[name] = version
