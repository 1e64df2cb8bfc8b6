"""Reliability under failure: a worker killed with workflows in flight, two workers on one
data dir, a server killed and restarted, activity retries, backoff and timeouts as each
policy says. Longer runs are in scripts/soak.py."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
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
    ImageStore,
    KnowledgeStore,
    LearningRequest,
    LearningResult,
    MemoryExpansionRequest,
    MemoryExpansionWorkflow,
    MemoryStore,
    TemporalClientManager,
    TemporalConfig,
    Worker,
    WorkflowProgress,
)
from app.temporal.client import WorkflowHandle
from tests.helpers import (
    free_port,
    queue_config,
    small_csv,
    start_worker_process,
    worker_for,
)


def learning_request(i: int) -> LearningRequest:
    return LearningRequest(
        content=f"Reliability fact number {i}: {uuid.uuid4().hex} survives a crash.",
        source="reliability-test",
        category="facts",
    )


async def wait_until_all_at(
    handles: list[WorkflowHandle[Any]], step: str, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = await asyncio.gather(
            *(h.query("status", result_type=WorkflowProgress) for h in handles)
        )
        if all(s.step == step for s in statuses):
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"not every workflow reached {step}")


def knowledge_json_ids(data_dir: Path) -> list[str]:
    """Every knowledge id in Project-AI's knowledge.json (parsed, so it must be whole)."""
    document = json.loads((data_dir / "memory" / "knowledge.json").read_text())
    return [key for entries in document.values() for key in entries]


@contextmanager
def processes() -> Iterator[list[Any]]:
    started: list[Any] = []
    try:
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
            process.wait()


async def test_a_killed_worker_loses_nothing_and_two_workers_share_a_data_dir(
    dev_server: DevServer, tmp_path: Path
) -> None:
    """100 learning workflows in flight on worker A, which is SIGKILLed while it holds all of
    them inside check_black_vault (parked there by the fault switch, so the test does not
    depend on timing). Workers B and C, two processes on the same data dir, take over once
    the 10 s timeout of that step has passed: every workflow completes with its own
    knowledge id, and the store and knowledge.json hold exactly 100 records."""
    queue = f"crash-{uuid.uuid4().hex[:8]}"
    config = TemporalConfig(
        env_file=None, host=dev_server.address, task_queue=queue, data_dir=tmp_path
    )
    with processes() as workers:
        workers.append(
            worker_for(
                config,
                "worker-a.log",
                PROJECT_AI_TEMPORAL_FAULTS="check_black_vault=sleep:60",
                TEMPORAL_WORKER_IDENTITY="worker-a",
                # Room for all 100 parked activities, so every workflow gets that far.
                TEMPORAL_MAX_CONCURRENT_ACTIVITIES="150",
            )
        )
        async with TemporalClientManager(config=config) as manager:
            requests = [learning_request(i) for i in range(100)]
            handles = await asyncio.gather(
                *(
                    manager.client.start_workflow(
                        AILearningWorkflow.run, r, id=f"crash-{i}-{uuid.uuid4().hex[:6]}"
                    )
                    for i, r in enumerate(requests)
                )
            )
            await wait_until_all_at(handles, "check_black_vault")
            os.kill(workers[0].pid, signal.SIGKILL)
            assert workers[0].wait(timeout=10) == -signal.SIGKILL
            for name in ("b", "c"):
                workers.append(
                    start_worker_process(
                        dev_server.address,
                        tmp_path,
                        queue,
                        tmp_path / f"worker-{name}.log",
                        TEMPORAL_WORKER_IDENTITY=f"worker-{name}",
                    )
                )
            results = await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), 60)
            histories = await asyncio.gather(*(h.fetch_history() for h in handles))
    assert [r.error for r in results if not r.success] == []
    ids = [r.knowledge_id for r in results]
    assert len(set(ids)) == 100
    store = KnowledgeStore(tmp_path)
    assert store.count() == 100
    for request, knowledge_id in zip(requests, ids):
        entry = store.get(knowledge_id or "")
        assert entry is not None and entry.content == request.content
    store.sync_knowledge_json()
    assert sorted(knowledge_json_ids(tmp_path)) == sorted(ids)  # type: ignore[type-var]
    # Both new workers stored part of the knowledge, the killed one none.
    storers = {
        event(history, "ActivityTaskStarted", "store_knowledge").attributes["identity"]
        for history in histories
    }
    assert storers == {"worker-b", "worker-c"}


async def test_a_server_killed_and_restarted_on_its_database_finishes_every_workflow(
    tmp_path: Path,
) -> None:
    port = free_port()
    database = tmp_path / "dev.db"
    first = DevServer(port, headless=True, db_filename=database).start()
    queue = f"restart-{uuid.uuid4().hex[:8]}"
    config = TemporalConfig(
        env_file=None, host=first.address, task_queue=queue, data_dir=tmp_path, connect_timeout=5
    )
    with processes() as workers:
        workers.append(
            start_worker_process(
                first.address,
                tmp_path,
                queue,
                tmp_path / "worker.log",
                PROJECT_AI_TEMPORAL_FAULTS="process_learning_request=sleep:2",
            )
        )
        async with TemporalClientManager(config=config) as manager:
            ids = [f"restart-{i}-{uuid.uuid4().hex[:6]}" for i in range(10)]
            handles = [
                await manager.client.start_workflow(
                    AILearningWorkflow.run, learning_request(i), id=workflow_id
                )
                for i, workflow_id in enumerate(ids)
            ]
            await wait_until_all_at(handles, "process_learning_request", timeout=30)
        assert KnowledgeStore(tmp_path).count() == 0
        os.kill(first.pid, signal.SIGKILL)
        first.stop()
        second = DevServer(port, headless=True, db_filename=database).start()
        try:
            async with TemporalClientManager(config=config) as manager:
                results = await asyncio.wait_for(
                    asyncio.gather(
                        *(
                            manager.client.get_workflow_handle(
                                i, result_type=LearningResult
                            ).result()
                            for i in ids
                        )
                    ),
                    90,
                )
        finally:
            for process in workers:
                process.kill()
            second.stop()
    assert [r.error for r in results if not r.success] == []
    assert KnowledgeStore(tmp_path).count() == 10


async def faulty(
    dev_server: DevServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    faults: str,
    **settings: Any,
) -> tuple[TemporalConfig, Worker]:
    monkeypatch.setenv("PROJECT_AI_TEMPORAL_FAULTS", faults)
    config = TemporalConfig(
        env_file=None,
        host=dev_server.address,
        data_dir=tmp_path,
        task_queue=f"policy-{uuid.uuid4().hex[:8]}",
        graceful_shutdown_timeout=1,
        **settings,
    )
    worker = Worker(config)
    await worker.__aenter__()
    monkeypatch.delenv("PROJECT_AI_TEMPORAL_FAULTS")
    return config, worker


def event(history: list[Any], event_type: str, activity: str) -> Any:
    scheduled = next(
        e
        for e in history
        if e.event_type == "ActivityTaskScheduled"
        and e.attributes["activity_type"]["name"] == activity
    )
    if event_type == "ActivityTaskScheduled":
        return scheduled
    return next(
        e
        for e in history
        if e.event_type == event_type and e.attributes["scheduled_event_id"] == scheduled.event_id
    )


async def test_retries_back_off_as_the_policy_says(
    dev_server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """process_learning_request: 3 attempts, 1 s growing by 2x: two failures wait 1 s + 2 s."""
    config, worker = await faulty(
        dev_server, tmp_path, monkeypatch, "process_learning_request=fail:2"
    )
    try:
        async with TemporalClientManager(config=config) as manager:
            handle = await manager.client.start_workflow(
                AILearningWorkflow.run, learning_request(0), id=f"backoff-{uuid.uuid4().hex}"
            )
            assert (await handle.result(timeout=60)).success
            history = await handle.fetch_history()
    finally:
        await worker.__aexit__(None, None, None)
    scheduled = event(history, "ActivityTaskScheduled", "process_learning_request")
    started = event(history, "ActivityTaskStarted", "process_learning_request")
    assert started.attributes["attempt"] == 3
    waited = (started.event_time - scheduled.event_time).total_seconds()
    assert 2.7 <= waited <= 8, waited


async def test_a_retry_after_a_store_wrote_stores_nothing_twice(
    dev_server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first attempt of each store step writes, then loses its result (as when a worker
    dies before reporting): the retry finds the rows there, nothing is stored twice, and
    each workflow's result is the one the lost attempt would have given."""
    lost = ["store_knowledge", "store_image_metadata", "store_memories", "update_memory_indexes"]
    config, worker = await faulty(
        dev_server, tmp_path, monkeypatch, ",".join(f"{a}=lose:1" for a in lost)
    )
    conversation = f"conv-{uuid.uuid4().hex[:8]}"
    messages = [
        {"role": "user", "content": "My name is Ann Lee and I live in Lyon, near the river."},
        {"role": "user", "content": "Please remember that I prefer green tea in the morning."},
    ]
    memory_request = MemoryExpansionRequest(conversation, messages, user_id="ann")
    try:
        async with TemporalClientManager(config=config) as manager:
            client = manager.client
            handles = [
                await client.start_workflow(
                    AILearningWorkflow.run, learning_request(0), id=f"lose-{uuid.uuid4().hex}"
                ),
                await client.start_workflow(
                    ImageGenerationWorkflow.run,
                    ImageGenerationRequest("a fox in snow", size="128x128", backend="local"),
                    id=f"lose-{uuid.uuid4().hex}",
                ),
                await client.start_workflow(
                    MemoryExpansionWorkflow.run, memory_request, id=f"lose-{uuid.uuid4().hex}"
                ),
            ]
            learned, image, memory = [await h.result(timeout=60) for h in handles]
            histories = [await h.fetch_history() for h in handles]
            # The same conversation again, attempts no longer failing: nothing new.
            again = await client.execute_workflow(
                MemoryExpansionWorkflow.run, memory_request, id=f"lose-{uuid.uuid4().hex}"
            )
    finally:
        await worker.__aexit__(None, None, None)
    for history, activities in zip(histories, [lost[:1], lost[1:2], lost[2:]]):
        for activity in activities:
            started = event(history, "ActivityTaskStarted", activity)
            assert started.attributes["attempt"] == 2, activity
    assert learned.success and image.success and memory.success
    knowledge = KnowledgeStore(tmp_path)
    assert knowledge.count() == 1
    knowledge.sync_knowledge_json()
    assert knowledge_json_ids(tmp_path) == [learned.knowledge_id]
    assert [r.image_path for r in ImageStore(tmp_path).history(limit=10)] == [image.image_path]
    stored = MemoryStore(tmp_path).for_conversation(conversation)
    assert len({(m.kind, m.text, m.subject, m.value) for m in stored}) == len(stored)
    assert memory.memory_count == len(stored) > 0
    assert again.success and again.memory_count == 0
    hits = MemoryStore(tmp_path).search("lyon", user_id="ann")
    assert {h.subject for h in hits if h.kind == "fact"} >= {"location"}


async def test_a_timeout_is_retried_as_the_configured_policy_says_then_is_a_result(
    dev_server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """check_black_vault: 10 s start-to-close, the configured policy (here 2 attempts). Each
    attempt would sleep 50 min: the worker cancels it when its timeout has passed, which
    gives back the worker's one activity slot for the second attempt."""
    config, worker = await faulty(
        dev_server,
        tmp_path,
        monkeypatch,
        "check_black_vault=sleep:3000",
        max_retry_attempts=2,
        initial_retry_interval=1,
        max_concurrent_activities=1,
    )
    try:
        async with TemporalClientManager(config=config) as manager:
            began = time.monotonic()
            handle = await manager.client.start_workflow(
                AILearningWorkflow.run, learning_request(0), id=f"timeout-{uuid.uuid4().hex}"
            )
            result = await handle.result(timeout=60)
            took = time.monotonic() - began
            history = await handle.fetch_history()
            assert worker.is_running
    finally:
        await worker.__aexit__(None, None, None)
    assert not result.success
    assert result.error is not None
    assert result.error.startswith("check_black_vault failed"), result.error
    assert "timeout" in result.error.lower(), result.error
    timed_out = event(history, "ActivityTaskTimedOut", "check_black_vault")
    assert event(history, "ActivityTaskStarted", "check_black_vault").attributes["attempt"] == 2
    assert "START_TO_CLOSE" in json.dumps(timed_out.attributes).upper()
    assert 20 <= took <= 45, took
    assert KnowledgeStore(tmp_path).count() == 0


async def test_a_worker_killed_inside_a_long_step_is_replaced_within_seconds(
    dev_server: DevServer, tmp_path: Path
) -> None:
    """perform_analysis may take 30 min, so without heartbeats a worker SIGKILLed inside it
    held the workflow for 30 min. Worker A runs the step (parked in it by the fault switch,
    which heartbeats as the real step does); after A is killed, the server notices within
    the 10 s heartbeat timeout and worker B starts the retry after the policy's 10 s
    interval: well within 30 s of the kill."""
    config = queue_config(dev_server.address, tmp_path, "heartbeat")
    csv = small_csv(tmp_path)
    with processes() as workers:
        workers.append(
            worker_for(
                config,
                "worker-a.log",
                PROJECT_AI_TEMPORAL_FAULTS="perform_analysis=sleep:3000",
                TEMPORAL_WORKER_IDENTITY="worker-a",
            )
        )
        async with TemporalClientManager(config=config) as manager:
            handle = await manager.client.start_workflow(
                DataAnalysisWorkflow.run,
                DataAnalysisRequest(str(csv), "statistics"),
                id=f"heartbeat-{uuid.uuid4().hex[:6]}",
            )
            await wait_until_all_at([handle], "perform_analysis")
            await asyncio.sleep(3)  # A has started it and sent a heartbeat
            killed_at = datetime.now(timezone.utc)
            os.kill(workers[0].pid, signal.SIGKILL)
            assert workers[0].wait(timeout=10) == -signal.SIGKILL
            workers.append(
                worker_for(
                    config,
                    "worker-b.log",
                    TEMPORAL_WORKER_IDENTITY="worker-b",
                )
            )
            result = await handle.result(timeout=90)
            history = await handle.fetch_history()
    assert result.success, result.error
    started = event(history, "ActivityTaskStarted", "perform_analysis")
    assert started.attributes["attempt"] == 2
    assert started.attributes["identity"] == "worker-b"
    recovered = (started.event_time - killed_at).total_seconds()
    assert recovered <= 30, recovered
    scheduled = event(history, "ActivityTaskScheduled", "perform_analysis")
    assert float(scheduled.attributes["heartbeat_timeout"].rstrip("s")) == 10


async def test_two_workers_in_one_process_keep_their_own_retry_defaults(
    dev_server: DevServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """check_black_vault (the configured policy) fails its first 3 attempts on both workers.
    The worker configured for 2 attempts gives up after 2; the one configured for 5 in the
    same process succeeds on the 4th. Both report the default identity with this process's
    pid and host in front, so their histories tell them apart."""
    fault = "check_black_vault=fail:3"
    few_config, few = await faulty(
        dev_server,
        tmp_path / "few",
        monkeypatch,
        fault,
        max_retry_attempts=2,
        max_retry_interval=1,
    )
    many_config, many = await faulty(
        dev_server,
        tmp_path / "many",
        monkeypatch,
        fault,
        max_retry_attempts=5,
        max_retry_interval=1,
    )
    try:
        results = {}
        for name, config in (("few", few_config), ("many", many_config)):
            async with TemporalClientManager(config=config) as manager:
                handle = await manager.client.start_workflow(
                    AILearningWorkflow.run, learning_request(0), id=f"{name}-{uuid.uuid4().hex}"
                )
                results[name] = (await handle.result(timeout=60), await handle.fetch_history())
    finally:
        await few.__aexit__(None, None, None)
        await many.__aexit__(None, None, None)
    few_result, few_history = results["few"]
    many_result, many_history = results["many"]
    assert not few_result.success and "injected fault" in (few_result.error or "")
    assert event(few_history, "ActivityTaskStarted", "check_black_vault").attributes["attempt"] == 2
    assert many_result.success, many_result.error
    started = event(many_history, "ActivityTaskStarted", "check_black_vault").attributes
    assert started["attempt"] == 4
    assert started["identity"] == f"{os.getpid()}@{socket.gethostname()}-project-ai-worker"
