"""``python -m oamconf.cluster.localcp [--dir DIR] [--keep] [--cache-dir DIR] [--once]``: start the local
control plane, say where its kubeconfig is, how long start-up took and what it holds in memory, and keep it
running until Ctrl-C (``--once``: stop at once, for measuring start-up). Any failure is one line."""

from __future__ import annotations

import argparse
import signal
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from oamconf.cluster.localcp.build import binaries
from oamconf.cluster.localcp.controlplane import running
from oamconf.cluster.tools import default_cache_dir
from oamconf.errors import ConformanceError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m oamconf.cluster.localcp", description=__doc__)
    parser.add_argument("--dir", type=Path, default=None, help="data directory (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the data directory (logs, kubeconfig) after")
    parser.add_argument("--cache-dir", type=Path, default=None, help="the tool cache (default: $OAMCONF_CACHE_DIR)")
    parser.add_argument("--once", action="store_true", help="stop as soon as it is ready")
    args = parser.parse_args(argv)
    root = args.dir or Path(tempfile.mkdtemp(prefix="oamconf-localcp-"))
    try:
        began = time.monotonic()
        found = binaries(args.cache_dir or default_cache_dir())
        built_in = time.monotonic() - began
        with running(found, root, keep=args.keep) as plane:
            now, peak = plane.memory_kib()
            print(  # noqa: T201 - the command's output
                f"control plane ready in {plane.started_in:.1f}s (binaries {built_in:.1f}s) at {plane.server}; "
                f"resident {now / 1024:.0f} MiB, peak {peak / 1024:.0f} MiB; kubeconfig {plane.kubeconfig}; "
                + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in plane.took.items()),
                flush=True,
            )
            if not args.once:
                signal.pause()  # until Ctrl-C (KeyboardInterrupt) or SIGTERM (_interrupt); then teardown
    except KeyboardInterrupt:
        return 130
    except ConformanceError as err:
        print(f"ERROR: {err}", flush=True)  # noqa: T201 - the command's output
        return 2
    return 0


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)  # a SIGTERM tears down as Ctrl-C does
    raise SystemExit(main())
