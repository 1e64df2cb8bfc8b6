"""``app.temporal.workflows`` as the original integration's code and tests use it: the eight
request and result dataclasses with the original's fields and defaults, and the four
workflow classes with ``run``."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from app.temporal import workflows
from app.temporal.workflow_ref import WorkflowRun

REQUIRED: Any = dataclasses.MISSING

# name -> (field -> the original's default, REQUIRED when it had none), in the original's order.
ORIGINAL = {
    "LearningRequest": {
        "content": REQUIRED,
        "source": REQUIRED,
        "category": REQUIRED,
        "user_id": None,
    },
    "LearningResult": {"success": REQUIRED, "knowledge_id": None, "error": None},
    "ImageGenerationRequest": {
        "prompt": REQUIRED,
        "style": "photorealistic",
        "size": "1024x1024",
        "backend": "huggingface",
        "user_id": None,
    },
    "ImageGenerationResult": {
        "success": REQUIRED,
        "image_path": None,
        "metadata": None,
        "error": None,
    },
    "DataAnalysisRequest": {"file_path": REQUIRED, "analysis_type": REQUIRED, "user_id": None},
    "DataAnalysisResult": {
        "success": REQUIRED,
        "results": None,
        "output_path": None,
        "error": None,
    },
    # messages had no default; ours defaults to [] (a new default breaks no caller).
    "MemoryExpansionRequest": {"conversation_id": REQUIRED, "messages": [], "user_id": None},
    "MemoryExpansionResult": {"success": REQUIRED, "memory_count": 0, "error": None},
}


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return REQUIRED


@pytest.mark.parametrize("name", ORIGINAL)
def test_fields_and_defaults_are_the_originals(name: str) -> None:
    cls = getattr(workflows, name)
    fields = dataclasses.fields(cls)
    original = ORIGINAL[name]
    # The original's fields come first, in order; ours only add fields with defaults.
    assert [f.name for f in fields[: len(original)]] == list(original)
    assert {f.name: _default(f) for f in fields[: len(original)]} == original
    assert all(_default(f) is not REQUIRED for f in fields[len(original) :])


def test_positional_construction_as_the_original() -> None:
    request = workflows.LearningRequest("Test content", "test_source", "programming", "user123")
    assert (request.content, request.category, request.user_id) == (
        "Test content",
        "programming",
        "user123",
    )
    result = workflows.LearningResult(True, "kb123")
    assert result.knowledge_id == "kb123" and result.error is None
    image = workflows.ImageGenerationRequest("A beautiful sunset")
    assert (image.style, image.size, image.backend) == (
        "photorealistic",
        "1024x1024",
        "huggingface",
    )


@pytest.mark.parametrize(
    ("cls", "request_type", "result_type"),
    [
        (workflows.AILearningWorkflow, workflows.LearningRequest, workflows.LearningResult),
        (
            workflows.ImageGenerationWorkflow,
            workflows.ImageGenerationRequest,
            workflows.ImageGenerationResult,
        ),
        (
            workflows.DataAnalysisWorkflow,
            workflows.DataAnalysisRequest,
            workflows.DataAnalysisResult,
        ),
        (
            workflows.MemoryExpansionWorkflow,
            workflows.MemoryExpansionRequest,
            workflows.MemoryExpansionResult,
        ),
    ],
)
def test_workflow_classes_have_run(cls: type, request_type: type, result_type: type) -> None:
    run = cls.run  # type: ignore[attr-defined]
    assert isinstance(run, WorkflowRun)
    assert run.name == cls.__name__  # the type name other clients start it by
    assert (run.arg_type, run.result_type) == (request_type, result_type)
