"""Durable Temporal workflows for Project-AI, implemented in Rust.

``from app.temporal import ...`` gives the configuration, the client manager, the embedded
dev server and the package's exceptions.
"""

from app.temporal._core import __version__
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
    TemporalCLINotFoundError,
    TemporalConnectionError,
    TemporalError,
    WorkflowAlreadyStartedError,
    WorkflowFailureError,
    WorkflowQueryRejectedError,
    WorkflowResultTimeoutError,
)
from app.temporal.workflow_ref import WorkflowRun

__all__ = [
    "Client",
    "ConfigError",
    "ConfigProblem",
    "DevServer",
    "DevServerError",
    "FailureCause",
    "PayloadError",
    "RPCError",
    "RetryPolicy",
    "SyncClient",
    "SyncWorkflowHandle",
    "TLSConfig",
    "TemporalCLINotFoundError",
    "TemporalClientManager",
    "TemporalConfig",
    "TemporalConnectionError",
    "TemporalError",
    "WorkflowAlreadyStartedError",
    "WorkflowExecutionDescription",
    "WorkflowExecutionStatus",
    "WorkflowFailureError",
    "WorkflowHandle",
    "WorkflowHistoryEvent",
    "WorkflowIDConflictPolicy",
    "WorkflowIDReusePolicy",
    "WorkflowQueryRejectedError",
    "WorkflowResultTimeoutError",
    "WorkflowRun",
    "__version__",
    "get_temporal_config",
    "reload_temporal_config",
]
