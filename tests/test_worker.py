"""The worker's reliability promises: retries as each policy says (fault switch), panics
contained, graceful SIGTERM, logs reaching Python."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.temporal import (
    AILearningWorkflow,
    DevServer,
    KnowledgeStore,
    LearningRequest,
    TemporalClientManager,
    TemporalConfig,
    Worker,
    WorkflowProgress,
)
from app.temporal.client import Client, WorkflowHandle
from tests.helpers import free_port

CONTENT = "Temporal retries activities by policy; this text is long enough to learn."


def config_for(dev_server: DevServer, data_dir: Path, **overrides: object) -> TemporalConfig:
    return TemporalConfig(
        env_file=None,
        host=dev_server.address,
        data_dir=data_dir,
        task_queue=f"faulty-{uuid.uuid4().hex[:8]}",
        **overrides,  # type: ignore[arg-type]
    )


async def faulty_worker(
    dev_server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, faults: str
) -> AsyncIterator[tuple[Worker, Client]]:
    monkeypatch.setenv("PROJECT_AI_TEMPORAL_FAULTS", faults)
    config = config_for(dev_server, tmp_path, graceful_shutdown_timeout=2)
    async with Worker(config) as worker:
        monkeypatch.delenv("PROJECT_AI_TEMPORAL_FAULTS")
        async with TemporalClientManager(config=config) as manager:
            yield worker, manager.client


async def start(client: Client, content: str = CONTENT) -> WorkflowHandle:  # type: ignore[type-arg]
    req = LearningRequest(content=f"{content} {uuid.uuid4().hex}", source="test", category="facts")
    return await client.start_workflow(AILearningWorkflow.run, req, id=f"fault-{uuid.uuid4().hex}")


def started_event(history: list, activity: str):  # type: ignore[no-untyped-def,type-arg]
    """The ActivityTaskStarted event of `activity` (its attempt and last failure)."""
    scheduled = {
        e.event_id
        for e in history
        if e.event_type == "ActivityTaskScheduled"
        and e.attributes["activity_type"]["name"] == activity
    }
    return next(
        e
        for e in history
        if e.event_type == "ActivityTaskStarted" and e.attributes["scheduled_event_id"] in scheduled
    )


async def test_transient_failure_is_retried_and_visible(
    dev_server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async for _, client in faulty_worker(
        dev_server, tmp_path, monkeypatch, "process_learning_request=fail:2"
    ):
        handle = await start(client)
        result = await handle.result(timeout=60)
        assert result.success, result.error
        status = await handle.query("status", result_type=WorkflowProgress)
        assert status.attempts["process_learning_request"] == 3
        event = started_event(await handle.fetch_history(), "process_learning_request")
        assert event.attributes["attempt"] == 3
        assert "injected fault" in event.attributes["last_failure"]["message"]


async def test_failure_past_the_last_attempt_is_a_result(
    dev_server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async for _, client in faulty_worker(
        dev_server, tmp_path, monkeypatch, "process_learning_request=fail:9"
    ):
        handle = await start(client)
        result = await handle.result(timeout=60)
        assert not result.success
        assert result.error is not None
        assert result.error.startswith("process_learning_request failed: injected fault")
        assert (
            await handle.describe()
        ).status.value == "completed"  # the workflow itself did not fail
        event = started_event(await handle.fetch_history(), "process_learning_request")
        assert event.attributes["attempt"] == 3  # the policy's maximum, not more
        # The closed workflow still answers its status query, from its final state.
        status = await handle.query("status", result_type=WorkflowProgress)
        assert (status.step, status.error) == ("failed", result.error)
        assert status.completed_steps == ["validate_learning_content", "check_black_vault"]
        # Attempts are counted for the steps that finished; the failed one's are in the
        # history (above) and its error.
        assert status.attempts == {"validate_learning_content": 1, "check_black_vault": 1}


async def test_a_panicking_activity_does_not_kill_the_worker(
    dev_server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async for worker, client in faulty_worker(
        dev_server, tmp_path, monkeypatch, "store_knowledge=panic:1"
    ):
        result = await (await start(client)).result(timeout=60)
        assert result.success, result.error
        assert worker.is_running
        assert KnowledgeStore(tmp_path).count() == 1


async def test_rust_logs_reach_python_logging(
    dev_server: DevServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.temporal")
    async with Worker(config_for(dev_server, tmp_path)):
        pass
    records = [r for r in caplog.records if r.name == "app.temporal.worker"]
    assert any("worker polling" in r.getMessage() for r in records)


def worker_process(
    dev_server: DevServer, data_dir: Path, task_queue: str, faults: str
) -> subprocess.Popen[str]:
    env = dict(
        os.environ,
        TEMPORAL_HOST=dev_server.address,
        TEMPORAL_TASK_QUEUE=task_queue,
        PROJECT_AI_DATA_DIR=str(data_dir),
        TEMPORAL_GRACEFUL_SHUTDOWN_TIMEOUT="20",
        PROJECT_AI_TEMPORAL_FAULTS=faults,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "app.temporal.worker"],
        env=env,
        cwd=data_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "worker started" in line:
            return process
    raise AssertionError(f"the worker did not start (exit {process.wait()})")


async def wait_for_step(handle: WorkflowHandle, step: str) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = await handle.query("status", result_type=WorkflowProgress)
        if status.step == step:
            return
        time.sleep(0.1)
    raise AssertionError(f"never reached {step}")


@contextlib.asynccontextmanager
async def worker_process_in_activity(
    dev_server: DevServer, tmp_path: Path, faults: str
) -> AsyncIterator[tuple[subprocess.Popen[str], WorkflowHandle, TemporalConfig]]:  # type: ignore[type-arg]
    """A worker process whose workflow is inside its store_knowledge activity."""
    queue = f"signals-{uuid.uuid4().hex[:8]}"
    process = worker_process(dev_server, tmp_path, queue, faults)
    config = TemporalConfig(
        env_file=None, host=dev_server.address, task_queue=queue, data_dir=tmp_path
    )
    async with TemporalClientManager(config=config) as manager:
        handle = await start(manager.client)
        await wait_for_step(handle, "store_knowledge")
        yield process, handle, config


async def test_sigterm_lets_the_running_activity_finish(
    dev_server: DevServer, tmp_path: Path
) -> None:
    async with worker_process_in_activity(dev_server, tmp_path, "store_knowledge=sleep:3") as (
        process,
        handle,
        config,
    ):
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 0, output
        assert "shutting down gracefully" in output and "worker shutdown complete" in output
        history = await handle.fetch_history()
        completed = [e for e in history if e.event_type == "ActivityTaskCompleted"]
        assert len(completed) == 4, [e.event_type for e in history]
        assert KnowledgeStore(tmp_path).count() == 1
        # A new worker finishes the workflow.
        async with Worker(config):
            assert (await handle.result(timeout=30)).success


async def test_a_second_signal_exits_at_once(dev_server: DevServer, tmp_path: Path) -> None:
    async with worker_process_in_activity(dev_server, tmp_path, "store_knowledge=sleep:60") as (
        process,
        handle,
        _,
    ):
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        began = time.monotonic()
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=15)
        assert time.monotonic() - began < 5
        assert process.returncode == 1 and "exiting now" in output
        await handle.terminate()


async def test_prometheus_endpoint_serves_sdk_metrics(
    dev_server: DevServer, tmp_path: Path
) -> None:
    import urllib.request

    port = free_port()
    config = config_for(dev_server, tmp_path, metrics_address=f"127.0.0.1:{port}")
    async with Worker(config), TemporalClientManager(config=config) as manager:
        assert (await (await start(manager.client)).result(timeout=60)).success
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            text = response.read().decode()
    assert "temporal_activity_execution_latency" in text
    assert f'task_queue="{config.task_queue}"' in text


def test_worker_process_exits_cleanly_with_debug_logs(
    dev_server: DevServer, tmp_path: Path
) -> None:
    """Rust threads must not call into Python while it finalizes (this crashed once)."""
    for i in range(5):
        env = dict(
            os.environ,
            TEMPORAL_HOST=dev_server.address,
            TEMPORAL_TASK_QUEUE=f"exit-{i}-{uuid.uuid4().hex[:6]}",
            PROJECT_AI_DATA_DIR=str(tmp_path),
            TEMPORAL_LOG_LEVEL="DEBUG",
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "app.temporal.worker"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            if "worker started" in line:
                break
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 0, output[-2000:]
        assert "Fatal Python error" not in output
