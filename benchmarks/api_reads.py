"""API requests per minute of one long pending wait: no hot loop, and what watching saves.

The real backend against the self-tests' stand-in API server, default wait policy, real clock. Three
waits run side by side for the same time on Applications that never turn Ready: one polling (the
cluster without its watch), one watching, and one watching a server that closes every watch stream
after a few seconds (as API servers and proxies do), so the wait must resume its watch again and again.
Every request the server receives for each object is counted (reads and watch requests).

Prints requests per minute per wait for each: reads, and watch requests.
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any, Final, cast

from _common import FakeApiServer, fake_api, say
from wait_reaction import Polling

from oamconf.errors import WaitTimeout
from oamconf.k8s import conditions
from oamconf.k8s.api import Cluster, Ref
from oamconf.k8s.expect import Expect

APPS: Final = "/apis/core.oam.dev/v1beta1/namespaces/demo/applications"


def pending(api: FakeApiServer, name: str) -> Ref:
    meta = {"name": name, "namespace": "demo"}
    status = {"conditions": [{"type": "Ready", "status": "False", "reason": "Bench"}]}
    api.live.store(
        f"{APPS}/{name}",
        {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application"}
        | {
            "metadata": meta,
            "status": status,
        },
    )
    return Ref("core.oam.dev/v1beta1", "Application", name, "demo")


def wait_in_vain(cluster: Cluster, ref: Ref, seconds: float) -> None:
    try:
        Expect(cluster)(ref, conditions.condition_is("Ready"), timeout=seconds)
    except WaitTimeout:
        return
    raise AssertionError(f"{ref} turned Ready: nothing should have changed it")


def requests_for(api: FakeApiServer, name: str) -> list[Any]:
    item = f"{APPS}/{name}"
    return [
        r
        for r in api.calls()
        if r.path == item or (r.path == APPS and r.param("fieldSelector") == f"metadata.name={name}")
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each wait waits (default 60)")
    parser.add_argument("--window", type=float, default=5.0, help="closing server: seconds per watch stream")
    args = parser.parse_args()
    say(f"API requests of one pending wait, {args.seconds:g} s each, default wait policy")
    with fake_api() as (api, connect), fake_api() as (closing, connect_closing):
        closing.live.window = args.window
        plans = [
            ("polling", api, cast("Cluster", Polling(connect())), "poll"),
            ("watching", api, connect(), "watch"),
            (f"watching, streams closed every {args.window:g} s", closing, connect_closing(), "watch"),
        ]
        threads = [
            threading.Thread(target=wait_in_vain, args=(cluster, pending(server, name), args.seconds))
            for _, server, cluster, name in plans
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for title, server, _, name in plans:
            seen = requests_for(server, name)
            reads = sum(1 for r in seen if r.param("watch") != "true")
            per_minute = len(seen) * 60 / args.seconds
            say(f"  {title}: {per_minute:.1f} requests/min ({reads} reads, {len(seen) - reads} watches)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
