"""Steps in report order, and a step whose prerequisite did not pass is not run.

As e2e-framework's fail-fast between dependent phases: a blocked step is skipped with the cause
chain (``blocked by 4.2 ArgoCD Deployment to vCluster: <why 4.2 failed>``) and reported Not tested.
"""

from __future__ import annotations

import pytest

from oamconf.cluster.tier import check_needs
from oamconf.errors import UsageError
from oamconf.steps.context import record_of, run_of
from oamconf.steps.model import StepSpec, phases_by_number
from oamconf.steps.outcomes import NOT_TESTED_WARNING


def declare_steps(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Declare every collected step, before -k/-m deselect any: a dependency on a deselected
    step is valid (it just does not block), a dependency on a step nobody declares is not.

    Raises:
        pytest.UsageError: a bad marker, a step with two titles, or a dependency nobody declares.
    """
    specs: list[StepSpec] = []
    for item in items:
        marker = item.get_closest_marker("step")
        if marker is not None:
            try:
                spec = StepSpec.from_marker(marker.args, marker.kwargs, item.nodeid)
            except UsageError as err:
                raise pytest.UsageError(str(err)) from None
            record_of(item).spec = spec
            specs.append(spec)
        try:
            needs_of(item)  # an unknown capability is a typo in a step file: said before anything runs
        except UsageError as err:
            raise pytest.UsageError(str(err)) from None
    ledger = run_of(config).ledger
    try:
        phases = config.hook.pytest_oamconf_phases(config=config)
        if phases:
            ledger.phases = phases_by_number(phases)
        ledger.declare(specs)
    except (UsageError, ValueError) as err:
        raise pytest.UsageError(str(err)) from None


def spec_of(item: pytest.Item) -> StepSpec | None:
    return record_of(item).spec


def sort_steps(items: list[pytest.Item]) -> None:
    """Sort step tests by step id, and within a step by where they are written (a plugin that shuffled the
    items, such as pytest-randomly, cannot reorder a step's checks); other tests keep their place, first."""
    plain = [i for i in items if spec_of(i) is None]
    keyed = [((spec.key, *_written_at(i)), i) for i in items if (spec := spec_of(i)) is not None]
    items[:] = plain + [i for _, i in sorted(keyed, key=lambda pair: pair[0])]


def _written_at(item: pytest.Item) -> tuple[str, int]:
    path, line, _ = item.location
    return path, line if line is not None else -1


def select(session: pytest.Session) -> None:
    """Sort what remains after deselection and remember which steps this run selected."""
    sort_steps(session.items)
    run_of(session.config).ledger.selected = {s.id for s in map(spec_of, session.items) if s is not None}


def skip_if_blocked(item: pytest.Item) -> None:
    record = record_of(item)
    if record.spec is None:
        return
    cause = run_of(item.config).ledger.blocking_cause(record.spec.id)
    if cause is not None:
        record.blocked = cause
        pytest.skip(cause)


def needs_of(item: pytest.Item) -> tuple[str, ...]:
    """The capabilities a check names with ``@pytest.mark.needs(...)`` (``tier.CAPABILITIES``).

    Raises:
        UsageError: a name that is no capability.
    """
    names = [name for marker in item.iter_markers("needs") for name in marker.args]
    return check_needs(names, item.nodeid)


def skip_if_not_in_tier(item: pytest.Item) -> None:
    """A check that needs what this run's cluster does not run is Not tested, with the tier's reason.

    Called once the cluster is up (the session fixtures' gate): what the tier lacks is known before, but a
    component that died is only known then, and a run whose every check is Not tested still starts its cluster.
    """
    bootstrap = run_of(item.config).bootstrap
    if bootstrap is None:
        return
    reason = bootstrap.limits.why_not(needs_of(item))
    if reason is not None:
        # A step whose other checks pass is not Working when one was not tested (as with an unbound server).
        record_of(item).evidence.warn(f"{NOT_TESTED_WARNING}{reason}")
        pytest.skip(reason)
