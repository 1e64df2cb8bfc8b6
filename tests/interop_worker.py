"""A worker of the official Temporal Python SDK (a test dependency) hosting a small echo
workflow, so the client's results, queries, signals and cancels are tested against a real
worker of another SDK."""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import workflow
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

ECHO_QUEUE = "interop-echo"


@workflow.defn(name="EchoWorkflow")
class EchoWorkflow:
    def __init__(self) -> None:
        self.received: list[str] = []
        self.finished = False

    @workflow.run
    async def run(self, arg: dict[str, Any]) -> dict[str, Any]:
        if arg.get("fail"):
            raise ApplicationError(arg["fail"], type="EchoFailure", non_retryable=True)
        if arg.get("wait_for_signal"):
            await workflow.wait_condition(lambda: self.finished)
        return {"echo": arg, "signals": self.received}

    @workflow.signal(name="add")
    def add(self, value: str) -> None:
        self.received.append(value)

    @workflow.signal(name="finish")
    def finish(self) -> None:
        self.finished = True

    @workflow.query(name="signals")
    def signals(self) -> list[str]:
        return self.received


async def run_echo_worker(address: str, polling: asyncio.Event, stop: asyncio.Event) -> None:
    """Runs the echo worker until `stop`; sets `polling` once it is running (the SDK
    starts its pollers when the `async with` is entered)."""
    client = await Client.connect(address)
    async with Worker(client, task_queue=ECHO_QUEUE, workflows=[EchoWorkflow]):
        polling.set()
        await stop.wait()
