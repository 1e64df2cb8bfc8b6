"""The workflows' requests, results and references, with the original field names and
defaults. The Rust definitions are the source of truth; a test checks these agree.

    handle = await client.start_workflow(AILearningWorkflow.run, LearningRequest(...), id=...)
    status = await handle.query(AILearningWorkflow.status)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from app.temporal.workflow_ref import WorkflowRun


@dataclass
class LearningRequest:
    content: str
    source: str
    category: str
    """One of security, programming, data_science, general, tips, facts."""
    user_id: Optional[str] = None


@dataclass
class LearningResult:
    success: bool
    knowledge_id: Optional[str] = None
    error: Optional[str] = None


@dataclass
class ImageGenerationRequest:
    prompt: str
    style: str = "photorealistic"
    size: str = "1024x1024"
    backend: str = "huggingface"
    """local (offline procedural renderer), openai or huggingface."""
    user_id: Optional[str] = None
    seed: Optional[int] = None
    """For the local renderer: the same prompt, style and seed give the same image."""


@dataclass
class ImageGenerationResult:
    success: bool
    image_path: Optional[str] = None
    metadata: Optional[dict[str, Any]] = None
    error: Optional[str] = None
    relative_image_path: Optional[str] = None
    """``image_path`` relative to ``artifacts_dir`` (``/``-separated)."""


@dataclass
class DataAnalysisRequest:
    file_path: str
    analysis_type: str
    """statistics, clustering, correlation, visualization or full."""
    user_id: Optional[str] = None
    columns: Optional[list[str]] = None
    """Columns to cluster on; None means every numeric column."""
    n_clusters: int = 3
    sheet: Optional[str] = None
    """The XLSX sheet; None means the first."""


@dataclass
class DataAnalysisResult:
    success: bool
    results: Optional[dict[str, Any]] = None
    output_path: Optional[str] = None
    error: Optional[str] = None
    relative_output_path: Optional[str] = None
    """``output_path`` relative to ``artifacts_dir`` (``/``-separated)."""


@dataclass
class MemoryExpansionRequest:
    conversation_id: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    user_id: Optional[str] = None


@dataclass
class MemoryExpansionResult:
    success: bool
    memory_count: int = 0
    error: Optional[str] = None


@dataclass
class ProbeRequest:
    payload: str = ""
    """Carried through the four steps unchanged."""
    local_activities: bool = False
    """Run the steps as local activities (same timeouts and retries, fewer server round
    trips)."""


@dataclass
class ProbeResult:
    success: bool
    steps: int = 0
    error: Optional[str] = None


@dataclass
class WorkflowProgress:
    """What a workflow's ``status`` query answers."""

    workflow: str
    step: str
    """The activity running now; "completed" or "failed" at the end."""
    step_number: int
    total_steps: int
    completed_steps: list[str]
    attempts: dict[str, int]
    """Attempts each finished step took."""
    error: Optional[str] = None


STATUS_QUERY = "status"


class AILearningWorkflow:
    """Validates content, checks the Black Vault, processes it and stores the knowledge."""

    run = WorkflowRun[LearningRequest, LearningResult](
        "AILearningWorkflow", LearningRequest, LearningResult
    )
    status = STATUS_QUERY


class ImageGenerationWorkflow:
    run = WorkflowRun[ImageGenerationRequest, ImageGenerationResult](
        "ImageGenerationWorkflow", ImageGenerationRequest, ImageGenerationResult
    )
    status = STATUS_QUERY


class DataAnalysisWorkflow:
    run = WorkflowRun[DataAnalysisRequest, DataAnalysisResult](
        "DataAnalysisWorkflow", DataAnalysisRequest, DataAnalysisResult
    )
    status = STATUS_QUERY


class MemoryExpansionWorkflow:
    run = WorkflowRun[MemoryExpansionRequest, MemoryExpansionResult](
        "MemoryExpansionWorkflow", MemoryExpansionRequest, MemoryExpansionResult
    )
    status = STATUS_QUERY


class OrchestrationProbeWorkflow:
    """AILearningWorkflow's four steps and policies with activities that do nothing: what
    orchestration alone costs, and a check that a worker answers on a task queue."""

    run = WorkflowRun[ProbeRequest, ProbeResult](
        "OrchestrationProbeWorkflow", ProbeRequest, ProbeResult
    )
    status = STATUS_QUERY


__all__ = [
    "AILearningWorkflow",
    "DataAnalysisRequest",
    "DataAnalysisResult",
    "DataAnalysisWorkflow",
    "ImageGenerationRequest",
    "ImageGenerationResult",
    "ImageGenerationWorkflow",
    "LearningRequest",
    "LearningResult",
    "MemoryExpansionRequest",
    "MemoryExpansionResult",
    "MemoryExpansionWorkflow",
    "OrchestrationProbeWorkflow",
    "ProbeRequest",
    "ProbeResult",
    "WorkflowProgress",
]
