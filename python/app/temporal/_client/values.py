"""The client's public values: ID policies, statuses, TLS settings, a retry policy, and
what ``describe()``, ``list_workflows()``, ``fetch_history()`` and
``describe_namespace()`` report."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import os
from collections.abc import Sequence
from typing import Any, Union

# Union, not |: these aliases are evaluated at run time, and Python 3.9 has no | on types.
PemSource = Union[bytes, str, "os.PathLike[str]"]
Seconds = Union[float, datetime.timedelta]


class WorkflowIDReusePolicy(str, enum.Enum):
    """Whether a closed workflow's id may be used again."""

    ALLOW_DUPLICATE = "allow_duplicate"
    ALLOW_DUPLICATE_FAILED_ONLY = "allow_duplicate_failed_only"
    REJECT_DUPLICATE = "reject_duplicate"


class WorkflowIDConflictPolicy(str, enum.Enum):
    """What happens when a workflow with the id is running."""

    FAIL = "fail"
    USE_EXISTING = "use_existing"
    TERMINATE_EXISTING = "terminate_existing"


class QueryRejectCondition(str, enum.Enum):
    """When a closed workflow refuses a query (WorkflowQueryRejectedError) instead of
    answering it from its final state."""

    NONE = "none"
    NOT_OPEN = "not_open"
    NOT_COMPLETED_CLEANLY = "not_completed_cleanly"


class WorkflowExecutionStatus(str, enum.Enum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"
    TERMINATED = "terminated"
    CONTINUED_AS_NEW = "continued_as_new"
    TIMED_OUT = "timed_out"
    UNSPECIFIED = "unspecified"


@dataclasses.dataclass(frozen=True)
class TLSConfig:
    """TLS for the connection. Each item is PEM ``bytes``, PEM text, or a path to a PEM file.

    ``client_cert`` with ``client_private_key`` gives mTLS; ``server_root_ca_cert`` trusts a
    private CA (the system roots otherwise); ``domain`` is the name expected in the server's
    certificate when it differs from the host."""

    server_root_ca_cert: PemSource | None = None
    client_cert: PemSource | None = None
    client_private_key: PemSource | None = dataclasses.field(default=None, repr=False)
    domain: str | None = None


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """A retry policy; ``maximum_attempts=0`` means no limit."""

    initial_interval: Seconds | None = None
    backoff_coefficient: float | None = None
    maximum_interval: Seconds | None = None
    maximum_attempts: int = 0
    non_retryable_error_types: Sequence[str] = ()


@dataclasses.dataclass(frozen=True)
class WorkflowExecutionDescription:
    """One workflow execution, as ``describe()`` and ``list_workflows()`` report it."""

    id: str
    run_id: str
    workflow_type: str
    status: WorkflowExecutionStatus
    task_queue: str
    start_time: datetime.datetime | None
    close_time: datetime.datetime | None
    execution_time: datetime.datetime | None
    history_length: int


@dataclasses.dataclass(frozen=True)
class WorkflowHistoryEvent:
    """One event of a workflow's history (``event_type`` as the Web UI names it)."""

    event_id: int
    event_type: str
    event_time: datetime.datetime | None
    attributes: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class NamespaceDescription:
    """The client's namespace, as DescribeNamespace reports it."""

    name: str
    id: str
    state: str
    """registered, deprecated, deleted or unspecified."""
    description: str
    owner_email: str
    retention: datetime.timedelta | None
    """How long closed workflows' histories are kept."""
