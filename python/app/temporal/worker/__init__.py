"""The worker: hosts every workflow and activity (in Rust) on the configured task queue.

In process, beside a client::

    async with Worker() as worker:      # polls until the block ends, then drains
        ...

As a process: ``python -m app.temporal.worker`` runs until SIGINT or SIGTERM, then stops
polling, lets running activities finish within ``graceful_shutdown_timeout`` and exits 0;
a second signal exits at once.
"""

from __future__ import annotations

import logging
import os
import sys
from types import TracebackType
from typing import Optional

from app.temporal import _core
from app.temporal.client import Client, TemporalClientManager
from app.temporal.config import TemporalConfig, get_temporal_config
from app.temporal.errors import TemporalError

logger = logging.getLogger("app.temporal.worker")

WORKFLOW_TYPES: tuple[str, ...] = tuple(_core.worker_workflow_types())
"""The workflow type names this package's worker hosts."""


class Worker:
    """A worker for ``task_queue`` (the configured one by default). It connects with
    ``config`` unless given a connected ``client``."""

    def __init__(
        self,
        config: Optional[TemporalConfig] = None,
        *,
        task_queue: Optional[str] = None,
        client: Optional[Client] = None,
    ) -> None:
        self.config = config if config is not None else get_temporal_config()
        self.task_queue = task_queue or self.config.task_queue
        self._client = client
        self._manager: Optional[TemporalClientManager] = None
        self._core: Optional[_core.WorkerCore] = None

    def __repr__(self) -> str:
        state = "running" if self.is_running else "stopped"
        return f"Worker(task_queue={self.task_queue!r}, {state})"

    @property
    def is_running(self) -> bool:
        return self._core is not None and self._core.is_running()

    async def start(self) -> Worker:
        """Connects when needed and starts polling."""
        if self._core is not None:
            return self
        _core.set_log_level(self.config.log_level)
        if self._client is None:
            self._manager = TemporalClientManager(config=self.config, task_queue=self.task_queue)
            self._client = await self._manager.connect()
        self._core = _core.WorkerCore.start(self._client._core, self.config, self.task_queue)
        logger.info(
            "worker started on %s, task queue %s, identity %s",
            self.config.get_connection_string(),
            self.task_queue,
            self.config.worker_identity,
        )
        return self

    def begin_shutdown(self) -> None:
        """Stops polling; running activities get ``graceful_shutdown_timeout`` seconds."""
        if self._core is not None:
            logger.info(
                "worker stopping: no new tasks; running activities have up to %s s",
                self.config.graceful_shutdown_timeout,
            )
            self._core.shutdown()

    async def wait(self) -> None:
        """Returns when the worker has stopped."""
        if self._core is not None:
            await self._core.wait()

    async def run(self) -> None:
        """Starts (when needed) and runs until ``shutdown()`` or ``begin_shutdown()``."""
        await self.start()
        await self.wait()

    async def shutdown(self) -> None:
        """Stops gracefully and waits for it; then disconnects what it connected."""
        self.begin_shutdown()
        await self.wait()
        logger.info("worker stopped")
        if self._manager is not None:
            await self._manager.disconnect()

    async def __aenter__(self) -> Worker:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.shutdown()


async def serve(config: TemporalConfig, task_queue: Optional[str] = None) -> int:
    """Runs a worker until SIGINT or SIGTERM; a second signal exits at once."""
    # Imported here, not at module level: `import app.temporal` stays cheap for the app.
    import asyncio
    import signal

    logger.info("configuration: %r", config)
    worker = Worker(config, task_queue=task_queue)
    signals = 0

    def on_signal(number: int) -> None:
        nonlocal signals
        signals += 1
        if signals == 1:
            logger.info(
                "received %s: shutting down gracefully; send it again to exit at once",
                signal.Signals(number).name,
            )
            worker.begin_shutdown()
        else:
            logger.warning("received %s again: exiting now", signal.Signals(number).name)
            os._exit(1)

    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, on_signal, number)
    try:
        await worker.start()
        await worker.wait()
    except TemporalError as e:
        logger.error("worker error: %s", e)
        return 1
    finally:
        if worker._manager is not None:
            await worker._manager.disconnect()
    logger.info("worker shutdown complete")
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m app.temporal.worker",
        description="Run the Project-AI Temporal worker until SIGINT or SIGTERM.",
    )
    parser.add_argument("--task-queue", help="task queue to poll (default: the configured one)")
    args = parser.parse_args(argv)
    try:
        config = get_temporal_config()
    except TemporalError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return run_process(config, args.task_queue)


def run_process(config: TemporalConfig, task_queue: Optional[str] = None) -> int:
    """The worker as the main thing of a process: logs to stderr at the configured level and
    serves until SIGINT or SIGTERM. Returns the exit code."""
    import asyncio

    logging.basicConfig(
        level=getattr(logging, config.log_level if config.log_level != "TRACE" else "DEBUG"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return asyncio.run(serve(config, task_queue))
