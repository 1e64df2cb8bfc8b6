"""A dev server that outlives the command that started it.

``start_background(data_dir)`` runs :class:`DevServer` under a small supervisor process of
its own session, keeps the workflows in ``<data_dir>/temporal/dev.db`` (so they survive a
restart) and records the supervisor's pid, the address and the Web UI in
``<data_dir>/temporal/dev-server.json``. ``stop_background(data_dir)`` stops it gracefully;
``read_state(data_dir)`` tells whether one is running::

    state = start_background("data", port=7233, ui_port=8233)
    print(state.address, state.ui_url)
    stop_background("data")
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Optional

from app.temporal.devserver import DevServer, StrPath
from app.temporal.errors import DevServerError, TemporalError

STATE_FILE = "dev-server.json"
DB_FILE = "dev.db"
SERVER_LOG = "dev-server.log"
DEFAULT_UI_PORT = 8233
SUPERVISOR_LOG = "dev-server.err"
# Marks the supervisor in /proc/<pid>/cmdline, so a reused pid is never taken for it.
_MODULE = "app.temporal.background"


@dataclasses.dataclass(frozen=True)
class ServerState:
    """What ``<data_dir>/temporal/dev-server.json`` records about a running server."""

    pid: int
    """The supervisor's pid: signalling it stops the server."""
    server_pid: int
    address: str
    ui_url: Optional[str]
    namespaces: list[str]
    db_filename: str
    log_file: str
    started_at: float

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


def server_folder(data_dir: StrPath) -> Path:
    """Where the server's database, logs and state file live (an absolute path)."""
    return Path(data_dir).resolve() / "temporal"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.parent.parent.exists():  # Linux: check it is our supervisor, not a reused pid
        try:
            return _MODULE.encode() in cmdline.read_bytes()
        except OSError:  # gone meanwhile
            return False
    return True


def _load(path: Path) -> Optional[ServerState]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return ServerState(**raw)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as e:
        raise DevServerError(f"cannot read the dev server state file {path}: {e}") from e


def read_state(data_dir: StrPath) -> Optional[ServerState]:
    """The running background server of ``data_dir``, or None. A state file left by a
    server that died is removed."""
    path = server_folder(data_dir) / STATE_FILE
    state = _load(path)
    if state is None:
        return None
    if not _alive(state.pid):
        path.unlink(missing_ok=True)
        return None
    return state


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def start_background(
    data_dir: StrPath,
    *,
    port: int = 7233,
    ui_port: int = DEFAULT_UI_PORT,
    ip: str = "127.0.0.1",
    headless: bool = False,
    namespaces: Iterable[str] = (),
    timeout: float = 60.0,
) -> ServerState:
    """Starts the server in the background and returns once its frontend answers.

    Raises DevServerError when one already runs for ``data_dir`` or it does not start
    (with the end of its log)."""
    folder = server_folder(data_dir)
    running = read_state(data_dir)
    if running is not None:
        raise DevServerError(
            f"a dev server already runs for {data_dir} at {running.address} (pid {running.pid});"
            " stop it first"
        )
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", _MODULE, "--data-dir", str(folder.parent), "--port", str(port)]
    command += ["--ui-port", str(ui_port), "--ip", ip]
    command += ["--headless"] if headless else []
    for namespace in namespaces:
        command += ["--namespace", namespace]
    errors = folder / SUPERVISOR_LOG
    with open(errors, "wb") as stderr:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,  # Ctrl-C in the starting shell does not reach it
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _load(folder / STATE_FILE)
        if state is not None and state.pid == process.pid:
            return state
        if process.poll() is not None:
            raise DevServerError(f"the dev server did not start:\n{_tail(errors)}")
        time.sleep(0.1)
    process.kill()
    process.wait()
    raise DevServerError(f"the dev server did not answer within {timeout} s:\n{_tail(errors)}")


def stop_background(data_dir: StrPath, timeout: float = 30.0) -> Optional[ServerState]:
    """Stops the background server of ``data_dir`` gracefully; returns what was stopped, or
    None when none was running."""
    state = read_state(data_dir)
    if state is None:
        return None
    os.kill(state.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(state.pid) and time.monotonic() < deadline:
        _reap(state.pid)
        time.sleep(0.1)
    if _alive(state.pid):
        for pid in (state.pid, state.server_pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    (server_folder(data_dir) / STATE_FILE).unlink(missing_ok=True)
    return state


def _reap(pid: int) -> None:
    # A supervisor started by this very process stays a zombie until it is waited for.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def serve(
    data_dir: StrPath,
    *,
    port: int,
    ui_port: int,
    ip: str,
    headless: bool,
    namespaces: Sequence[str],
) -> int:
    """The supervisor: runs the server until SIGTERM or SIGINT, then stops it."""
    folder = server_folder(data_dir)
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    server = DevServer(
        port,
        ip=ip,
        ui_port=ui_port,
        headless=headless,
        db_filename=folder / DB_FILE,
        namespaces=namespaces,
        log_file=folder / SERVER_LOG,
        start_timeout=45.0,
    )
    server.start()
    state = ServerState(
        pid=os.getpid(),
        server_pid=server.pid,
        address=server.address,
        ui_url=server.ui_url,
        namespaces=["default", *namespaces],
        db_filename=str(folder / DB_FILE),
        log_file=str(server.server_log),
        started_at=time.time(),
    )
    path = folder / STATE_FILE
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state.to_dict(), indent=2), encoding="utf-8")
    os.replace(temporary, path)
    try:
        while not stop.wait(0.5):
            if not server.is_running:
                print(f"the dev server exited; see {server.server_log}", file=sys.stderr)
                return 1
        return 0
    finally:
        server.stop()
        if _load(path) == state:
            path.unlink(missing_ok=True)


def _main(argv: Optional[list[str]] = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog=f"python -m {_MODULE}")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ui-port", type=int, required=True)
    parser.add_argument("--ip", default="127.0.0.1")
    parser.add_argument("--headless", action="store_true")
    parser.add_argument("--namespace", action="append", default=[])
    args = parser.parse_args(argv)
    try:
        return serve(
            args.data_dir,
            port=args.port,
            ui_port=args.ui_port,
            ip=args.ip,
            headless=args.headless,
            namespaces=args.namespace,
        )
    except TemporalError as e:  # the starting command shows this log's end: keep it short
        print(e, file=sys.stderr)
        return 1


__all__ = [
    "DEFAULT_UI_PORT",
    "ServerState",
    "read_state",
    "server_folder",
    "start_background",
    "stop_background",
]

if __name__ == "__main__":
    sys.exit(_main())
