"""pytest hooks of the step model: the marker, ordering by step id, gating, outcome recording.

Ordering and gating follow the manual report: steps run in id order, and a step whose
prerequisite did not pass is not run but reported NOT TESTED with the cause chain, like
e2e-framework's fail-fast between dependent phases.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import pytest
from _pytest._code.code import TerminalRepr  # pytest has no public base for custom failure reprs
from _pytest._io import TerminalWriter

from oamconf.errors import ConformanceError, UsageError
from oamconf.k8s.api import Ref
from oamconf.redact import Redactor
from oamconf.steps.catch import gather
from oamconf.steps.diagnose import diagnose, unmatched
from oamconf.steps.evidence import evidence, evidence_of, redactor_of, run_info
from oamconf.steps.ledger import StepLedger
from oamconf.steps.model import StepSpec, phases_by_number
from oamconf.steps.outcomes import Diagnostic, Hint, Outcome, TestOutcome, first_line
from oamconf.steps.settings import clock, wait_policy, wait_policy_of

__all__ = ["clock", "evidence", "run_info", "wait_policy"]

LEDGER_KEY = pytest.StashKey[StepLedger]()
SPEC_KEY = pytest.StashKey[StepSpec]()
BLOCKED_KEY = pytest.StashKey[str]()
PARTS_KEY = pytest.StashKey[dict[str, pytest.TestReport]]()
OUTCOME_KEY = pytest.StashKey[TestOutcome]()


def ledger_of(config: pytest.Config) -> StepLedger:
    if LEDGER_KEY not in config.stash:
        config.stash[LEDGER_KEY] = StepLedger()
    return config.stash[LEDGER_KEY]


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from oamconf.steps import hooks  # noqa: PLC0415 - hookspecs are registered, not imported for use

    pluginmanager.add_hookspecs(hooks)


def pytest_configure(config: pytest.Config) -> None:
    wait_policy_of(config)  # a bad --wait-timeout ends the run before collection, in one line
    config.addinivalue_line(
        "markers",
        "step(id, title, depends_on=()): a numbered step of the conformance report, e.g. step('4.2', "
        "'ArgoCD Deployment to vCluster', depends_on=['4.1'])",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Declare every collected step, before -k/-m deselect any: a dependency on a deselected
    step is valid (it just does not block), a dependency on a step nobody declares is not."""
    for item in items:
        marker = item.get_closest_marker("step")
        if marker is not None:
            try:
                item.stash[SPEC_KEY] = StepSpec.from_marker(marker.args, marker.kwargs, item.nodeid)
            except UsageError as err:
                raise pytest.UsageError(str(err)) from None
    ledger = ledger_of(config)
    try:
        phases = config.hook.pytest_oamconf_phases(config=config)
        if phases:
            ledger.phases = phases_by_number(phases)
        ledger.declare(i.stash[SPEC_KEY] for i in items if SPEC_KEY in i.stash)
    except (UsageError, ValueError) as err:
        raise pytest.UsageError(str(err)) from None


def sort_steps(items: list[pytest.Item]) -> None:
    """Sort step tests by step id (stable within a step); other tests keep their place, first."""
    plain = [i for i in items if SPEC_KEY not in i.stash]
    steps = sorted((i for i in items if SPEC_KEY in i.stash), key=lambda i: i.stash[SPEC_KEY].key)
    items[:] = plain + steps


def pytest_collection_finish(session: pytest.Session) -> None:
    sort_steps(session.items)
    ledger_of(session.config).selected = {i.stash[SPEC_KEY].id for i in session.items if SPEC_KEY in i.stash}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    spec = item.stash.get(SPEC_KEY, None)
    if spec is None:
        return
    cause = ledger_of(item.config).blocking_cause(spec.id)
    if cause is not None:
        item.stash[BLOCKED_KEY] = cause
        pytest.skip(cause)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    redactor = redactor_of(item.config)
    # Redact at the source: terminal, JUnit and HTML all render this same text.
    if isinstance(report.longrepr, tuple):  # a skip: (path, line, reason)
        path, line, reason = report.longrepr
        if BLOCKED_KEY in item.stash:  # point at the blocked test, not at this hook
            path, line = item.location[0], (item.location[1] or 0) + 1
        report.longrepr = (path, line, redactor.redact(reason))
    elif report.longrepr is not None:
        report.longrepr = RedactedRepr(report.longrepr, redactor)
    report.sections = [(title, redactor.redact(text)) for title, text in report.sections]
    spec = item.stash.get(SPEC_KEY, None)
    if spec is None:
        return report
    parts = item.stash.setdefault(PARTS_KEY, {})
    parts[report.when] = report
    if call.excinfo is not None and report.when in parts and not report.passed:
        item.stash.setdefault(_MESSAGES_KEY, {})[report.when] = _message(call.excinfo)
        _gather_diagnostics(item, call.excinfo.value)
    if report.when == "teardown":
        outcome = _outcome(item, parts)
        item.stash[OUTCOME_KEY] = outcome
        ledger_of(item.config).record(spec.id, outcome)
        _add_user_properties(report, outcome)
    return report


_MESSAGES_KEY = pytest.StashKey[dict[str, str]]()


@dataclass(frozen=True)
class _Crash:
    path: str
    lineno: int
    message: str


class RedactedRepr(TerminalRepr):
    """A failure's text with secrets masked, keeping the crash line JUnit uses as its message."""

    def __init__(self, original: object, redactor: Redactor) -> None:
        _redact_locals(original, redactor)
        self.text = redactor.redact(str(original))
        crash = getattr(original, "reprcrash", None)
        self.reprcrash = (
            _Crash(str(crash.path), int(crash.lineno), redactor.redact(str(crash.message))) if crash else None
        )

    def toterminal(self, tw: TerminalWriter) -> None:
        tw.line(self.text)


def _redact_locals(longrepr: object, redactor: Redactor) -> None:
    """Redact the locals ``pytest -l`` shows, each as the Python repr it is, before they become text.

    Read as plain text, a local escapes the shapes: pprint (``-vv``) splits a long JSON string into
    literals on several lines, and saferepr cuts a long one in the middle (`Redactor.redact_repr`).
    """
    chain = getattr(longrepr, "chain", None) or [(getattr(longrepr, "reprtraceback", None), None, None)]
    for reprtraceback, _, _ in chain:
        for entry in getattr(reprtraceback, "reprentries", ()):
            reprlocals = getattr(entry, "reprlocals", None)
            if reprlocals is not None:
                reprlocals.lines = [redactor.redact_repr(line) for line in reprlocals.lines]


_LOOKED_AT_KEY = pytest.StashKey[Ref | str]()


def _gather_diagnostics(item: pytest.Item, exc: BaseException) -> None:
    """A failed wait on an object: add that object's status and events to the step's diagnostics."""
    ref = getattr(exc, "ref", None)
    # What the failed wait looked at (the first failure's): a failure no rule explains names it.
    looked_at = ref if isinstance(ref, Ref) else getattr(exc, "subject", None)
    if isinstance(looked_at, Ref | str) and _LOOKED_AT_KEY not in item.stash:
        item.stash[_LOOKED_AT_KEY] = looked_at
    cluster = getattr(item, "funcargs", {}).get("cluster")
    if isinstance(ref, Ref) and cluster is not None:
        evidence_of(item).diagnostics.extend(gather(cluster, ref, redactor_of(item.config)))


def _message(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    exc = excinfo.value
    if isinstance(exc, pytest.skip.Exception | pytest.fail.Exception):
        return exc.msg or type(exc).__name__
    if isinstance(exc, ConformanceError | AssertionError):
        return str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {exc}".strip()


def _outcome(item: pytest.Item, parts: dict[str, pytest.TestReport]) -> TestOutcome:
    messages = item.stash.get(_MESSAGES_KEY, {})
    failed = next((w for w in ("setup", "call", "teardown") if w in parts and parts[w].failed), None)
    skipped = next((w for w in ("setup", "call") if w in parts and parts[w].skipped), None)
    if failed is not None:
        kind, message = Outcome.FAILED, messages.get(failed, "failed")
    elif skipped is not None:
        kind = Outcome.BLOCKED if BLOCKED_KEY in item.stash else Outcome.SKIPPED
        message = item.stash.get(BLOCKED_KEY, messages.get(skipped, "skipped"))
    else:
        kind, message = Outcome.PASSED, ""
    ev = evidence_of(item)
    hints = list(ev.hints)
    if kind is Outcome.FAILED and not hints:
        hints = [_explain(item, message, ev.diagnostics)]
    clean = redactor_of(item.config).redact
    return TestOutcome(
        nodeid=item.nodeid,
        name=_display_name(item),
        outcome=kind,
        message=clean(message),
        duration=sum(p.duration for p in parts.values()),
        evidence=tuple(clean(line) for line in ev.lines),
        warnings=tuple(clean(line) for line in ev.warnings),
        hints=tuple(Hint(clean(h.cause), clean(h.fix)) for h in hints),
        diagnostics=tuple(Diagnostic(d.name, clean(d.text)) for d in ev.diagnostics),
    )


def _explain(item: pytest.Item, message: str, diagnostics: list[Diagnostic]) -> Hint:
    """The catalogue's hint for a failure, or one that says none matched and where to look."""
    found = diagnose(message + "\n" + "\n".join(d.text for d in diagnostics))
    if found is not None:
        return found
    return unmatched(
        step=item.stash[SPEC_KEY].id,
        test=item.nodeid,
        looked_at=item.stash.get(_LOOKED_AT_KEY, None),
        diagnostics=[d.name for d in diagnostics],
    )


def _display_name(item: pytest.Item) -> str:
    """The test docstring's first line (the spec clause), else its name in words."""
    doc = getattr(getattr(item, "function", None), "__doc__", None)
    if doc and first_line(doc):
        return first_line(doc)
    return item.name.removeprefix("test_").replace("_", " ")


def _add_user_properties(report: pytest.TestReport, outcome: TestOutcome) -> None:
    """Evidence in JUnit <properties>, so CI systems show it next to the test."""
    report.user_properties.extend(("evidence", line) for line in outcome.evidence)
    report.user_properties.extend(("warning", line) for line in outcome.warnings)
    report.user_properties.extend(("hint", f"{h.cause} -> {h.fix}") for h in outcome.hints)
