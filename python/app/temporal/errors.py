"""The exceptions of ``app.temporal``: one hierarchy rooted in :class:`TemporalError`.

The Rust core raises these classes by name, so every error from the package can be
caught with ``except TemporalError``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class TemporalError(Exception):
    """Base class of every error raised by ``app.temporal``."""


class ConfigProblem(NamedTuple):
    """One problem found in the configuration."""

    field: str | None
    """The setting concerned, when there is one."""
    source: str | None
    """Where its value came from (an environment variable, a file and line, ...)."""
    message: str
    """What is wrong and what is allowed."""


class ConfigError(TemporalError, ValueError):
    """Invalid configuration; :attr:`problems` lists every problem found."""

    problems: tuple[ConfigProblem, ...]

    def __init__(
        self,
        message: str,
        problems: Iterable[tuple[str | None, str | None, str]] = (),
    ) -> None:
        super().__init__(message)
        self.problems = tuple(ConfigProblem(*p) for p in problems)


class TemporalConnectionError(TemporalError, ConnectionError):
    """The Temporal server could not be reached; the message names the address and cause."""

    address: str | None
    cause: str | None

    def __init__(self, message: str, address: str | None = None, cause: str | None = None) -> None:
        # One argument only: OSError would read three as (errno, strerror, filename).
        super().__init__(message)
        self.address = address
        self.cause = cause


class FailureCause(NamedTuple):
    """One link of a workflow failure's cause chain, outermost first."""

    kind: str
    """The failure type (an application error type, ActivityError, TimeoutError, ...)."""
    message: str


class WorkflowFailureError(TemporalError):
    """The workflow did not complete: it failed, was cancelled, terminated or timed out."""

    workflow_id: str
    run_id: str
    status: str
    """One of failed, cancelled, terminated, timed_out."""
    causes: tuple[FailureCause, ...]

    def __init__(
        self,
        message: str,
        workflow_id: str = "",
        run_id: str = "",
        status: str = "failed",
        causes: Iterable[tuple[str, str]] = (),
    ) -> None:
        super().__init__(message)
        self.workflow_id = workflow_id
        self.run_id = run_id
        self.status = status
        self.causes = tuple(FailureCause(*c) for c in causes)


class WorkflowAlreadyStartedError(TemporalError):
    """A workflow with this id is already running (or the id policy forbids reuse)."""

    workflow_id: str
    run_id: str | None

    def __init__(self, message: str, workflow_id: str = "", run_id: str | None = None) -> None:
        super().__init__(message)
        self.workflow_id = workflow_id
        self.run_id = run_id


class WorkflowQueryRejectedError(TemporalError):
    """The workflow refused the query (for example because it is closed)."""

    workflow_id: str

    def __init__(self, message: str, workflow_id: str = "") -> None:
        super().__init__(message)
        self.workflow_id = workflow_id


class RPCError(TemporalError):
    """The server answered a call with an error; :attr:`status` is the gRPC status code."""

    status: int
    status_name: str

    def __init__(self, message: str, status: int = 2, status_name: str = "Unknown") -> None:
        super().__init__(message)
        self.status = status
        self.status_name = status_name


class WorkerError(TemporalError):
    """The worker could not start, or stopped with an error."""


class StoreError(TemporalError):
    """The embedded store or one of Project-AI's files could not be read or written."""


class InvalidQueryError(TemporalError, ValueError):
    """A store query with a bad argument (an unknown kind, a limit out of range, ...)."""


class InvalidInputError(TemporalError, ValueError):
    """An activity called directly (``app.temporal.activities``) got an argument it cannot
    use: a wrong type, a missing key, a value over a limit, content that may not be
    learned, a file that may not be read. The message names the problem and what is
    allowed."""


class PayloadError(TemporalError, ValueError):
    """A value could not be encoded or decoded (not JSON, over the size limit, ...)."""


class WorkflowResultTimeoutError(TemporalError, TimeoutError):
    """``result(timeout=...)`` ran out before the workflow closed; the workflow goes on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class DevServerError(TemporalError):
    """The embedded Temporal dev server could not start or stopped unexpectedly."""


class TemporalCLINotFoundError(DevServerError):
    """The ``temporal`` executable is missing; the message says how to install it."""


__all__ = [
    "ConfigError",
    "ConfigProblem",
    "DevServerError",
    "FailureCause",
    "InvalidInputError",
    "InvalidQueryError",
    "PayloadError",
    "RPCError",
    "StoreError",
    "TemporalCLINotFoundError",
    "TemporalConnectionError",
    "TemporalError",
    "WorkerError",
    "WorkflowAlreadyStartedError",
    "WorkflowFailureError",
    "WorkflowQueryRejectedError",
    "WorkflowResultTimeoutError",
]
