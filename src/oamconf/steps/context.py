"""One run's shared state and one record per test, each kept once in pytest's stash.

Every hook and fixture reads the run through ``run_of(config)`` (the redactor, the report header,
the step ledger, the wait policy and clock, the versions and profile, the cluster bootstrap) and a
test through ``record_of(item)`` (its step, evidence, outcome), instead of a stash key per thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from oamconf.cluster.ownership import new_run_id
from oamconf.k8s.api import Ref
from oamconf.k8s.wait import Clock, SystemClock, WaitPolicy
from oamconf.redact import Redactor
from oamconf.steps.evidence import Evidence, RunInfo
from oamconf.steps.ledger import StepLedger
from oamconf.steps.model import StepSpec
from oamconf.steps.outcomes import TestOutcome, first_line

if TYPE_CHECKING:  # only types: the fixtures fill these in
    from oamconf.cluster.bootstrap import Bootstrap
    from oamconf.k8s.api import Cluster
    from oamconf.platform.profile import Profile
    from oamconf.platform.versions import Versions


@dataclass
class RunContext:
    """What the whole run shares. One redactor for every backend, fixture and report."""

    redactor: Redactor = field(default_factory=Redactor)
    info: RunInfo = field(default_factory=RunInfo)
    ledger: StepLedger = field(default_factory=StepLedger)
    policy: WaitPolicy = field(default_factory=WaitPolicy)
    clock: Clock = field(default_factory=SystemClock)  # a FakeClock in scenario mode
    run_id: str = field(default_factory=new_run_id)  # on every object the run creates
    versions: Versions | None = None
    profile: Profile | None = None
    bootstrap: Bootstrap | None = None
    offline: Cluster | None = None  # the in-memory cluster of --scenario
    current: pytest.Item | None = None  # the test running now (what a Ctrl-C interrupts)
    last: pytest.Item | None = None  # the last test that finished
    stopped: str | None = None  # why the run ended before its last step (Ctrl-C, -x), in words


@dataclass
class StepRecord:
    """One test: its step (``None`` for a test without the step marker), evidence, and results."""

    evidence: Evidence
    spec: StepSpec | None = None
    blocked: str | None = None  # why it was not run: the cause chain of a prerequisite
    parts: dict[str, pytest.TestReport] = field(default_factory=dict)  # setup / call / teardown
    messages: dict[str, str] = field(default_factory=dict)  # the failure message of each part
    looked_at: Ref | str | None = None  # what its first failed wait waited on
    outcome: TestOutcome | None = None


_RUN_KEY = pytest.StashKey[RunContext]()
_RECORD_KEY = pytest.StashKey[StepRecord]()


def run_of(config: pytest.Config) -> RunContext:
    if _RUN_KEY not in config.stash:
        config.stash[_RUN_KEY] = RunContext()
    return config.stash[_RUN_KEY]


def record_of(item: pytest.Item) -> StepRecord:
    if _RECORD_KEY not in item.stash:
        item.stash[_RECORD_KEY] = StepRecord(Evidence(run_of(item.config).redactor))
    return item.stash[_RECORD_KEY]


def display_name(item: pytest.Item) -> str:
    """The test docstring's first line (the spec clause), else its name in words."""
    doc = getattr(getattr(item, "function", None), "__doc__", None)
    if doc and first_line(doc):
        return first_line(doc)
    return item.name.removeprefix("test_").replace("_", " ")
