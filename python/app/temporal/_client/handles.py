"""A workflow execution's handle: its operations, once, as core calls (``_Handle``), and
the two faces over them, ``WorkflowHandle`` (asyncio) and ``SyncWorkflowHandle``
(blocking, from any thread)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from app.temporal import _core
from app.temporal._client.call import Call, nothing
from app.temporal._client.core_values import described, events, seconds
from app.temporal._client.values import (
    QueryRejectCondition,
    Seconds,
    WorkflowExecutionDescription,
    WorkflowHistoryEvent,
)
from app.temporal._convert import from_json, to_json

ResultT = TypeVar("ResultT")


class _Handle(Generic[ResultT]):
    def __init__(
        self,
        core: _core.ClientCore,
        id: str,
        run_id: str | None,
        result_type: Any,
    ) -> None:
        self._core = core
        self.id = id
        self.run_id = run_id
        self.result_type = result_type

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, run_id={self.run_id!r})"

    def _result(self, timeout: Seconds | None) -> Call[ResultT]:
        pending = self._core.result(self.id, self.run_id, timeout=seconds(timeout))
        return Call(pending, lambda data: from_json(data, self.result_type))

    def _query(
        self,
        name: str,
        args: tuple[Any, ...],
        result_type: Any,
        reject_condition: QueryRejectCondition | None,
    ) -> Call[Any]:
        # Checked by the core, whose error lists the allowed names (a member is its str).
        condition = reject_condition or QueryRejectCondition.NONE
        arguments = [to_json(a) for a in args]
        pending = self._core.query(self.id, self.run_id, name, arguments, condition)
        return Call(pending, lambda data: from_json(data, result_type))

    def _signal(self, name: str, args: tuple[Any, ...]) -> Call[None]:
        pending = self._core.signal(self.id, self.run_id, name, [to_json(a) for a in args])
        return Call(pending, nothing)

    def _cancel(self, reason: str | None) -> Call[None]:
        return Call(self._core.cancel(self.id, self.run_id, reason), nothing)

    def _terminate(self, reason: str | None) -> Call[None]:
        return Call(self._core.terminate(self.id, self.run_id, reason), nothing)

    def _describe(self) -> Call[WorkflowExecutionDescription]:
        return Call(self._core.describe(self.id, self.run_id), described)

    def _history(self) -> Call[list[WorkflowHistoryEvent]]:
        return Call(self._core.history(self.id, self.run_id), events)


class WorkflowHandle(_Handle[ResultT]):
    """A workflow execution, for asyncio code."""

    async def result(self, timeout: Seconds | None = None) -> ResultT:
        """Waits for the workflow to close and returns its result (decoded into the result
        dataclass, or a dict when untyped). Raises WorkflowFailureError when it did not
        complete, WorkflowResultTimeoutError when ``timeout`` ran out first."""
        return await self._result(timeout).answer()

    async def query(
        self,
        name: str,
        *args: Any,
        result_type: Any = None,
        reject_condition: QueryRejectCondition | None = None,
    ) -> Any:
        """The answer of the workflow's query ``name`` (decoded into ``result_type`` when
        given); a closed workflow answers from its final state. With ``reject_condition``
        ``NOT_OPEN`` a closed workflow refuses instead, with ``NOT_COMPLETED_CLEANLY`` one
        that closed other than completed: WorkflowQueryRejectedError."""
        return await self._query(name, args, result_type, reject_condition).answer()

    async def signal(self, name: str, *args: Any) -> None:
        await self._signal(name, args).answer()

    async def cancel(self, reason: str | None = None) -> None:
        """Asks the workflow to cancel: a request that the workflow's code handles."""
        await self._cancel(reason).answer()

    async def terminate(self, reason: str | None = None) -> None:
        """Ends the workflow at once, without running any more of its code."""
        await self._terminate(reason).answer()

    async def describe(self) -> WorkflowExecutionDescription:
        return await self._describe().answer()

    async def fetch_history(self) -> list[WorkflowHistoryEvent]:
        return await self._history().answer()


class SyncWorkflowHandle(_Handle[ResultT]):
    """A workflow execution, with blocking calls (any thread; the GIL is released). Each
    method does what ``WorkflowHandle``'s of the same name does."""

    def result(self, timeout: Seconds | None = None) -> ResultT:
        return self._result(timeout).wait()

    def query(
        self,
        name: str,
        *args: Any,
        result_type: Any = None,
        reject_condition: QueryRejectCondition | None = None,
    ) -> Any:
        return self._query(name, args, result_type, reject_condition).wait()

    def signal(self, name: str, *args: Any) -> None:
        self._signal(name, args).wait()

    def cancel(self, reason: str | None = None) -> None:
        self._cancel(reason).wait()

    def terminate(self, reason: str | None = None) -> None:
        self._terminate(reason).wait()

    def describe(self) -> WorkflowExecutionDescription:
        return self._describe().wait()

    def fetch_history(self) -> list[WorkflowHistoryEvent]:
        return self._history().wait()
