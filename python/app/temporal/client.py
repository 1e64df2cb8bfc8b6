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

import logging
import os
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Callable

from app.temporal import _core
from app.temporal._client.clients import Client, SyncClient, _ClientBase, connect_call
from app.temporal._client.handles import SyncWorkflowHandle, WorkflowHandle
from app.temporal._client.start import StartOptions
from app.temporal._client.values import (
    NamespaceDescription,
    QueryRejectCondition,
    RetryPolicy,
    TLSConfig,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowHistoryEvent,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from app.temporal.config import TemporalConfig, get_temporal_config
from app.temporal.errors import ConfigError, TemporalConnectionError
from app.temporal.worker import Worker

logger = logging.getLogger("app.temporal.client")


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
            core = connect_call(
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
    "QueryRejectCondition",
    "RetryPolicy",
    "StartOptions",
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
