"""A real HTTP server on 127.0.0.1 that serves release files from memory and records each request.

Tool downloads are tested against it over a real socket with the real urllib download, so a
test sees the status lines, redirects and failures the suite will meet, not a mock's idea of them.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final

# How often serve_forever looks for shutdown(); the default 0.5 s would slow every teardown.
_POLL_INTERVAL: Final = 0.05


@dataclass
class ToolServer:
    """Serves ``files`` (URL path -> body); every other path is a 404. ``requests`` lists each GET path."""

    base_url: str
    files: dict[str, bytes]
    requests: list[str] = field(default_factory=list)


class _Server(http.server.ThreadingHTTPServer):
    state: ToolServer


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        state = self.server.state
        state.requests.append(self.path)
        body = state.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        """Keep request lines out of the test output; ``requests`` records them."""


@contextlib.contextmanager
def serve_tools(files: Mapping[str, bytes]) -> Iterator[ToolServer]:
    """Serve *files* over HTTP on a free loopback port until the block ends."""
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(_Server(("127.0.0.1", 0), _Handler))
        server.state = ToolServer(f"http://127.0.0.1:{server.server_address[1]}", dict(files))
        thread = threading.Thread(target=server.serve_forever, args=(_POLL_INTERVAL,), name="toolserver", daemon=True)
        thread.start()
        stack.callback(thread.join)
        stack.callback(server.shutdown)
        yield server.state
