"""Durable Temporal workflows for Project-AI, implemented in Rust.

``from app.temporal import ...`` gives the configuration, the client manager, the
workflows with their requests and results, the worker, the stores, the embedded dev server
and the package's exceptions.
"""

from app.temporal._core import __version__
from app.temporal.activities import BlackVault, KnowledgeEntry, KnowledgeHit, KnowledgeStore
from app.temporal.client import (
    Client,
    RetryPolicy,
    SyncClient,
    SyncWorkflowHandle,
    TemporalClientManager,
    TLSConfig,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowHistoryEvent,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from app.temporal.config import TemporalConfig, get_temporal_config, reload_temporal_config
from app.temporal.devserver import DevServer
from app.temporal.errors import (
    ConfigError,
    ConfigProblem,
    DevServerError,
    FailureCause,
    PayloadError,
    RPCError,
    StoreError,
    TemporalCLINotFoundError,
    TemporalConnectionError,
    TemporalError,
    WorkerError,
    WorkflowAlreadyStartedError,
    WorkflowFailureError,
    WorkflowQueryRejectedError,
    WorkflowResultTimeoutError,
)
from app.temporal.worker import Worker
from app.temporal.workflow_ref import WorkflowRun
from app.temporal.workflows import (
    AILearningWorkflow,
    DataAnalysisRequest,
    DataAnalysisResult,
    DataAnalysisWorkflow,
    ImageGenerationRequest,
    ImageGenerationResult,
    ImageGenerationWorkflow,
    LearningRequest,
    LearningResult,
    MemoryExpansionRequest,
    MemoryExpansionResult,
    MemoryExpansionWorkflow,
    WorkflowProgress,
)

__all__ = [
    "AILearningWorkflow",
    "BlackVault",
    "Client",
    "ConfigError",
    "ConfigProblem",
    "DataAnalysisRequest",
    "DataAnalysisResult",
    "DataAnalysisWorkflow",
    "DevServer",
    "DevServerError",
    "FailureCause",
    "ImageGenerationRequest",
    "ImageGenerationResult",
    "ImageGenerationWorkflow",
    "KnowledgeEntry",
    "KnowledgeHit",
    "KnowledgeStore",
    "LearningRequest",
    "LearningResult",
    "MemoryExpansionRequest",
    "MemoryExpansionResult",
    "MemoryExpansionWorkflow",
    "PayloadError",
    "RPCError",
    "RetryPolicy",
    "StoreError",
    "SyncClient",
    "SyncWorkflowHandle",
    "TLSConfig",
    "TemporalCLINotFoundError",
    "TemporalClientManager",
    "TemporalConfig",
    "TemporalConnectionError",
    "TemporalError",
    "Worker",
    "WorkerError",
    "WorkflowAlreadyStartedError",
    "WorkflowExecutionDescription",
    "WorkflowExecutionStatus",
    "WorkflowFailureError",
    "WorkflowHandle",
    "WorkflowHistoryEvent",
    "WorkflowIDConflictPolicy",
    "WorkflowIDReusePolicy",
    "WorkflowProgress",
    "WorkflowQueryRejectedError",
    "WorkflowResultTimeoutError",
    "WorkflowRun",
    "__version__",
    "get_temporal_config",
    "reload_temporal_config",
]
