"""Self-test tier wall time: ``pytest -q -p no:randomly`` from the project root, as a subprocess.

Runs the self-tests as ``nox -s tests`` would (with this interpreter's environment: the PostgreSQL
settings of ``.ci/services`` must be exported as for any self-test run), and prints the wall time, the
number of cores, and pytest's summary line. Extra arguments go to pytest (e.g. ``selftests/k8s``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from _common import ROOT, say


def main() -> int:
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *sys.argv[1:]]
    say(f"self-test tier: {' '.join(argv[1:])} (in {ROOT})")
    started = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603 - our own argv
    elapsed = time.monotonic() - started
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    say(f"  {elapsed:.1f} s wall time on {os.cpu_count()} cores; pytest exit code {done.returncode}")
    say(f"  pytest: {lines[-1] if lines else done.stderr.strip()[-200:]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
