"""Benchmark: workflow starts per second from Python at a fixed number in flight, this
project's client against the official `temporalio` client, on the same dev server in the
same run (runs alternate which client goes first). Nothing runs the workflows: this
measures the client and the server's start path only. Beside the rate it records the CPU
each start costs the client process (all its threads) and the dev server (from /proc),
which tells whether the client or the server bounds the rate.

    python benchmarks/client_starts.py --count 1000 --in-flight 100 --runs 5 --report
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import statistics
import uuid
from collections.abc import Awaitable, Callable

from _common import add_report_option, publish, spread, timed_batch

from app.temporal import DevServer, TemporalClientManager, TemporalConfig

Starter = Callable[[str], Awaitable[object]]


async def ours(address: str, queue: str) -> tuple[Starter, Callable[[], Awaitable[None]]]:
    manager = TemporalClientManager(config=TemporalConfig(env_file=None, host=address))
    client = await manager.connect()

    async def start(workflow_id: str) -> object:
        return await client.start_workflow(
            "BenchWorkflow", {"n": 1}, id=workflow_id, task_queue=queue
        )

    return start, manager.disconnect


async def official(address: str, queue: str) -> tuple[Starter, Callable[[], Awaitable[None]]]:
    from temporalio.client import Client

    client = await Client.connect(address)

    async def start(workflow_id: str) -> object:
        return await client.start_workflow(
            "BenchWorkflow",
            {"n": 1},
            id=workflow_id,
            task_queue=queue,
            # The timeouts this project's client sets from TemporalConfig: equal server work.
            execution_timeout=datetime.timedelta(seconds=3600),
            run_timeout=datetime.timedelta(seconds=1800),
        )

    async def close() -> None:
        return None

    return start, close


async def measure(
    start: Starter, count: int, in_flight: int, server_pid: int
) -> tuple[float, float, float]:
    """(starts per second, client CPU ms per start, server CPU ms per start) for `count`
    starts with at most `in_flight` outstanding."""
    prefix = uuid.uuid4().hex[:8]
    batch = await timed_batch(lambda i: start(f"bench-{prefix}-{i}"), count, in_flight, server_pid)
    return batch.per_second, batch.own_cpu_ms, batch.server_cpu_ms


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--in-flight", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    add_report_option(parser)
    args = parser.parse_args()

    names = ("project-ai-temporal", "temporalio")
    rates: dict[str, list[float]] = {n: [] for n in names}
    client_cpu: dict[str, list[float]] = {n: [] for n in names}
    server_cpu: dict[str, list[float]] = {n: [] for n in names}
    ratios: list[float] = []
    with DevServer(headless=True) as server:
        queue = f"bench-{uuid.uuid4().hex[:6]}"
        clients = {
            "project-ai-temporal": await ours(server.address, queue),
            "temporalio": await official(server.address, queue),
        }
        # One warm-up round each, not counted.
        for start, _ in clients.values():
            await measure(start, min(args.count, 100), args.in_flight, server.pid)
        for run in range(args.runs):
            order = list(clients) if run % 2 == 0 else list(reversed(clients))
            this_run = {}
            for name in order:
                rate, client_ms, server_ms = await measure(
                    clients[name][0], args.count, args.in_flight, server.pid
                )
                this_run[name] = rate
                rates[name].append(rate)
                client_cpu[name].append(client_ms)
                server_cpu[name].append(server_ms)
            ratios.append(this_run["project-ai-temporal"] / this_run["temporalio"])
            print(f"run {run + 1}: " + ", ".join(f"{n} {r:,.0f}/s" for n, r in this_run.items()))
        for _, close in clients.values():
            await close()

    ratio = statistics.median(ratios)
    cpu_ratio = statistics.median(client_cpu["temporalio"]) / statistics.median(
        client_cpu["project-ai-temporal"]
    )
    table = (
        f"{args.count} `start_workflow` calls, {args.in_flight} in flight, median of "
        f"{args.runs} runs (min-max); rate ratio = ours / official, per run, median.\n\n"
        "| client | starts per second | client CPU ms per start | dev-server CPU ms per start |\n"
        "| --- | --- | --- | --- |\n"
        + "".join(
            f"| {n} | {spread(rates[n])} | {spread(client_cpu[n], 3)} "
            f"| {spread(server_cpu[n], 2)} |\n"
            for n in names
        )
        + f"\n**Rate ratio: {ratio:.2f}x** (goal: at least 1.5x). The official client spends "
        f"**{cpu_ratio:.1f}x** the CPU per start that this one does.\n"
    )
    publish("Client: workflow starts", table, args.report)


if __name__ == "__main__":
    asyncio.run(main())
