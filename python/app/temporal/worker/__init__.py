"""The worker: hosts the workflows and activities (in Rust) on the configured task queue.

In process, beside a client::

    async with Worker() as worker:      # polls until the block ends, then drains
        ...

Like the official SDK's worker, it can host a chosen subset (a specialised worker, e.g.
image generation alone on a GPU host, on its own task queue)::

    Worker(client, task_queue="gpu", workflows=[ImageGenerationWorkflow],
           activities=image_activities)

As a process: ``python -m app.temporal.worker`` runs until SIGINT or SIGTERM, then stops
polling, lets running activities finish within ``graceful_shutdown_timeout`` and exits 0;
a second signal exits at once. ``asyncio.run(main())`` does the same from code, as the
original integration's entry point did.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType, TracebackType
from typing import Any, NamedTuple, Optional, Union

from app.temporal import _core
from app.temporal._client.clients import Client
from app.temporal.config import TemporalConfig, get_temporal_config
from app.temporal.errors import TemporalError
from app.temporal.workflow_ref import WorkflowRun

logger = logging.getLogger("app.temporal.worker")


class HostedGroup(NamedTuple):
    """A workflow type a worker can host, with the activities it runs."""

    workflow: str
    activities: tuple[str, ...]


WORKER_GROUPS: Mapping[str, HostedGroup] = MappingProxyType(
    {name: HostedGroup(workflow, tuple(acts)) for name, workflow, acts in _core.worker_groups()}
)
"""What a worker can host, by short name (learning, image, data, memory, probe); read from
the Rust registry that the worker registers from."""

WORKFLOW_TYPES: tuple[str, ...] = tuple(g.workflow for g in WORKER_GROUPS.values())
"""The workflow type names this package's worker can host."""

ACTIVITY_NAMES: tuple[str, ...] = tuple(a for g in WORKER_GROUPS.values() for a in g.activities)
"""The activity names this package's worker can host."""

WorkflowChoice = Union[type, WorkflowRun[Any, Any], str]
"""A workflow class with a ``run`` reference (``AILearningWorkflow``), the reference itself,
or a type name."""
ActivityChoice = Union[Callable[..., Any], str]
"""An activity function of ``app.temporal.activities`` (by its name), or an activity name."""


def _workflow_name(workflow: WorkflowChoice) -> str:
    if isinstance(workflow, str):
        return workflow
    if isinstance(workflow, WorkflowRun):
        return workflow.name
    run = getattr(workflow, "run", None)
    if isinstance(run, WorkflowRun):
        return run.name
    raise TypeError(
        f"{workflow!r} is not a workflow: give a workflow class such as AILearningWorkflow, "
        f"its .run, or a type name ({', '.join(WORKFLOW_TYPES)})"
    )


def _activity_name(activity: ActivityChoice) -> str:
    if isinstance(activity, str):
        return activity
    name = getattr(activity, "__name__", None)
    if callable(activity) and isinstance(name, str):
        return name
    raise TypeError(
        f"{activity!r} is not an activity: give a function of app.temporal.activities or an "
        f"activity name ({', '.join(ACTIVITY_NAMES)})"
    )


def _names(items: Optional[Iterable[Any]], name_of: Callable[[Any], str]) -> Optional[list[str]]:
    return None if items is None else [name_of(item) for item in items]


class Worker:
    """A worker for ``task_queue`` (the configured one by default).

    It connects with ``config`` (the shared configuration by default) unless given a
    connected ``client``; the official SDK's ``Worker(client, task_queue=...)`` form works
    too. ``workflows`` and ``activities`` choose what it hosts: None hosts every one of that
    kind, a list exactly those (``[]`` none); an unknown name raises WorkerError naming
    the ones it can host. ``max_concurrent_activities`` and ``max_concurrent_workflow_tasks``
    override the configured slot counts."""

    def __init__(
        self,
        config: Union[TemporalConfig, Client, None] = None,
        *,
        task_queue: Optional[str] = None,
        client: Optional[Client] = None,
        workflows: Optional[Sequence[WorkflowChoice]] = None,
        activities: Optional[Sequence[ActivityChoice]] = None,
        max_concurrent_activities: Optional[int] = None,
        max_concurrent_workflow_tasks: Optional[int] = None,
    ) -> None:
        if config is not None and not isinstance(config, TemporalConfig):
            if client is not None and client is not config:
                raise TypeError("Worker got two clients: pass the client once")
            client, config = config, config.config
        self.config = config if config is not None else get_temporal_config()
        self.task_queue = task_queue or self.config.task_queue
        self.workflows = _names(workflows, _workflow_name)
        self.activities = _names(activities, _activity_name)
        _core.check_worker_hosting(self.workflows, self.activities)
        self.max_concurrent_activities = max_concurrent_activities
        self.max_concurrent_workflow_tasks = max_concurrent_workflow_tasks
        self._client = client
        self._owns_client = False
        self._core: Optional[_core.WorkerCore] = None

    def __repr__(self) -> str:
        state = "running" if self.is_running else "stopped"
        return f"Worker(task_queue={self.task_queue!r}, {state})"

    @property
    def is_running(self) -> bool:
        return self._core is not None and self._core.is_running()

    async def start(self) -> Worker:
        """Connects when needed and starts polling."""
        if self._core is not None:
            return self
        _core.set_log_level(self.config.log_level)
        if self._client is None:
            self._client = await Client.connect(config=self.config, task_queue=self.task_queue)
            self._owns_client = True
        self._core = _core.WorkerCore.start(
            self._client._core,
            self.config,
            self.task_queue,
            workflows=self.workflows,
            activities=self.activities,
            max_concurrent_activities=self.max_concurrent_activities,
            max_concurrent_workflow_tasks=self.max_concurrent_workflow_tasks,
        )
        logger.info(
            "worker started on %s, task queue %s, identity %s",
            self.config.get_connection_string(),
            self.task_queue,
            self.config.worker_identity,
        )
        return self

    def begin_shutdown(self) -> None:
        """Stops polling; running activities get ``graceful_shutdown_timeout`` seconds."""
        if self._core is not None:
            logger.info(
                "worker stopping: no new tasks; running activities have up to %s s",
                self.config.graceful_shutdown_timeout,
            )
            self._core.shutdown()

    async def wait(self) -> None:
        """Returns when the worker has stopped."""
        if self._core is not None:
            await self._core.wait()

    async def run(self) -> None:
        """Starts (when needed) and runs until ``shutdown()`` or ``begin_shutdown()``. When
        the task running it is cancelled, the worker stops gracefully, then the
        cancellation goes on."""
        await self.start()
        try:
            await self.wait()
        except BaseException:
            await self.shutdown()
            raise

    async def shutdown(self) -> None:
        """Stops gracefully and waits for it; then closes the connection it opened."""
        self.begin_shutdown()
        await self.wait()
        logger.info("worker stopped")
        self._close_own_client()

    def _close_own_client(self) -> None:
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client, self._owns_client = None, False

    async def __aenter__(self) -> Worker:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.shutdown()


def hosting(groups: Optional[Iterable[str]]) -> tuple[Optional[list[str]], Optional[list[str]]]:
    """The workflow types and activities of the named groups (``WORKER_GROUPS``); None for
    every one. An unknown group raises ValueError naming the groups."""
    if groups is None:
        return None, None
    chosen = list(groups)
    unknown = [g for g in chosen if g not in WORKER_GROUPS]
    if unknown:
        raise ValueError(
            f"{unknown[0]!r} is not a workflow group; the groups are: {', '.join(WORKER_GROUPS)}"
        )
    workflows = [WORKER_GROUPS[g].workflow for g in chosen]
    return workflows, [a for g in chosen for a in WORKER_GROUPS[g].activities]


async def serve(
    config: TemporalConfig,
    task_queue: Optional[str] = None,
    groups: Optional[Iterable[str]] = None,
) -> int:
    """Runs a worker (every workflow, or those of ``groups``) until SIGINT or SIGTERM; a
    second signal exits at once."""
    # Imported here, not at module level: `import app.temporal` stays cheap for the app.
    import asyncio
    import signal

    logger.info("configuration: %r", config)
    workflows, activities = hosting(groups)
    worker = Worker(config, task_queue=task_queue, workflows=workflows, activities=activities)
    signals = 0

    def on_signal(number: int) -> None:
        nonlocal signals
        signals += 1
        if signals == 1:
            logger.info(
                "received %s: shutting down gracefully; send it again to exit at once",
                signal.Signals(number).name,
            )
            worker.begin_shutdown()
        else:
            logger.warning("received %s again: exiting now", signal.Signals(number).name)
            os._exit(1)

    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, on_signal, number)
    try:
        await worker.start()
        await worker.wait()
    except TemporalError as e:
        logger.error("worker error: %s", e)
        return 1
    finally:
        worker._close_own_client()
    logger.info("worker shutdown complete")
    return 0


def _log_to_stderr(config: TemporalConfig) -> None:
    logging.basicConfig(
        level=getattr(logging, config.log_level if config.log_level != "TRACE" else "DEBUG"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


async def main() -> int:
    """The original integration's entry point (``asyncio.run(main())``): a worker hosting
    every workflow and activity with the shared configuration, until SIGINT or SIGTERM.
    Returns the exit code: 0 after a graceful stop, 1 when the worker failed, 2 for a bad
    configuration."""
    try:
        config = get_temporal_config()
    except TemporalError as e:
        logger.error("%s", e)
        return 2
    _log_to_stderr(config)
    return await serve(config)


def cli(argv: Optional[list[str]] = None) -> int:
    """``python -m app.temporal.worker [--task-queue Q] [--workflows learning,image]``."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m app.temporal.worker",
        description="Run the Project-AI Temporal worker until SIGINT or SIGTERM.",
    )
    parser.add_argument("--task-queue", help="task queue to poll (default: the configured one)")
    add_workflows_option(parser)
    args = parser.parse_args(argv)
    try:
        config = get_temporal_config()
    except TemporalError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return run_process(config, args.task_queue, args.workflows)


def add_workflows_option(parser: Any) -> None:
    """The ``--workflows`` option of the worker commands."""
    parser.add_argument(
        "--workflows",
        type=_groups,
        metavar="GROUPS",
        help=(
            "host only these workflows and their activities, comma-separated: "
            f"{', '.join(WORKER_GROUPS)} (default: all)"
        ),
    )


def _groups(text: str) -> list[str]:
    import argparse

    groups = [g.strip() for g in text.split(",") if g.strip()]
    try:
        hosting(groups)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return groups


def run_process(
    config: TemporalConfig,
    task_queue: Optional[str] = None,
    groups: Optional[Iterable[str]] = None,
) -> int:
    """The worker as the main thing of a process: logs to stderr at the configured level and
    serves until SIGINT or SIGTERM. Returns the exit code."""
    import asyncio

    _log_to_stderr(config)
    return asyncio.run(serve(config, task_queue, groups))
