"""Requests other clients get wrong (started by type name with JSON that does not fit the
request type, or with no input at all) end promptly with a success=False result naming the
field and what the request allows. Before, they failed the first workflow task, which
Temporal retries forever."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import Client as OfficialClient

from app.temporal import Worker

# (workflow type, JSON another client sends, the field the error must name)
BAD_INPUTS: list[tuple[str, Any, str]] = [
    (
        "DataAnalysisWorkflow",
        {"file_path": "a.csv", "analysis_type": "full", "n_clusters": "three"},
        "n_clusters",
    ),
    ("DataAnalysisWorkflow", {"analysis_type": "full"}, "file_path"),
    ("AILearningWorkflow", {"content": 42, "source": "s", "category": "facts"}, "content"),
    ("AILearningWorkflow", "just some text", "the input is a string"),
    ("ImageGenerationWorkflow", {"prompt": "a cat", "seed": -1}, "seed"),
    ("ImageGenerationWorkflow", {"style": "anime"}, "prompt"),
    # Its fields are checked in the workflow (tests/test_memory.py); the shape is shared.
    ("MemoryExpansionWorkflow", ["c1", []], "the input is an array"),
    ("OrchestrationProbeWorkflow", {"payload": 7}, "payload"),
]


@pytest.mark.parametrize(
    ("workflow", "arg", "field"),
    [pytest.param(*case, id=f"{case[0]}-{case[2]}") for case in BAD_INPUTS],
)
async def test_a_request_of_the_wrong_shape_ends_with_a_result_naming_the_field(
    rust_worker: Worker, workflow: str, arg: Any, field: str
) -> None:
    """Before, such a request failed the first workflow task, which Temporal retries forever."""
    official = await OfficialClient.connect(rust_worker.config.host)
    handle = await official.start_workflow(
        workflow,
        arg,
        id=f"bad-input-{uuid.uuid4().hex}",
        task_queue=rust_worker.config.task_queue,
        execution_timeout=timedelta(seconds=60),
    )
    result = await asyncio.wait_for(handle.result(), 30)
    assert result["success"] is False
    assert field in result["error"], result["error"]
    assert "expected a JSON object with fields" in result["error"], result["error"]


@pytest.mark.parametrize(
    ("workflow", "required"),
    [
        ("AILearningWorkflow", "content (required)"),
        ("ImageGenerationWorkflow", "prompt (required)"),
        ("DataAnalysisWorkflow", "file_path (required)"),
        ("MemoryExpansionWorkflow", "conversation_id (required)"),
    ],
)
async def test_a_workflow_started_without_input_ends_with_a_result(
    rust_worker: Worker, workflow: str, required: str
) -> None:
    official = await OfficialClient.connect(rust_worker.config.host)
    handle = await official.start_workflow(
        workflow,
        id=f"no-input-{uuid.uuid4().hex}",
        task_queue=rust_worker.config.task_queue,
    )
    result = await asyncio.wait_for(handle.result(), 30)
    assert result["success"] is False
    assert "no input was given" in result["error"]
    assert required in result["error"], result["error"]
