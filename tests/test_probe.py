"""OrchestrationProbeWorkflow: AILearningWorkflow's four steps with activities that do
nothing, scheduled or local, on the real worker; and eager workflow start."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from app.temporal import Client, DevServer, TemporalClientManager, Worker
from app.temporal.workflows import (
    OrchestrationProbeWorkflow,
    ProbeRequest,
)
from tests.test_reliability import faulty


def events(history: list[Any], event_type: str) -> list[Any]:
    return [e for e in history if e.event_type == event_type]


async def test_the_probe_schedules_four_activities(worker_client: Client) -> None:
    handle = await worker_client.start_workflow(
        OrchestrationProbeWorkflow.run, ProbeRequest(payload="x"), id=f"probe-{uuid.uuid4()}"
    )
    result = await handle.result()
    assert (result.success, result.steps, result.error) == (True, 4, None)
    history = await handle.fetch_history()
    scheduled = events(history, "ActivityTaskScheduled")
    assert [e.attributes["activity_type"]["name"] for e in scheduled] == ["probe_step"] * 4
    # AILearningWorkflow's timeouts, in order.
    timeouts = [float(e.attributes["start_to_close_timeout"][:-1]) for e in scheduled]
    assert timeouts == [30, 10, 300, 30]
    assert events(history, "MarkerRecorded") == []


async def test_local_activities_run_in_one_workflow_task(worker_client: Client) -> None:
    handle = await worker_client.start_workflow(
        OrchestrationProbeWorkflow.run,
        ProbeRequest(payload="x", local_activities=True),
        id=f"probe-{uuid.uuid4()}",
    )
    assert (await handle.result()).success
    history = await handle.fetch_history()
    assert len(events(history, "MarkerRecorded")) == 4
    assert events(history, "ActivityTaskScheduled") == []
    assert len(events(history, "WorkflowTaskCompleted")) == 1


@asynccontextmanager
async def faulty_client(
    dev_server: DevServer, data_dir: Path, monkeypatch: pytest.MonkeyPatch, faults: str
) -> AsyncIterator[Client]:
    """A client of a worker of its own whose activities fail as `faults` says."""
    config, worker = await faulty(dev_server, data_dir, monkeypatch, faults)
    try:
        async with TemporalClientManager(config=config) as manager:
            yield manager.client
    finally:
        await worker.__aexit__(None, None, None)


def local_step_results(history: list[Any]) -> list[dict[str, Any]]:
    """What each local activity returned, from its marker."""
    return [
        json.loads(base64.b64decode(e.attributes["details"]["result"]["payloads"][0]["data"]))
        for e in events(history, "MarkerRecorded")
    ]


async def test_local_activities_keep_the_step_retry_policies(
    dev_server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = ProbeRequest(local_activities=True)
    # Every first attempt fails: each step succeeds on its second attempt after 1 s.
    async with faulty_client(dev_server, tmp_path / "a", monkeypatch, "probe_step=fail:1") as c:
        handle = await c.start_workflow(
            OrchestrationProbeWorkflow.run, request, id=f"probe-{uuid.uuid4()}"
        )
        assert (await handle.result()).success
        steps = local_step_results(await handle.fetch_history())
    assert [(s["step"], s["attempt"]) for s in steps] == [(n, 2) for n in (1, 2, 3, 4)]
    # Three failing attempts exhaust the first step's three: the run ends, naming the cause.
    async with faulty_client(dev_server, tmp_path / "b", monkeypatch, "probe_step=fail:3") as c:
        result = await c.execute_workflow(
            OrchestrationProbeWorkflow.run, request, id=f"probe-{uuid.uuid4()}"
        )
    assert result.success is False
    assert result.error is not None
    assert "probe_step failed" in result.error and "attempt 3" in result.error, result.error


def eager_accepted(history: list[Any]) -> bool:
    return bool(
        events(history, "WorkflowExecutionStarted")[0].attributes["eager_execution_accepted"]
    )


async def test_eager_start_hands_the_first_task_to_a_worker_built_on_the_client(
    rust_worker: Worker,
) -> None:
    config = rust_worker.config
    manager = TemporalClientManager(config=config, task_queue=f"eager-{uuid.uuid4().hex[:6]}")
    client = await manager.connect()
    async with Worker(config, task_queue=client.default_task_queue, client=client):
        handle = await client.start_workflow(
            OrchestrationProbeWorkflow.run,
            ProbeRequest(local_activities=True),
            id=f"probe-{uuid.uuid4()}",
            request_eager_start=True,
        )
        assert (await handle.result()).success
        assert eager_accepted(await handle.fetch_history())
    await manager.disconnect()


async def test_eager_start_without_a_local_worker_is_an_ordinary_start(
    worker_client: Client,
) -> None:
    handle = await worker_client.start_workflow(
        OrchestrationProbeWorkflow.run,
        ProbeRequest(payload="x"),
        id=f"probe-{uuid.uuid4()}",
        request_eager_start=True,
    )
    assert (await handle.result()).success
    assert not eager_accepted(await handle.fetch_history())
