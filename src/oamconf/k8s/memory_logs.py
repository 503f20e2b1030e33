"""Pod logs of ``MemoryCluster``: each container's log and its previous run's, answered as the API server
answers ``kubectl logs`` (the same errors for a missing pod, an ambiguous or unknown container, and a
container that never restarted)."""

from __future__ import annotations

from typing import Final

from oamconf.errors import ApiError

_PREVIOUS: Final = "\0previous"  # cannot be part of a container name


class PodLogs:
    """The logs a scenario or a test set, by (namespace, pod) and container."""

    def __init__(self) -> None:
        self._logs: dict[tuple[str, str], dict[str, str]] = {}

    def add(self, namespace: str, pod: str, container: str, text: str, *, previous: bool = False) -> None:
        """A container's log; *previous*: the log of its last terminated run (``kubectl logs --previous``)."""
        self._logs.setdefault((namespace, pod), {})[_log_key(container, previous=previous)] = text

    def read(self, namespace: str, pod: str, *, container: str | None, tail_lines: int, previous: bool) -> str:
        """The last *tail_lines* lines, as ``Cluster.pod_logs`` returns them."""
        logs = self._logs.get((namespace, pod))
        if logs is None:
            raise ApiError(404, "NotFound", f'pods "{pod}" not found in namespace {namespace}')
        containers = {name.removesuffix(_PREVIOUS) for name in logs}
        if container is None:
            if len(containers) != 1:
                choices = " ".join(sorted(containers))
                raise ApiError(
                    400,
                    "BadRequest",
                    f"a container name must be specified for pod {pod}, choose one of: [{choices}]",
                )
            container = next(iter(containers))
        if container not in containers:
            raise ApiError(400, "BadRequest", f"container {container} is not valid for pod {pod}")
        text = logs.get(_log_key(container, previous=previous))
        if text is None and previous:  # the API server's words when a container never restarted
            raise ApiError(400, "BadRequest", f'previous terminated container "{container}" in pod "{pod}" not found')
        return "\n".join((text or "").splitlines()[-tail_lines:])


def _log_key(container: str, *, previous: bool) -> str:
    return container + _PREVIOUS if previous else container
