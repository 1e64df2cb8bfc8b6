"""The Temporal client: ``TemporalClientManager``, ``Client``, ``WorkflowHandle`` and their
blocking twins ``SyncClient`` and ``SyncWorkflowHandle`` for code without an event loop.

The connection and every call run in Rust (one tokio runtime per process); asyncio is never
blocked, and blocking calls release the GIL while they wait::

    async with TemporalClientManager() as manager:
        handle = await manager.client.start_workflow(
            AILearningWorkflow.run, request, id="learning-1")
        result = await handle.result()
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import logging
import os
import threading
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Callable, Generic, TypeVar, Union, overload

from app.temporal import _core
from app.temporal._convert import check_field_types, from_json, to_json
from app.temporal.config import TemporalConfig, get_temporal_config
from app.temporal.errors import ConfigError, TemporalConnectionError
from app.temporal.worker import Worker
from app.temporal.workflow_ref import WorkflowRun

logger = logging.getLogger("app.temporal.client")

ResultT = TypeVar("ResultT")
# Union, not |: these aliases are evaluated at run time, and Python 3.9 has no | on types.
PemSource = Union[bytes, str, "os.PathLike[str]"]
Seconds = Union[float, datetime.timedelta]

_NO_ARG: Any = object()


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


def _namespace(data: str) -> NamespaceDescription:
    raw = from_json(data.encode())
    retention = raw.pop("retention_seconds")
    return NamespaceDescription(
        **raw, retention=None if retention is None else datetime.timedelta(seconds=retention)
    )


def _connect_call(
    config: TemporalConfig,
    target_host: str | None,
    namespace: str | None,
    tls: TLSConfig | None,
    api_key: str | None,
    identity: str | None,
) -> _core.Pending:
    return _core.ClientCore.connect(
        config,
        target_host=target_host,
        namespace=namespace,
        api_key=api_key,
        identity=identity,
        tls=_tls_tuple(tls),
    )


def _seconds(value: Seconds | None) -> float | None:
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return value


def _time(value: float | None) -> datetime.datetime | None:
    if value is None:
        return None
    return datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)


def _description(item: Mapping[str, Any]) -> WorkflowExecutionDescription:
    status = item["status"]
    known = {s.value for s in WorkflowExecutionStatus}
    return WorkflowExecutionDescription(
        id=item["workflow_id"],
        run_id=item["run_id"],
        workflow_type=item["workflow_type"],
        status=WorkflowExecutionStatus(status if status in known else "unspecified"),
        task_queue=item["task_queue"],
        start_time=_time(item["start_time"]),
        close_time=_time(item["close_time"]),
        execution_time=_time(item["execution_time"]),
        history_length=item["history_length"],
    )


def _events(data: str) -> list[WorkflowHistoryEvent]:
    raw = from_json(data.encode())
    return [
        WorkflowHistoryEvent(
            e["event_id"], e["event_type"], _time(e["event_time"]), e["attributes"]
        )
        for e in raw
    ]


def _pem(value: PemSource | None) -> bytes | Path | None:
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, str) and value.lstrip().startswith("-----BEGIN"):
        return value.encode()
    return Path(value)


def _tls_tuple(tls: TLSConfig | None) -> tuple[Any, Any, Any, str | None] | None:
    if tls is None:
        return None
    return (
        _pem(tls.server_root_ca_cert),
        _pem(tls.client_cert),
        _pem(tls.client_private_key),
        tls.domain,
    )


def _retry_tuple(policy: RetryPolicy | None) -> tuple[Any, ...] | None:
    if policy is None:
        return None
    return (
        _seconds(policy.initial_interval),
        policy.backoff_coefficient,
        _seconds(policy.maximum_interval),
        policy.maximum_attempts,
        list(policy.non_retryable_error_types),
    )


@dataclasses.dataclass(frozen=True)
class _Start:
    """A prepared start call, shared by the async and blocking faces."""

    workflow_type: str
    workflow_id: str
    task_queue: str
    args: list[bytes]
    options: dict[str, Any]
    result_type: Any


def _prepare_start(
    client: _ClientBase,
    workflow: WorkflowRun[Any, Any] | str,
    arg: Any,
    *,
    id: str,
    task_queue: str | None,
    execution_timeout: Seconds | None,
    run_timeout: Seconds | None,
    id_reuse_policy: WorkflowIDReusePolicy,
    id_conflict_policy: WorkflowIDConflictPolicy,
    retry_policy: RetryPolicy | None,
    memo: Mapping[str, Any] | None,
    search_attributes: Mapping[str, Any] | None,
    request_eager_start: bool,
) -> _Start:
    name = workflow.name if isinstance(workflow, WorkflowRun) else workflow
    result_type = workflow.result_type if isinstance(workflow, WorkflowRun) else None
    config = client.config
    options = {
        "execution_timeout": _seconds(execution_timeout)
        if execution_timeout is not None
        else float(config.workflow_execution_timeout),
        "run_timeout": _seconds(run_timeout)
        if run_timeout is not None
        else float(config.workflow_run_timeout),
        "id_reuse_policy": WorkflowIDReusePolicy(id_reuse_policy).value,
        "id_conflict_policy": WorkflowIDConflictPolicy(id_conflict_policy).value,
        "retry_policy": _retry_tuple(retry_policy),
        "memo": [(k, to_json(v)) for k, v in (memo or {}).items()],
        "search_attributes": [(k, to_json(v)) for k, v in (search_attributes or {}).items()],
        "request_eager_start": request_eager_start,
    }
    check_field_types(arg)
    args = [] if arg is _NO_ARG else [to_json(arg)]
    queue = task_queue or client.default_task_queue
    return _Start(name, id, queue, args, options, result_type)


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


class _HandleBase(Generic[ResultT]):
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


class WorkflowHandle(_HandleBase[ResultT]):
    """A workflow execution, for asyncio code."""

    async def result(self, timeout: Seconds | None = None) -> ResultT:
        """Waits for the workflow to close and returns its result (decoded into the result
        dataclass, or a dict when untyped). Raises WorkflowFailureError when it did not
        complete, WorkflowResultTimeoutError when ``timeout`` ran out first."""
        data = await self._core.result(self.id, self.run_id, timeout=_seconds(timeout))
        return from_json(data, self.result_type)  # type: ignore[no-any-return]

    async def query(self, name: str, *args: Any, result_type: Any = None) -> Any:
        data = await self._core.query(self.id, self.run_id, name, [to_json(a) for a in args])
        return from_json(data, result_type)

    async def signal(self, name: str, *args: Any) -> None:
        await self._core.signal(self.id, self.run_id, name, [to_json(a) for a in args])

    async def cancel(self, reason: str | None = None) -> None:
        await self._core.cancel(self.id, self.run_id, reason)

    async def terminate(self, reason: str | None = None) -> None:
        await self._core.terminate(self.id, self.run_id, reason)

    async def describe(self) -> WorkflowExecutionDescription:
        return _description(from_json((await self._core.describe(self.id, self.run_id)).encode()))

    async def fetch_history(self) -> list[WorkflowHistoryEvent]:
        return _events(await self._core.history(self.id, self.run_id))


class SyncWorkflowHandle(_HandleBase[ResultT]):
    """A workflow execution, with blocking calls (any thread; the GIL is released)."""

    def result(self, timeout: Seconds | None = None) -> ResultT:
        data = self._core.result(self.id, self.run_id, timeout=_seconds(timeout)).wait()
        return from_json(data, self.result_type)  # type: ignore[no-any-return]

    def query(self, name: str, *args: Any, result_type: Any = None) -> Any:
        data = self._core.query(self.id, self.run_id, name, [to_json(a) for a in args]).wait()
        return from_json(data, result_type)

    def signal(self, name: str, *args: Any) -> None:
        self._core.signal(self.id, self.run_id, name, [to_json(a) for a in args]).wait()

    def cancel(self, reason: str | None = None) -> None:
        self._core.cancel(self.id, self.run_id, reason).wait()

    def terminate(self, reason: str | None = None) -> None:
        self._core.terminate(self.id, self.run_id, reason).wait()

    def describe(self) -> WorkflowExecutionDescription:
        return _description(from_json(self._core.describe(self.id, self.run_id).wait().encode()))

    def fetch_history(self) -> list[WorkflowHistoryEvent]:
        return _events(self._core.history(self.id, self.run_id).wait())


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
        core = await _connect_call(config, target_host, namespace, tls, api_key, identity)
        return cls(core, config, task_queue or config.task_queue)

    async def describe_namespace(self) -> NamespaceDescription:
        """The namespace as the server describes it; raises TemporalConnectionError or
        RPCError (e.g. an unknown namespace) saying why it cannot."""
        return _namespace(await self._core.describe_namespace())

    @overload
    async def start_workflow(
        self,
        workflow: WorkflowRun[Any, ResultT],
        arg: Any = ...,
        *,
        id: str,
        task_queue: str | None = None,
        execution_timeout: Seconds | None = None,
        run_timeout: Seconds | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = ...,
        id_conflict_policy: WorkflowIDConflictPolicy = ...,
        retry_policy: RetryPolicy | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: Mapping[str, Any] | None = None,
        request_eager_start: bool = False,
    ) -> WorkflowHandle[ResultT]: ...

    @overload
    async def start_workflow(
        self,
        workflow: str,
        arg: Any = ...,
        *,
        id: str,
        task_queue: str | None = None,
        execution_timeout: Seconds | None = None,
        run_timeout: Seconds | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = ...,
        id_conflict_policy: WorkflowIDConflictPolicy = ...,
        retry_policy: RetryPolicy | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: Mapping[str, Any] | None = None,
        request_eager_start: bool = False,
    ) -> WorkflowHandle[Any]: ...

    async def start_workflow(
        self,
        workflow: WorkflowRun[Any, Any] | str,
        arg: Any = _NO_ARG,
        *,
        id: str,
        task_queue: str | None = None,
        execution_timeout: Seconds | None = None,
        run_timeout: Seconds | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        id_conflict_policy: WorkflowIDConflictPolicy = WorkflowIDConflictPolicy.FAIL,
        retry_policy: RetryPolicy | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: Mapping[str, Any] | None = None,
        request_eager_start: bool = False,
    ) -> WorkflowHandle[Any]:
        """Starts ``workflow`` (``X.run`` or a type name) with ``arg`` (a dataclass or any
        JSON-able value) on ``task_queue`` (the configured one by default).

        ``request_eager_start`` asks the server to hand the first workflow task straight to
        a ``Worker`` built on this client (``Worker(client=...)``) when it has a free slot,
        which saves a poll round trip; otherwise the start is an ordinary one."""
        start = _prepare_start(
            self,
            workflow,
            arg,
            id=id,
            task_queue=task_queue,
            execution_timeout=execution_timeout,
            run_timeout=run_timeout,
            id_reuse_policy=id_reuse_policy,
            id_conflict_policy=id_conflict_policy,
            retry_policy=retry_policy,
            memo=memo,
            search_attributes=search_attributes,
            request_eager_start=request_eager_start,
        )
        run_id = await self._core.start_workflow(
            start.workflow_type, start.workflow_id, start.task_queue, start.args, **start.options
        )
        return WorkflowHandle(self._core, start.workflow_id, run_id, start.result_type)

    async def execute_workflow(
        self, workflow: WorkflowRun[Any, Any] | str, arg: Any = _NO_ARG, **kwargs: Any
    ) -> Any:
        """``start_workflow`` then ``result``."""
        handle = await self.start_workflow(workflow, arg, **kwargs)
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
        token, seen = b"", 0
        while limit is None or seen < limit:
            items, token = await self._core.list_page(query, page_size, token)
            for item in from_json(items.encode()):
                if limit is not None and seen >= limit:
                    return
                seen += 1
                yield _description(item)
            if not token:
                return

    async def count_workflows(self, query: str = "") -> int:
        return int(await self._core.count(query))

    async def check_namespace(self) -> None:
        """Returns when the server answers for the namespace (DescribeNamespace); raises
        TemporalConnectionError or RPCError (e.g. an unknown namespace) saying why not."""
        await self._core.health_check()

    @property
    def blocking(self) -> SyncClient:
        """The same client with blocking calls, for code without an event loop."""
        return SyncClient(self._core, self.config, self.default_task_queue)


class SyncClient(_ClientBase):
    """A connected client with blocking calls: safe from any thread, never holding the GIL
    while it waits. Get one from ``TemporalClientManager.connect_sync()``."""

    def start_workflow(
        self,
        workflow: WorkflowRun[Any, ResultT] | str,
        arg: Any = _NO_ARG,
        *,
        id: str,
        task_queue: str | None = None,
        execution_timeout: Seconds | None = None,
        run_timeout: Seconds | None = None,
        id_reuse_policy: WorkflowIDReusePolicy = WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        id_conflict_policy: WorkflowIDConflictPolicy = WorkflowIDConflictPolicy.FAIL,
        retry_policy: RetryPolicy | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: Mapping[str, Any] | None = None,
        request_eager_start: bool = False,
    ) -> SyncWorkflowHandle[ResultT]:
        start = _prepare_start(
            self,
            workflow,
            arg,
            id=id,
            task_queue=task_queue,
            execution_timeout=execution_timeout,
            run_timeout=run_timeout,
            id_reuse_policy=id_reuse_policy,
            id_conflict_policy=id_conflict_policy,
            retry_policy=retry_policy,
            memo=memo,
            search_attributes=search_attributes,
            request_eager_start=request_eager_start,
        )
        run_id = self._core.start_workflow(
            start.workflow_type, start.workflow_id, start.task_queue, start.args, **start.options
        ).wait()
        return SyncWorkflowHandle(self._core, start.workflow_id, run_id, start.result_type)

    def execute_workflow(
        self, workflow: WorkflowRun[Any, Any] | str, arg: Any = _NO_ARG, **kwargs: Any
    ) -> Any:
        return self.start_workflow(workflow, arg, **kwargs).result()

    def get_workflow_handle(
        self, id: str, *, run_id: str | None = None, result_type: Any = None
    ) -> SyncWorkflowHandle[Any]:
        return SyncWorkflowHandle(self._core, id, run_id, result_type)

    def list_workflows(
        self, query: str = "", *, limit: int | None = None, page_size: int = 100
    ) -> Iterator[WorkflowExecutionDescription]:
        token, seen = b"", 0
        while limit is None or seen < limit:
            items, token = self._core.list_page(query, page_size, token).wait()
            for item in from_json(items.encode()):
                if limit is not None and seen >= limit:
                    return
                seen += 1
                yield _description(item)
            if not token:
                return

    def count_workflows(self, query: str = "") -> int:
        return int(self._core.count(query).wait())

    def check_namespace(self) -> None:
        """Returns when the server answers for the namespace; raises saying why not."""
        self._core.health_check().wait()

    def describe_namespace(self) -> NamespaceDescription:
        """The namespace as the server describes it."""
        return _namespace(self._core.describe_namespace().wait())


class TemporalClientManager:
    """Connects to Temporal with the app's configuration and runs workers, as the original
    integration's manager did.

    After construction ``target_host``, ``namespace`` and ``task_queue`` hold the effective
    values: the given ones, else the configuration's (``config``, by default the shared
    ``TemporalConfig``); ``tls_config`` is the given TLSConfig, None meaning the
    configuration's TLS settings. ``client`` is None until ``connect()``."""

    def __init__(
        self,
        target_host: str | None = None,
        namespace: str | None = None,
        task_queue: str | None = None,
        tls_config: TLSConfig | None = None,
        *,
        config: TemporalConfig | None = None,
        api_key: str | None = None,
        identity: str | None = None,
    ) -> None:
        self.config = config if config is not None else get_temporal_config()
        address, configured_namespace = self.config.connection_target()
        self.target_host: str = target_host or address
        self.namespace: str = namespace or configured_namespace
        self.task_queue: str = task_queue or self.config.task_queue
        self.tls_config = tls_config
        self._api_key = api_key
        self.identity = identity
        self._client: Client | None = None
        self._workers: list[Worker] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        state = "connected" if self._client is not None else "not connected"
        return f"TemporalClientManager({self.target_host}, namespace={self.namespace!r}, {state})"

    def _adopt(self, client: Client) -> Client:
        with self._lock:
            kept = self._client if self._client is not None else client
            self._client = kept
        if kept is client:
            logger.info("connected to %s, namespace %s", self.target_host, self.namespace)
        elif isinstance(client, _ClientBase):
            client.close()  # another call connected first: keep its client
        return kept

    async def connect(self) -> Client:
        """Connects (once: later calls return the same client) through ``Client.connect``
        and returns the client, also kept in ``client``. Raises TemporalConnectionError (a
        ``ConnectionError``) naming the address and the cause when it cannot connect, and
        ConfigError for settings that cannot work."""
        if self._client is not None:
            return self._client
        logger.info("connecting to %s, namespace %s", self.target_host, self.namespace)
        try:
            client = await Client.connect(
                self.target_host,
                namespace=self.namespace,
                tls=self.tls_config,
                api_key=self._api_key,
                identity=self.identity,
                config=self.config,
                task_queue=self.task_queue,
            )
        except (TemporalConnectionError, ConfigError):
            raise
        except Exception as e:
            logger.error("cannot connect to Temporal at %s: %s", self.target_host, e)
            raise TemporalConnectionError(
                f"cannot connect to Temporal at {self.target_host}: {e}", self.target_host
            ) from e
        return self._adopt(client)

    def connect_sync(self) -> SyncClient:
        """Connects (once) from any thread and returns the blocking client."""
        if self._client is None:
            core = _connect_call(
                self.config,
                self.target_host,
                self.namespace,
                self.tls_config,
                self._api_key,
                self.identity,
            ).wait()
            self._adopt(Client(core, self.config, self.task_queue))
        assert self._client is not None
        return self._client.blocking

    @property
    def client(self) -> Client | None:
        """The connected client, or None before ``connect()`` (and after ``disconnect()``)."""
        return self._client

    @property
    def is_connected(self) -> bool:
        return self._client is not None

    def create_worker(
        self,
        workflows: Sequence[Any],
        activities: Sequence[Callable[..., Any] | str],
        max_concurrent_activities: int = 100,
        max_concurrent_workflow_tasks: int = 100,
    ) -> Worker:
        """A worker on the manager's task queue that hosts exactly ``workflows`` (classes
        such as ``AILearningWorkflow``) and ``activities`` (functions of
        ``app.temporal.activities``, e.g. ``image_activities``), with these slot counts;
        kept in ``_workers``. Run it with ``run_worker``. Raises RuntimeError before
        ``connect()``, WorkerError for a workflow or activity this package cannot host."""
        if self._client is None:
            raise RuntimeError("Client not connected. Call connect() first.")
        worker = Worker(
            self._client,
            task_queue=self.task_queue,
            workflows=list(workflows),
            activities=list(activities),
            max_concurrent_activities=max_concurrent_activities,
            max_concurrent_workflow_tasks=max_concurrent_workflow_tasks,
        )
        self._workers.append(worker)
        logger.info(
            "created a worker for task queue %r with %d workflows and %d activities",
            self.task_queue,
            len(workflows),
            len(activities),
        )
        return worker

    async def run_worker(self, worker: Worker) -> None:
        """Runs ``worker`` until it is shut down or the task running this is cancelled;
        then it stops gracefully (running activities get ``graceful_shutdown_timeout``)."""
        import asyncio  # here: `import app.temporal` stays cheap for the app

        logger.info("starting a worker on task queue %r", worker.task_queue)
        try:
            await worker.run()
        except asyncio.CancelledError:
            logger.info("worker cancelled; it stopped gracefully")
            raise

    async def health_check(self) -> bool:
        """False before ``connect()``; otherwise True when the server answers for the
        namespace (``client.describe_namespace()``), False with a logged warning when not."""
        client = self._client
        if client is None:
            return False
        try:
            await client.describe_namespace()
            return True
        except Exception as e:
            logger.warning("Temporal health check failed: %s", e)
            return False

    def _forget(self) -> tuple[Client | None, list[Worker]]:
        with self._lock:
            client, self._client = self._client, None
            workers, self._workers = self._workers, []
        return client, workers

    async def disconnect(self) -> None:
        """Stops the workers this manager created (gracefully), closes the connection, and
        forgets both: ``client`` is None and ``_workers`` empty. Calling it twice is fine."""
        client, workers = self._forget()
        for worker in workers:
            if isinstance(worker, Worker) and worker.is_running:
                await worker.shutdown()
        self._close(client)

    def disconnect_sync(self) -> None:
        """``disconnect`` for code without an event loop: stops polling of the manager's
        workers, then closes the connection."""
        client, workers = self._forget()
        for worker in workers:
            if isinstance(worker, Worker):
                worker.begin_shutdown()
        self._close(client)

    def _close(self, client: Client | None) -> None:
        # The base class: code that patches `Client` (as the original's tests do) hands
        # the manager mocks, which have nothing to close.
        if isinstance(client, _ClientBase):
            client.close()
            logger.info("disconnected from %s", self.target_host)

    async def __aenter__(self) -> TemporalClientManager:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.disconnect()

    def __enter__(self) -> TemporalClientManager:
        self.connect_sync()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.disconnect_sync()

    @classmethod
    async def create_cloud_client(
        cls,
        namespace: str,
        client_cert_path: str | os.PathLike[str],
        client_key_path: str | os.PathLike[str],
        api_key: str | None = None,
    ) -> TemporalClientManager:
        """A connected manager for Temporal Cloud: the address ``<namespace>.tmprl.cloud:7233``,
        mTLS with the given certificate and key, and the API key when given."""
        config = TemporalConfig(
            cloud_namespace=namespace,
            cloud_cert_path=client_cert_path,
            cloud_key_path=client_key_path,
            cloud_api_key=api_key,
        )
        manager = cls(_core.cloud_address(namespace), namespace, config=config)
        await manager.connect()
        return manager


__all__ = [
    "Client",
    "NamespaceDescription",
    "RetryPolicy",
    "SyncClient",
    "SyncWorkflowHandle",
    "TLSConfig",
    "TemporalClientManager",
    "Worker",
    "WorkflowExecutionDescription",
    "WorkflowExecutionStatus",
    "WorkflowHandle",
    "WorkflowHistoryEvent",
    "WorkflowIDConflictPolicy",
    "WorkflowIDReusePolicy",
]
