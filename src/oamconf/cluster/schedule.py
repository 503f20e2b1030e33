"""When each component runs: the dependency graph check and the concurrent scheduler.

A component starts as soon as every component it ``needs`` is ready, so the bootstrap takes as
long as its slowest chain, not the sum of all installs. After the first failure no new component
starts; those already running finish (a half-run ``helm`` killed mid-way would leave its release
locked).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Literal

from oamconf.cluster.components import Component
from oamconf.errors import UsageError, describe, one_line

log = logging.getLogger(__name__)

Status = Literal["ready", "failed", "not started"]


@dataclass(frozen=True)
class ComponentResult:
    """How one component went; times are seconds since the install began (``None``: never started)."""

    name: str
    status: Status
    start: float | None = None
    end: float | None = None
    message: str = ""

    @property
    def duration(self) -> float | None:
        return None if self.start is None or self.end is None else self.end - self.start


def check_graph(components: Sequence[Component]) -> None:
    """Raise ``UsageError`` for a duplicate name, an unknown ``needs`` or a dependency cycle."""
    by_name = _by_name(components)
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            cycle = " -> ".join((*path[path.index(name) :], name))
            raise UsageError(f"components need each other in a cycle: {cycle}")
        if name not in done:
            for need in by_name[name].needs:
                visit(need, (*path, name))
            done.add(name)

    for component in components:
        visit(component.name, ())


def _by_name(components: Sequence[Component]) -> dict[str, Component]:
    by_name: dict[str, Component] = {}
    for component in components:
        if component.name in by_name:
            raise UsageError(f"component {component.name} is defined twice")
        by_name[component.name] = component
    for component in components:
        unknown = [need for need in component.needs if need not in by_name]
        if unknown:
            known = ", ".join(sorted(by_name))
            raise UsageError(f"component {component.name} needs {unknown[0]}, which is not a component ({known})")
    return by_name


def schedule(
    components: Sequence[Component], install: Callable[[Component], None], now: Callable[[], float]
) -> tuple[dict[str, ComponentResult], tuple[str, BaseException] | None]:
    """Run *install* on each component once its needs are ready; after a failure, only drain what runs.

    Parameters:
        components: a graph ``check_graph`` accepted.
        install: installs one component and waits for it to be ready; raises when it cannot.
        now: seconds since the install began, for the results.

    Returns:
        The result of every component that ran, and the first failure (its name and error), if any.
    """
    results: dict[str, ComponentResult] = {}
    waiting = list(components)
    running: dict[Future[None], tuple[str, float]] = {}
    failure: tuple[str, BaseException] | None = None
    with ThreadPoolExecutor(max_workers=max(1, len(components)), thread_name_prefix="install") as pool:
        while True:
            startable = [c for c in waiting if all(_ready(results, n) for n in c.needs)] if failure is None else []
            for component in startable:
                waiting.remove(component)
                log.info("installing %s", component.name)
                running[pool.submit(install, component)] = (component.name, now())
            if not running:
                return results, failure
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                name, start = running.pop(future)
                err = future.exception()
                status: Status = "ready" if err is None else "failed"
                cause = "" if err is None else one_line(describe(err))
                results[name] = ComponentResult(name, status, start, now(), cause)
                log.info("%s %s", name, status)
                if err is not None and failure is None:
                    failure = (name, err)


def _ready(results: Mapping[str, ComponentResult], name: str) -> bool:
    found = results.get(name)
    return found is not None and found.status == "ready"
