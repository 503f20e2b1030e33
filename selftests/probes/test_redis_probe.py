"""The Redis probe against real redis-server processes: one open, one password-protected."""

from __future__ import annotations

import re
import secrets
import socketserver
import threading
from typing import Any

import pytest
import redis

from oamconf.errors import ProbeFailed
from oamconf.k8s.api import Endpoint
from oamconf.probes.redis import probe_redis
from probes.servers import REDIS_PASSWORD


def endpoint_of(executor: Any) -> Endpoint:
    return Endpoint(str(executor.host), int(executor.port))


def test_a_reachable_server_reports_its_version_and_a_round_trip(redis_proc: Any) -> None:
    """The version comes from INFO; the binary's own --version is the second source."""
    result = probe_redis(endpoint_of(redis_proc))

    assert result.server_version == f"Redis {redis_proc.version}"
    assert result.round_trip is True


def test_the_round_trip_leaves_no_key_behind(redis_proc: Any) -> None:
    with redis.Redis(host=redis_proc.host, port=redis_proc.port) as client:
        before = client.dbsize()
        probe_redis(endpoint_of(redis_proc))
        assert client.dbsize() == before


def test_the_right_password_opens_a_protected_server(redis_proc_with_password: Any) -> None:
    result = probe_redis(endpoint_of(redis_proc_with_password), password=REDIS_PASSWORD)

    assert result.round_trip is True


def test_a_wrong_password_is_rejected_without_being_echoed(redis_proc_with_password: Any) -> None:
    wrong = f"wrong-{secrets.token_hex(6)}"

    with pytest.raises(ProbeFailed) as failure:
        probe_redis(endpoint_of(redis_proc_with_password), password=wrong)

    message = str(failure.value)
    assert "the server rejected the password (WRONGPASS" in message
    assert "redis-password" in message
    assert wrong not in message
    assert REDIS_PASSWORD not in message


def test_no_password_for_a_protected_server_says_one_is_required(redis_proc_with_password: Any) -> None:
    with pytest.raises(ProbeFailed, match=re.escape("requires a password (NOAUTH")):
        probe_redis(endpoint_of(redis_proc_with_password))


def test_a_password_for_an_open_server_says_auth_is_off(redis_proc: Any) -> None:
    """The chart was meant to have auth on; an open server is a finding, not a pass."""
    with pytest.raises(ProbeFailed, match="the server has none set: auth is off in the chart"):
        probe_redis(endpoint_of(redis_proc), password=REDIS_PASSWORD)


def test_a_closed_port_says_nothing_listens(refused_endpoint: Endpoint) -> None:
    with pytest.raises(ProbeFailed, match=f"connection refused: nothing listens on {refused_endpoint}"):
        probe_redis(refused_endpoint)


def test_a_port_that_hangs_up_says_the_pod_behind_it_is_unreachable(hangup_endpoint: Endpoint) -> None:
    """Reset, or closed before or after the request: one fault, one text (not EPIPE or ECONNRESET by timing)."""
    with pytest.raises(ProbeFailed) as failure:
        probe_redis(hangup_endpoint)

    assert str(failure.value) == (
        f"Redis at {hangup_endpoint}: the connection was closed before Redis answered: the port-forward is up "
        "but cannot reach the pod (restarting?), or the port is not Redis's"
    )


def test_a_server_that_never_answers_times_out_in_the_time_given(silent_endpoint: Endpoint) -> None:
    with pytest.raises(ProbeFailed, match=re.escape("no answer within 0.5s")):
        probe_redis(silent_endpoint, timeout=0.5)


class _ProxyWithABrokenBackend(socketserver.BaseRequestHandler):
    """Answers every command with an error holding a bare carriage return, as a proxy might."""

    def handle(self) -> None:
        while data := self.request.recv(4096):
            commands = len(re.findall(rb"(?:^|\r\n)\*\d+\r\n", data))
            self.request.sendall(b"-ERR proxy: backend down\rretry later\r\n" * commands)


def test_an_error_with_a_line_break_is_reported_on_one_line() -> None:
    with socketserver.TCPServer(("127.0.0.1", 0), _ProxyWithABrokenBackend) as server:
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            with pytest.raises(ProbeFailed) as failure:
                probe_redis(Endpoint("127.0.0.1", server.server_address[1]), timeout=2)
        finally:
            server.shutdown()
            thread.join()

    message = str(failure.value)
    assert len(message.splitlines()) == 1, repr(message)
    assert "proxy: backend down retry later" in message
