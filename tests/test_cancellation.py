"""Cancellation: a cancelled workflow ends as CANCELED (what Temporal, every SDK, the CLI and
the Web UI understand), for all four workflows, and the activity it was running stops its
work and gives its slot back."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from app.temporal import (
    AILearningWorkflow,
    DataAnalysisRequest,
    DataAnalysisWorkflow,
    DevServer,
    ImageGenerationRequest,
    ImageGenerationWorkflow,
    LearningRequest,
    MemoryExpansionRequest,
    MemoryExpansionWorkflow,
    TemporalClientManager,
    WorkflowExecutionStatus,
    WorkflowFailureError,
)
from tests.helpers import queue_config, small_csv, worker_for
from tests.test_reliability import processes, wait_until_all_at

# Each workflow's long step, parked by the fault switch (which heartbeats and stops on a
# cancellation as the real steps do).
LONG_STEPS = {
    "process_learning_request": AILearningWorkflow,
    "generate_image": ImageGenerationWorkflow,
    "perform_analysis": DataAnalysisWorkflow,
    "extract_memory_information": MemoryExpansionWorkflow,
}


def request_for(step: str, inputs: Path) -> Any:
    if step == "process_learning_request":
        return LearningRequest(
            content="Cancellation is a status, not a failed result.",
            source="cancellation-test",
            category="facts",
        )
    if step == "generate_image":
        return ImageGenerationRequest(prompt="a quiet lake", size="64x64", backend="local")
    if step == "perform_analysis":
        return DataAnalysisRequest(str(inputs / "small.csv"), "statistics")
    return MemoryExpansionRequest(
        conversation_id=f"c-{uuid.uuid4().hex[:6]}",
        messages=[{"role": "user", "content": "My sister lives in Lima."}],
    )


async def test_cancelled_workflows_end_canceled_and_free_their_activity_slot(
    dev_server: DevServer, tmp_path: Path
) -> None:
    """One worker with a single activity slot: each workflow is cancelled inside its long
    step (which would otherwise sleep for 50 min). It ends CANCELED, `result()` raises the
    cancellation, and the next workflow's activities run on the same slot, so each cancelled
    activity gave it back; at the end a workflow with no fault runs to its result."""
    config = queue_config(dev_server.address, tmp_path, "cancel")
    inputs = small_csv(tmp_path).parent
    faults = ",".join(f"{step}=sleep:3000" for step in LONG_STEPS)
    with processes() as workers:
        workers.append(
            worker_for(
                config,
                "worker.log",
                PROJECT_AI_TEMPORAL_FAULTS=faults,
                TEMPORAL_MAX_CONCURRENT_ACTIVITIES="1",
            )
        )
        async with TemporalClientManager(config=config) as manager:
            for step, workflow in LONG_STEPS.items():
                handle = await manager.client.start_workflow(
                    workflow.run,  # type: ignore[attr-defined]
                    request_for(step, inputs),
                    id=f"cancel-{step}-{uuid.uuid4().hex[:6]}",
                )
                await wait_until_all_at([handle], step, timeout=30)
                await handle.cancel(reason="the user changed their mind")
                with pytest.raises(WorkflowFailureError) as raised:
                    await handle.result(timeout=30)
                assert raised.value.status == "cancelled", (step, raised.value)
                described = await handle.describe()
                assert described.status == WorkflowExecutionStatus.CANCELED, step
                progress = await handle.query("status")
                assert progress["step"] == "cancelled", progress
                assert progress["error"] == f"cancelled during {step}", progress
            # The slot is free: a workflow with no fault on its path (the file does not
            # exist, so validate_data_file, an activity, ends it) completes.
            handle = await manager.client.start_workflow(
                DataAnalysisWorkflow.run,
                DataAnalysisRequest(str(inputs / "missing.csv"), "statistics"),
                id=f"cancel-after-{uuid.uuid4().hex[:6]}",
            )
            result = await handle.result(timeout=30)
            assert not result.success and "File validation failed" in (result.error or "")
    log = (tmp_path / "worker.log").read_text()
    assert "panicked" not in log, log


async def test_sixty_cancelled_analysis_attempts_leave_every_slot_free(
    dev_server: DevServer, tmp_path: Path
) -> None:
    """15 rounds of 4 analyses on a worker with 4 activity slots: in each round all 4 must be
    running perform_analysis at once (so every slot the round before used was given back),
    then all 4 are cancelled. After 60 cancelled attempts, 4 more workflows get a slot and
    run to their results, and the worker is still running."""
    config = queue_config(dev_server.address, tmp_path, "cancel60")
    csv = small_csv(tmp_path)
    inputs = csv.parent
    with processes() as workers:
        workers.append(
            worker_for(
                config,
                "worker.log",
                PROJECT_AI_TEMPORAL_FAULTS="perform_analysis=sleep:3000",
                TEMPORAL_MAX_CONCURRENT_ACTIVITIES="4",
            )
        )
        async with TemporalClientManager(config=config) as manager:
            for round_ in range(15):
                handles = [
                    await manager.client.start_workflow(
                        DataAnalysisWorkflow.run,
                        DataAnalysisRequest(str(csv), "statistics"),
                        id=f"cancel60-{round_}-{i}-{uuid.uuid4().hex[:6]}",
                    )
                    for i in range(4)
                ]
                await wait_until_all_at(handles, "perform_analysis", timeout=30)
                for handle in handles:
                    await handle.cancel()
                for handle in handles:
                    with pytest.raises(WorkflowFailureError) as raised:
                        await handle.result(timeout=30)
                    assert raised.value.status == "cancelled"
            finals = [
                await manager.client.start_workflow(
                    DataAnalysisWorkflow.run,
                    DataAnalysisRequest(str(inputs / "missing.csv"), "statistics"),
                    id=f"cancel60-after-{i}-{uuid.uuid4().hex[:6]}",
                )
                for i in range(4)
            ]
            for handle in finals:
                result = await handle.result(timeout=30)
                assert "File validation failed" in (result.error or "")
        assert workers[0].poll() is None


async def test_a_stopped_worker_cancels_an_activity_that_outlives_the_grace_period(
    dev_server: DevServer, tmp_path: Path
) -> None:
    """SIGTERM with an activity 50 minutes from done and a 3 s grace period: the worker
    cancels the activity when the grace period is over and exits a few seconds later."""
    config = queue_config(dev_server.address, tmp_path, "term")
    with processes() as workers:
        worker = worker_for(
            config,
            "worker.log",
            PROJECT_AI_TEMPORAL_FAULTS="process_learning_request=sleep:3000",
            TEMPORAL_GRACEFUL_SHUTDOWN_TIMEOUT="3",
        )
        workers.append(worker)
        async with TemporalClientManager(config=config) as manager:
            handle = await manager.client.start_workflow(
                AILearningWorkflow.run,
                request_for("process_learning_request", tmp_path),
                id=f"term-{uuid.uuid4().hex[:6]}",
            )
            await wait_until_all_at([handle], "process_learning_request", timeout=30)
            await asyncio.sleep(1)
            began = time.monotonic()
            worker.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(worker.wait, 30)
            took = time.monotonic() - began
            await handle.terminate("test over")
    assert code == 0, (code, (tmp_path / "worker.log").read_text())
    assert took <= 3 + 5, took
