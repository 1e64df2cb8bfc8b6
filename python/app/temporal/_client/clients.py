"""A connected client: its operations, once, as core calls (``_ClientBase``), and the two
faces over them, ``Client`` (asyncio) and ``SyncClient`` (blocking, from any thread)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, overload

from app.temporal import _core
from app.temporal._client.call import Call, nothing
from app.temporal._client.core_values import description, namespace
from app.temporal._client.handles import SyncWorkflowHandle, WorkflowHandle
from app.temporal._client.start import NO_ARG, Start, StartOptions, prepare
from app.temporal._client.values import (
    NamespaceDescription,
    TLSConfig,
    WorkflowExecutionDescription,
)
from app.temporal._convert import from_json
from app.temporal.config import TemporalConfig, get_temporal_config
from app.temporal.workflow_ref import WorkflowRun

if TYPE_CHECKING:
    from typing_extensions import Unpack

ResultT = TypeVar("ResultT")


def connect_call(
    config: TemporalConfig,
    target_host: str | None,
    namespace: str | None,
    tls: TLSConfig | None,
    api_key: str | None,
    identity: str | None,
) -> _core.Pending:
    """The core call that connects; its answer is a ``_core.ClientCore``."""
    return _core.ClientCore.connect(
        config,
        target_host=target_host,
        namespace=namespace,
        api_key=api_key,
        identity=identity,
        tls=tls,
    )


class _Pages:
    """``list_workflows``' paging, for both faces: the next page's call, and which of its
    executions to give (at most ``limit`` in all)."""

    def __init__(self, core: _core.ClientCore, query: str, limit: int | None, size: int) -> None:
        self._core, self._query, self._limit, self._size = core, query, limit, size
        self._token: bytes | None = b""
        self._given = 0

    def next(self) -> Call[list[WorkflowExecutionDescription]] | None:
        """The call for the next page, or None when every wanted execution was given."""
        if self._token is None or (self._limit is not None and self._given >= self._limit):
            return None
        return Call(self._core.list_page(self._query, self._size, self._token), self._take)

    def _take(self, answer: tuple[str, bytes]) -> list[WorkflowExecutionDescription]:
        items, token = answer
        page = from_json(items.encode())
        if self._limit is not None:
            page = page[: self._limit - self._given]
        self._given += len(page)
        self._token = token or None
        return [description(item) for item in page]


class _ClientBase:
    def __init__(self, core: _core.ClientCore, config: TemporalConfig, task_queue: str) -> None:
        self._core = core
        self.config = config
        self.default_task_queue = task_queue

    @property
    def namespace(self) -> str:
        return self._core.namespace

    @property
    def address(self) -> str:
        return self._core.address

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.address}, namespace={self.namespace!r})"

    def close(self) -> None:
        """Closes the connection; handles and twins made from this client stop working.
        Calling it twice is fine."""
        self._core.close()

    def _start(
        self, workflow: WorkflowRun[Any, Any] | str, arg: Any, id: str, options: StartOptions
    ) -> tuple[Start, Call[str]]:
        start = prepare(self.config, self.default_task_queue, workflow, arg, id, options)
        return start, Call(start.call(self._core), str)

    def _pages(self, query: str, limit: int | None, page_size: int) -> _Pages:
        return _Pages(self._core, query, limit, page_size)

    def _count(self, query: str) -> Call[int]:
        return Call(self._core.count(query), int)

    def _health_check(self) -> Call[None]:
        return Call(self._core.health_check(), nothing)

    def _describe_namespace(self) -> Call[NamespaceDescription]:
        return Call(self._core.describe_namespace(), namespace)


class Client(_ClientBase):
    """A connected client, for asyncio code: ``await Client.connect(...)``, or from
    ``TemporalClientManager``."""

    @classmethod
    async def connect(
        cls,
        target_host: str | None = None,
        *,
        namespace: str | None = None,
        tls: TLSConfig | None = None,
        api_key: str | None = None,
        identity: str | None = None,
        config: TemporalConfig | None = None,
        task_queue: str | None = None,
    ) -> Client:
        """Connects, as the official SDK's ``Client.connect`` does. What is not given comes
        from ``config`` (the shared configuration by default): the address, namespace, TLS
        (``tls=None``: the configuration's TLS settings), API key and identity.
        ``task_queue`` is the default for ``start_workflow``. Raises
        TemporalConnectionError naming the address and the cause within the configured
        connect timeout."""
        config = config if config is not None else get_temporal_config()
        core = await connect_call(config, target_host, namespace, tls, api_key, identity)
        return cls(core, config, task_queue or config.task_queue)

    async def describe_namespace(self) -> NamespaceDescription:
        """The namespace as the server describes it; raises TemporalConnectionError or
        RPCError (e.g. an unknown namespace) saying why it cannot."""
        return await self._describe_namespace().answer()

    @overload
    async def start_workflow(
        self,
        workflow: WorkflowRun[Any, ResultT],
        arg: Any = ...,
        *,
        id: str,
        **options: Unpack[StartOptions],
    ) -> WorkflowHandle[ResultT]: ...

    @overload
    async def start_workflow(
        self, workflow: str, arg: Any = ..., *, id: str, **options: Unpack[StartOptions]
    ) -> WorkflowHandle[Any]: ...

    async def start_workflow(
        self,
        workflow: WorkflowRun[Any, Any] | str,
        arg: Any = NO_ARG,
        *,
        id: str,
        **options: Unpack[StartOptions],
    ) -> WorkflowHandle[Any]:
        """Starts ``workflow`` (``X.run`` or a type name) with ``arg`` (a dataclass or any
        JSON-able value) under the workflow id ``id``; ``options`` are StartOptions'
        (task queue, timeouts, ID policies, retry policy, memo, search attributes, eager
        start)."""
        start, call = self._start(workflow, arg, id, options)
        run_id = await call.answer()
        return WorkflowHandle(self._core, start.workflow_id, run_id, start.result_type)

    @overload
    async def execute_workflow(
        self,
        workflow: WorkflowRun[Any, ResultT],
        arg: Any = ...,
        *,
        id: str,
        **options: Unpack[StartOptions],
    ) -> ResultT: ...

    @overload
    async def execute_workflow(
        self, workflow: str, arg: Any = ..., *, id: str, **options: Unpack[StartOptions]
    ) -> Any: ...

    async def execute_workflow(
        self,
        workflow: WorkflowRun[Any, Any] | str,
        arg: Any = NO_ARG,
        *,
        id: str,
        **options: Unpack[StartOptions],
    ) -> Any:
        """``start_workflow`` then ``result``: a workflow started by name returns its result
        as JSON values (a dict for a dataclass)."""
        handle = await self.start_workflow(workflow, arg, id=id, **options)
        return await handle.result()

    def get_workflow_handle(
        self, id: str, *, run_id: str | None = None, result_type: Any = None
    ) -> WorkflowHandle[Any]:
        """A handle on an existing workflow (no call is made until it is used)."""
        return WorkflowHandle(self._core, id, run_id, result_type)

    async def list_workflows(
        self, query: str = "", *, limit: int | None = None, page_size: int = 100
    ) -> AsyncIterator[WorkflowExecutionDescription]:
        """Executions matching a visibility query (``WorkflowType='X'``, ...), newest first."""
        pages = self._pages(query, limit, page_size)
        while (call := pages.next()) is not None:
            for execution in await call.answer():
                yield execution

    async def count_workflows(self, query: str = "") -> int:
        return await self._count(query).answer()

    async def check_namespace(self) -> None:
        """Returns when the server answers for the namespace (DescribeNamespace); raises
        TemporalConnectionError or RPCError (e.g. an unknown namespace) saying why not."""
        await self._health_check().answer()

    @property
    def blocking(self) -> SyncClient:
        """The same client with blocking calls, for code without an event loop."""
        return SyncClient(self._core, self.config, self.default_task_queue)


class SyncClient(_ClientBase):
    """A connected client with blocking calls: safe from any thread, never holding the GIL
    while it waits. Get one from ``TemporalClientManager.connect_sync()``. Each method does
    what ``Client``'s of the same name does."""

    @overload
    def start_workflow(
        self,
        workflow: WorkflowRun[Any, ResultT],
        arg: Any = ...,
        *,
        id: str,
        **options: Unpack[StartOptions],
    ) -> SyncWorkflowHandle[ResultT]: ...

    @overload
    def start_workflow(
        self, workflow: str, arg: Any = ..., *, id: str, **options: Unpack[StartOptions]
    ) -> SyncWorkflowHandle[Any]: ...

    def start_workflow(
        self,
        workflow: WorkflowRun[Any, Any] | str,
        arg: Any = NO_ARG,
        *,
        id: str,
        **options: Unpack[StartOptions],
    ) -> SyncWorkflowHandle[Any]:
        start, call = self._start(workflow, arg, id, options)
        run_id = call.wait()
        return SyncWorkflowHandle(self._core, start.workflow_id, run_id, start.result_type)

    @overload
    def execute_workflow(
        self,
        workflow: WorkflowRun[Any, ResultT],
        arg: Any = ...,
        *,
        id: str,
        **options: Unpack[StartOptions],
    ) -> ResultT: ...

    @overload
    def execute_workflow(
        self, workflow: str, arg: Any = ..., *, id: str, **options: Unpack[StartOptions]
    ) -> Any: ...

    def execute_workflow(
        self,
        workflow: WorkflowRun[Any, Any] | str,
        arg: Any = NO_ARG,
        *,
        id: str,
        **options: Unpack[StartOptions],
    ) -> Any:
        return self.start_workflow(workflow, arg, id=id, **options).result()

    def get_workflow_handle(
        self, id: str, *, run_id: str | None = None, result_type: Any = None
    ) -> SyncWorkflowHandle[Any]:
        return SyncWorkflowHandle(self._core, id, run_id, result_type)

    def list_workflows(
        self, query: str = "", *, limit: int | None = None, page_size: int = 100
    ) -> Iterator[WorkflowExecutionDescription]:
        pages = self._pages(query, limit, page_size)
        while (call := pages.next()) is not None:
            yield from call.wait()

    def count_workflows(self, query: str = "") -> int:
        return self._count(query).wait()

    def check_namespace(self) -> None:
        self._health_check().wait()

    def describe_namespace(self) -> NamespaceDescription:
        return self._describe_namespace().wait()
