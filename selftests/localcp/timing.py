"""Acting on the real control plane from another thread while the suite waits on it."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def later(seconds: float, action: Callable[[], object]) -> Iterator[None]:
    """Do *action* after *seconds* from another thread: a controller finishing, or someone acting, while the
    suite waits."""
    timer = threading.Timer(seconds, action)
    timer.start()
    try:
        yield
    finally:
        timer.join()
