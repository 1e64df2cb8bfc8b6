"""``app.temporal.worker`` as the original integration started it: ``asyncio.run(main())``
and ``python -m app.temporal.worker``, here also hosting a chosen subset."""

from __future__ import annotations

import inspect
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from app.temporal import (
    AILearningWorkflow,
    DevServer,
    ImageGenerationRequest,
    ImageGenerationWorkflow,
    LearningRequest,
    TemporalClientManager,
    TemporalConfig,
)
from app.temporal import worker as worker_module
from app.temporal.errors import WorkflowResultTimeoutError
from tests.helpers import start_worker_process, subprocess_env

CONTENT = "The original entry point runs this project's worker with every workflow."


def test_main_is_the_originals_coroutine() -> None:
    assert inspect.iscoroutinefunction(worker_module.main)
    assert inspect.signature(worker_module.main).parameters == {}


def stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


async def test_asyncio_run_main_serves_until_sigterm(dev_server: DevServer, tmp_path: Path) -> None:
    queue = f"main-{uuid.uuid4().hex[:8]}"
    script = (
        "import asyncio, sys\nfrom app.temporal.worker import main\nsys.exit(asyncio.run(main()))"
    )
    process = start_worker_process(
        dev_server.address, tmp_path, queue, tmp_path / "worker.log", args=("-c", script)
    )
    try:
        config = TemporalConfig(env_file=None, host=dev_server.address, task_queue=queue)
        async with TemporalClientManager(config=config) as manager:
            assert manager.client is not None
            result = await manager.client.execute_workflow(
                AILearningWorkflow.run,
                LearningRequest(content=CONTENT, source="test", category="tips"),
                id=f"main-{uuid.uuid4().hex}",
            )
        assert result.success, result.error
    finally:
        code = stop(process)
    assert code == 0, (tmp_path / "worker.log").read_text()


async def test_a_worker_for_one_workflow_group(dev_server: DevServer, tmp_path: Path) -> None:
    queue = f"image-only-{uuid.uuid4().hex[:8]}"
    process = start_worker_process(
        dev_server.address,
        tmp_path,
        queue,
        tmp_path / "worker.log",
        args=("-m", "app.temporal.worker", "--workflows", "image"),
    )
    try:
        config = TemporalConfig(env_file=None, host=dev_server.address, task_queue=queue)
        async with TemporalClientManager(config=config) as manager:
            client = manager.client
            assert client is not None
            request = ImageGenerationRequest(prompt="a red kite", size="256x256", backend="local")
            image = await client.execute_workflow(
                ImageGenerationWorkflow.run, request, id=f"img-{uuid.uuid4().hex}"
            )
            assert image.success, image.error
            learning = await client.start_workflow(
                AILearningWorkflow.run,
                LearningRequest(content=CONTENT, source="test", category="tips"),
                id=f"learn-{uuid.uuid4().hex}",
            )
            with pytest.raises(WorkflowResultTimeoutError):
                await learning.result(timeout=3)
            await learning.terminate("not hosted on this queue")
    finally:
        assert stop(process) == 0


def test_an_unknown_group_is_a_usage_error() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "app.temporal.worker", "--workflows", "image,video"],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        check=False,
        timeout=60,
    )
    assert out.returncode == 2
    assert "'video' is not a workflow group" in out.stderr
    assert "learning, image, data, memory" in out.stderr


def test_hosting_maps_groups_to_workflows_and_activities() -> None:
    workflows, activities = worker_module.hosting(["learning", "memory"])
    assert workflows == ["AILearningWorkflow", "MemoryExpansionWorkflow"]
    assert activities == [
        "validate_learning_content",
        "check_black_vault",
        "process_learning_request",
        "store_knowledge",
        "extract_memory_information",
        "store_memories",
        "update_memory_indexes",
    ]
    assert worker_module.hosting(None) == (None, None)
