"""References to workflows by type name, carrying their argument and result types, so that
``client.start_workflow(AILearningWorkflow.run, request, ...)`` knows what to send and how to
decode the result."""

from __future__ import annotations

import dataclasses
from typing import Any, Generic, TypeVar

ArgT = TypeVar("ArgT")
ResultT = TypeVar("ResultT")


@dataclasses.dataclass(frozen=True)
class WorkflowRun(Generic[ArgT, ResultT]):
    """The ``run`` entry point of a workflow type: its name as every Temporal client knows
    it, the type of its one argument and the type of its result."""

    name: str
    arg_type: Any = None
    result_type: Any = None

    def __str__(self) -> str:
        return self.name
