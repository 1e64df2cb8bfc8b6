"""Shared fixtures: one real Temporal dev server per test session, a clean configuration
environment (with a fresh shared configuration), and a fresh task queue per test."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

import app.temporal.config
from app.temporal import Client, DevServer, TemporalClientManager, TemporalConfig, Worker


@pytest.fixture(scope="session")
def dev_server() -> Iterator[DevServer]:
    """The real Temporal dev server (from the [server] extra), in memory, headless."""
    with DevServer(headless=True, namespaces=["project-ai-test"]) as server:
        yield server


@pytest.fixture
def task_queue(request: pytest.FixtureRequest) -> str:
    """A task queue no other test uses."""
    return f"test-{request.node.name[:40]}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No TEMPORAL_* variables, no user temporal.toml, and an empty working directory, so
    each configuration test sees only the sources it sets up."""
    for name in list(os.environ):
        if name.upper().startswith(("TEMPORAL_", "PROJECT_AI_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    # The shared configuration is loaded afresh from this environment (and put back after).
    monkeypatch.setattr(app.temporal.config, "_config", None)
    return tmp_path


@pytest.fixture(scope="session")
async def echo_worker(dev_server: DevServer) -> AsyncIterator[str]:
    """The official Python SDK's worker with EchoWorkflow; yields its task queue."""
    from tests.interop_worker import ECHO_QUEUE, run_echo_worker

    stop = asyncio.Event()
    task = asyncio.create_task(run_echo_worker(dev_server.address, stop))
    await asyncio.sleep(0.5)
    if task.done():
        task.result()
    yield ECHO_QUEUE
    stop.set()
    await task


@pytest.fixture
def test_config(dev_server: DevServer) -> TemporalConfig:
    """Settings pointing at the session's dev server, nothing read from files."""
    return TemporalConfig(env_file=None, host=dev_server.address, connect_timeout=5)


@pytest.fixture
async def client(test_config: TemporalConfig, task_queue: str) -> AsyncIterator[Client]:
    """A connected client whose default task queue is the test's own."""
    manager = TemporalClientManager(config=test_config, task_queue=task_queue)
    yield await manager.connect()
    await manager.disconnect()


@pytest.fixture(scope="session")
def worker_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("worker-data")


@pytest.fixture(scope="session")
async def rust_worker(dev_server: DevServer, worker_data_dir: Path) -> AsyncIterator[Worker]:
    """This project's worker (all workflows and activities) on its own task queue and data dir."""
    config = TemporalConfig(
        env_file=None,
        host=dev_server.address,
        data_dir=worker_data_dir,
        task_queue=f"rust-worker-{uuid.uuid4().hex[:6]}",
        graceful_shutdown_timeout=5,
    )
    async with Worker(config) as worker:
        yield worker


@pytest.fixture
async def worker_client(rust_worker: Worker) -> AsyncIterator[Client]:
    """A client whose default task queue is the session worker's."""
    manager = TemporalClientManager(config=rust_worker.config)
    yield await manager.connect()
    await manager.disconnect()
