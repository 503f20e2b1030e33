"""Bad input for the local control plane, each in one line: no Go and nothing cached, a port in use, a
component that dies (issue 14 item 8). These start real components (etcd alone where that is enough)."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oamconf.cluster.localcp import controlplane, ports
from oamconf.cluster.localcp.build import binaries
from oamconf.cluster.localcp.components import Binaries, Layout, etcd, etcd_ready
from oamconf.cluster.localcp.controlplane import LocalControlPlane, Spec, _launch, running
from oamconf.cluster.localcp.process import OwnedProcess, ProcessDied, await_ready, start, stop, stop_all
from oamconf.errors import UsageError
from oamconf.k8s.wait import Observation, wait_until


@pytest.fixture
def held_port() -> Iterator[int]:
    """A loopback port something else listens on for the test's duration."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def test_no_go_and_no_cached_binaries_is_one_line_saying_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    with pytest.raises(UsageError) as caught:
        binaries(tmp_path / "cache")

    message = str(caught.value)
    assert "\n" not in message
    assert "go not found on PATH" in message
    assert "install the Go toolchain" in message
    assert "--cache-dir" in message


def test_a_usual_port_in_use_is_passed_over_for_another(held_port: int) -> None:
    chosen = ports.choose(["kube-apiserver"], usual={"kube-apiserver": held_port})

    assert chosen["kube-apiserver"] != held_port
    assert ports.free(held_port) != held_port


def test_a_port_taken_after_the_check_gets_the_component_started_again_on_another(
    local_binaries: Binaries, tmp_path: Path, held_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check saw the port free; by the time etcd binds it, something else holds it.
    monkeypatch.setattr(ports, "_bindable", lambda _port: True)
    plane = LocalControlPlane(Layout(tmp_path), "", {})
    try:
        spec = Spec("etcd", ("etcd-client", "etcd-peer"), lambda p: etcd(local_binaries, plane.layout, *p),
                    lambda p: etcd_ready(p[0]))  # fmt: skip
        _launch(plane, spec, {"etcd-client": held_port})
        first, second = plane.processes
        assert first.exit_code() not in (None, 0)
        assert ports.address_in_use(first.tail())
        assert second.exit_code() is None
        assert plane.ports["etcd-client"] != held_port
    finally:
        for process in plane.processes:
            stop(process)


def test_a_component_that_dies_is_one_line_with_its_last_log_lines(local_binaries: Binaries, tmp_path: Path) -> None:
    argv = [*etcd(local_binaries, Layout(tmp_path), ports.free(None), ports.free(None)), "--no-such-flag"]
    process = start("etcd", argv, log=tmp_path / "etcd.log", ready=lambda: etcd_ready(1))

    with pytest.raises(ProcessDied) as caught:
        await_ready(process, timeout=30)

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"etcd (pid {process.pid}) exited with code ")
    assert "no-such-flag" in message
    assert f"(log: {tmp_path / 'etcd.log'})" in message


def test_a_component_dying_at_start_up_stops_those_already_started_and_removes_the_data(
    local_binaries: Binaries, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = dataclasses.replace(local_binaries, kube_apiserver=Path("/bin/false"))
    root = tmp_path / "plane"
    started: list[OwnedProcess] = []
    real_start = start

    def recording(*args: Any, **kwargs: Any) -> OwnedProcess:
        started.append(real_start(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(controlplane, "start", recording)
    dies = r"^kube-apiserver \(pid \d+\) exited with code 1; last log lines: "
    with pytest.raises(ProcessDied, match=dies), running(broken, root):
        pass  # never reached: the API server dies first

    assert [p.name for p in started] == ["etcd", "kube-apiserver"]
    assert [p.exit_code() is not None for p in started] == [True, True]  # etcd was stopped, by its pid
    assert not root.exists()


def test_a_ctrl_c_during_teardown_is_held_back_until_every_process_is_stopped(tmp_path: Path) -> None:
    # A process slow to stop (it ignores SIGTERM), and a Ctrl-C arriving while the teardown waits for it.
    stubborn = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(60)"
    )
    process = start("stubborn", [sys.executable, "-c", stubborn], log=tmp_path / "s.log", ready=lambda: up(tmp_path))
    await_ready(process, timeout=30)
    ctrl_c = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    ctrl_c.start()

    try:
        with pytest.raises(KeyboardInterrupt):
            stop_all([process], grace=2)
        after_teardown = process.exit_code()
    finally:  # whatever happened, nothing of this test outlives it
        ctrl_c.join()
        if process.exit_code() is None:
            os.kill(process.pid, signal.SIGKILL)
    assert after_teardown == -signal.SIGKILL  # stopped (killed after its grace), the Ctrl-C notwithstanding


def up(folder: Path) -> Observation:
    return Observation.simple("up" in (folder / "s.log").read_text(), "want 'up' in its log")


def test_a_kept_data_directory_holds_every_started_components_log_after_a_failure(
    local_binaries: Binaries, tmp_path: Path
) -> None:
    broken = dataclasses.replace(local_binaries, kube_apiserver=Path("/bin/false"))
    root = tmp_path / "plane"

    with pytest.raises(ProcessDied), running(broken, root, keep=True):
        pass  # never reached: the API server dies first

    assert sorted(p.name for p in (root / "logs").iterdir()) == ["etcd.log", "kube-apiserver.log"]
    assert (root / "kubeconfig").exists() is False  # written only once the API server answers
    assert (root / "pki" / "ca.crt").is_file()


def test_a_fixed_port_an_earlier_process_left_in_time_wait_is_not_taken() -> None:
    # The function's port (where Crossplane core dials) cannot move: only a listener there stops the tier. A fresh-
    # clone CI run found the previous run's connections in TIME_WAIT counted as taken.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Go's listeners (the function's) do
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = int(server.getsockname()[1])
        assert ports.held(port)
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server's side closes first: its end goes to TIME_WAIT on *port*
        client.close()
    # Once the two FINs are through (a moment), nothing listens and only TIME_WAIT holds the port.
    wait_until(lambda: Observation.simple(not ports.held(port), "want it bindable"), subject="close", timeout=5)
    assert ports.free(port) != port  # the usual-port check still passes over it (no SO_REUSEADDR)
