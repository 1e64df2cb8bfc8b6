"""A worker process under an address-space limit (RLIMIT_AS) with its client, as the tests
of limits run it: whatever a test sends must not end it."""

from __future__ import annotations

import resource
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen

from app.temporal import Client, TemporalClientManager, TemporalConfig
from tests.helpers import start_worker_process


@dataclass
class LimitedWorker:
    process: Popen[bytes]
    client: Client
    data_dir: Path

    @property
    def inputs(self) -> Path:
        """The data dir's folder analysis reads from."""
        return self.data_dir / "inputs"


@asynccontextmanager
async def limited_worker(
    address: str, data_dir: Path, task_queue: str, address_space: int, **env: str
) -> AsyncIterator[LimitedWorker]:
    """``python -m app.temporal.worker`` on ``task_queue`` with ``data_dir`` (logging to
    ``worker.log`` there) and the environment ``env``, its address space limited to
    ``address_space`` bytes; stopped on exit."""

    def limit_address_space() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    process = start_worker_process(
        address,
        data_dir,
        task_queue,
        data_dir / "worker.log",
        preexec_fn=limit_address_space,
        **env,
    )
    try:
        config = TemporalConfig(env_file=None, host=address, task_queue=task_queue)
        async with TemporalClientManager(config=config) as manager:
            assert manager.client is not None
            yield LimitedWorker(process, manager.client, data_dir)
    finally:
        process.terminate()
        process.wait(timeout=30)
