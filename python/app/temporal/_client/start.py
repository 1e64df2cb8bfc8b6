"""The options of a workflow start, named once for both faces and both overloads, and
checked and converted once for the core."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from app.temporal._client.core_values import seconds
from app.temporal._client.values import (
    RetryPolicy,
    Seconds,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from app.temporal._convert import check_field_types, to_json
from app.temporal.config import TemporalConfig
from app.temporal.workflow_ref import WorkflowRun

if TYPE_CHECKING:
    from app.temporal import _core

# "No argument": a workflow started without one (None is an argument, JSON null).
NO_ARG: Any = object()


class StartOptions(TypedDict, total=False):
    """The keyword options of ``start_workflow`` and ``execute_workflow`` besides ``id``.

    - ``task_queue``: the client's default task queue when not given;
    - ``execution_timeout``, ``run_timeout``: seconds or a timedelta, the configured
      ``workflow_execution_timeout`` / ``workflow_run_timeout`` when not given;
    - ``id_reuse_policy``: ``ALLOW_DUPLICATE`` when not given;
    - ``id_conflict_policy``: ``FAIL`` when not given;
    - ``retry_policy``: none (the workflow runs once) when not given;
    - ``memo``, ``search_attributes``: JSON-able values by name;
    - ``request_eager_start``: asks the server to hand the first workflow task straight to
      a ``Worker`` built on this client (``Worker(client=...)``) when it has a free slot,
      which saves a poll round trip; otherwise the start is an ordinary one.
    """

    task_queue: str | None
    execution_timeout: Seconds | None
    run_timeout: Seconds | None
    id_reuse_policy: WorkflowIDReusePolicy
    id_conflict_policy: WorkflowIDConflictPolicy
    retry_policy: RetryPolicy | None
    memo: Mapping[str, Any] | None
    search_attributes: Mapping[str, Any] | None
    request_eager_start: bool


@dataclasses.dataclass(frozen=True)
class Start:
    """A start call, checked and converted."""

    workflow_type: str
    workflow_id: str
    task_queue: str
    args: list[bytes]
    options: dict[str, Any]
    result_type: Any

    def call(self, core: _core.ClientCore) -> _core.Pending:
        """The core call that starts it; its answer is the run id."""
        return core.start_workflow(
            self.workflow_type, self.workflow_id, self.task_queue, self.args, **self.options
        )


def prepare(
    config: TemporalConfig,
    default_task_queue: str,
    workflow: WorkflowRun[Any, Any] | str,
    arg: Any,
    id: str,
    options: StartOptions,
) -> Start:
    unknown = set(options) - set(StartOptions.__annotations__)
    if unknown:
        allowed = ", ".join(["id", *StartOptions.__annotations__])
        raise TypeError(f"unknown start options {sorted(unknown)}; allowed: {allowed}")
    name = workflow.name if isinstance(workflow, WorkflowRun) else workflow
    result_type = workflow.result_type if isinstance(workflow, WorkflowRun) else None
    execution_timeout = options.get("execution_timeout")
    run_timeout = options.get("run_timeout")
    memo = options.get("memo") or {}
    search_attributes = options.get("search_attributes") or {}
    converted = {
        "execution_timeout": seconds(execution_timeout)
        if execution_timeout is not None
        else float(config.workflow_execution_timeout),
        "run_timeout": seconds(run_timeout)
        if run_timeout is not None
        else float(config.workflow_run_timeout),
        # Checked once, by the core (an enum member is its value's str), whose error lists
        # the allowed values.
        "id_reuse_policy": options.get("id_reuse_policy", WorkflowIDReusePolicy.ALLOW_DUPLICATE),
        "id_conflict_policy": options.get("id_conflict_policy", WorkflowIDConflictPolicy.FAIL),
        "retry_policy": options.get("retry_policy"),
        "memo": [(k, to_json(v)) for k, v in memo.items()],
        "search_attributes": [(k, to_json(v)) for k, v in search_attributes.items()],
        "request_eager_start": bool(options.get("request_eager_start", False)),
    }
    check_field_types(arg)
    args = [] if arg is NO_ARG else [to_json(arg)]
    queue = options.get("task_queue") or default_task_queue
    return Start(name, id, queue, args, converted, result_type)
