"""Benchmark: orchestration alone. N workflows shaped like AILearningWorkflow (four steps
with its timeouts and retry policies, activities that do nothing) at a fixed number in
flight, client and worker in one process: this project's (OrchestrationProbeWorkflow on the
Rust worker and client) against the official `temporalio` Python SDK running the same shape
(peer_orchestration.py). Each measurement runs in a fresh process against a fresh dev
server, variants interleaved, and records workflows per second, end-to-end latency (start
to result), the CPU the client+worker process spends per workflow, its peak RSS and the dev
server's own CPU per workflow (from /proc).

Variants: `+eager` asks for eager workflow start (the first workflow task comes back in the
start response), `+local` runs the four steps as local activities. Eager activity dispatch
is on in both SDKs by default.

    python benchmarks/orchestration.py --count 1000 --in-flight 100 500 --runs 5 --report
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import add_report_option, spread, timed_batch, write_section

from app.temporal import DevServer
from app.temporal.config import config_fields

HERE = Path(__file__).resolve().parent
PEER = "official"
# A learning request's worth of text, carried through the four steps.
PAYLOAD = "Temporal keeps workflow state durable across worker restarts. " * 4
# Both workers get this project's default limits: ours from TemporalConfig, the peer these.
DEFAULTS = {f["name"]: f["default"] for f in config_fields()}
WORKFLOW_SLOTS = int(DEFAULTS["max_concurrent_workflows"])
ACTIVITY_SLOTS = int(DEFAULTS["max_concurrent_activities"])


@dataclass(frozen=True)
class Variant:
    sdk: str
    eager: bool
    local: bool


VARIANTS = {
    "official": Variant("temporalio", eager=False, local=False),
    "official+eager+local": Variant("temporalio", eager=True, local=True),
    "ours": Variant("ours", eager=False, local=False),
    "ours+eager": Variant("ours", eager=True, local=False),
    "ours+local": Variant("ours", eager=False, local=True),
    "ours+eager+local": Variant("ours", eager=True, local=True),
}

RunOne = Callable[[str], Awaitable[None]]


async def measure(run_one: RunOne, count: int, in_flight: int, server_pid: int) -> dict[str, Any]:
    prefix = uuid.uuid4().hex[:8]
    batch = await timed_batch(
        lambda i: run_one(f"probe-{prefix}-{i}"), count, in_flight, server_pid
    )
    return {
        "rate": batch.per_second,
        "p50_ms": batch.p50_ms,
        "p99_ms": batch.p99_ms,
        "cpu_ms": batch.own_cpu_ms,
        "server_cpu_ms": batch.server_cpu_ms,
    }


def check(success: bool, workflow_id: str) -> None:
    if not success:
        raise SystemExit(f"workflow {workflow_id} did not succeed")


async def child_ours(variant: Variant, address: str, args: argparse.Namespace) -> dict[str, Any]:
    from app.temporal import TemporalClientManager, TemporalConfig, Worker
    from app.temporal.workflows import OrchestrationProbeWorkflow, ProbeRequest

    queue = f"probe-{uuid.uuid4().hex[:6]}"
    # The worker opens its store there, though the probe never writes to it.
    data_dir = tempfile.TemporaryDirectory(prefix="orchestration-")
    config = TemporalConfig(
        env_file=None,
        host=address,
        data_dir=data_dir.name,
        log_level="WARNING",
    )
    manager = TemporalClientManager(config=config, task_queue=queue)
    client = await manager.connect()
    request = ProbeRequest(payload=PAYLOAD, local_activities=variant.local)

    async def run_one(workflow_id: str) -> None:
        handle = await client.start_workflow(
            OrchestrationProbeWorkflow.run,
            request,
            id=workflow_id,
            request_eager_start=variant.eager,
        )
        check((await handle.result()).success, workflow_id)

    async with Worker(config, task_queue=queue, client=client):
        await measure(run_one, args.warmup, args.in_flight, args.server_pid)
        result = await measure(run_one, args.count, args.in_flight, args.server_pid)
    await manager.disconnect()
    data_dir.cleanup()
    return result


async def child_official(
    variant: Variant, address: str, args: argparse.Namespace
) -> dict[str, Any]:
    import datetime

    from peer_orchestration import PeerOrchestrationProbeWorkflow, probe_step
    from temporalio.client import Client
    from temporalio.worker import Worker

    queue = f"probe-{uuid.uuid4().hex[:6]}"
    client = await Client.connect(address)
    request = {"payload": PAYLOAD, "local_activities": variant.local}

    async def run_one(workflow_id: str) -> None:
        handle = await client.start_workflow(
            PeerOrchestrationProbeWorkflow.run,
            request,
            id=workflow_id,
            task_queue=queue,
            # The timeouts this project's client sets from TemporalConfig: equal server work.
            execution_timeout=datetime.timedelta(seconds=3600),
            run_timeout=datetime.timedelta(seconds=1800),
            request_eager_start=variant.eager,
        )
        check(bool((await handle.result())["success"]), workflow_id)

    async with Worker(
        client,
        task_queue=queue,
        workflows=[PeerOrchestrationProbeWorkflow],
        activities=[probe_step],
        max_concurrent_workflow_tasks=WORKFLOW_SLOTS,
        max_concurrent_activities=ACTIVITY_SLOTS,
        max_concurrent_local_activities=ACTIVITY_SLOTS,
    ):
        await measure(run_one, args.warmup, args.in_flight, args.server_pid)
        return await measure(run_one, args.count, args.in_flight, args.server_pid)


def child(args: argparse.Namespace) -> None:
    variant = VARIANTS[args.child]
    run = child_ours if variant.sdk == "ours" else child_official
    result = asyncio.run(run(variant, args.address, args))
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result), flush=True)
    # The official SDK's bridge can abort in interpreter finalization ("PyGILState_Release:
    # thread state must be current"), after the measurement; nothing is left to clean up.
    os._exit(0)


def measure_in_child(name: str, count: int, in_flight: int, warmup: int) -> dict[str, Any]:
    with DevServer(headless=True) as server:
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            name,
            "--address",
            server.address,
            "--server-pid",
            str(server.pid),
            "--count",
            str(count),
            "--in-flight",
            str(in_flight),
            "--warmup",
            str(warmup),
        ]
        done = subprocess.run(command, cwd=HERE, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


COLUMNS = (
    ("workflows/s", "rate", 1),
    ("p50 ms", "p50_ms", 0),
    ("p99 ms", "p99_ms", 0),
    ("process CPU ms/workflow", "cpu_ms", 2),
    ("peak RSS MB", "rss_mb", 0),
    ("dev-server CPU ms/workflow", "server_cpu_ms", 1),
)


def table(results: dict[str, list[dict[str, Any]]]) -> str:
    header = "| variant | " + " | ".join(title for title, _, _ in COLUMNS) + " |\n"
    lines = [header, "|---" * (len(COLUMNS) + 1) + "|\n"]
    for name, runs in results.items():
        cells = [spread([r[key] for r in runs], digits) for _, key, digits in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |\n")
    peer = results.get(PEER)
    if peer:
        lines.append("\nRatios against `official`, per run, median: ")
        ratios = []
        for name, runs in results.items():
            if name == PEER:
                continue
            speed = statistics.median(r["rate"] / p["rate"] for r, p in zip(runs, peer))
            cpu = statistics.median(r["cpu_ms"] / p["cpu_ms"] for r, p in zip(runs, peer))
            ratios.append(f"{name} throughput **{speed:.2f}x**, CPU per workflow **{cpu:.2f}**")
        lines.append("; ".join(ratios) + ".\n")
    return "".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--in-flight", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=50, help="workflows run before measuring")
    parser.add_argument(
        "--variants",
        default="official,ours,ours+eager,ours+local,ours+eager+local",
        help=f"comma-separated, from {', '.join(VARIANTS)}",
    )
    add_report_option(parser)
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--address", help=argparse.SUPPRESS)
    parser.add_argument("--server-pid", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.in_flight = args.in_flight[0]
        child(args)
        return

    names = [n.strip() for n in args.variants.split(",") if n.strip()]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {', '.join(VARIANTS)}")
    results: dict[int, dict[str, list[dict[str, Any]]]] = {
        k: {n: [] for n in names} for k in args.in_flight
    }
    for run in range(args.runs):
        for in_flight in args.in_flight:
            order = names if run % 2 == 0 else list(reversed(names))
            for name in order:
                r = measure_in_child(name, args.count, in_flight, args.warmup)
                results[in_flight][name].append(r)
                print(
                    f"run {run + 1}, {in_flight} in flight, {name}: {r['rate']:.1f}/s, "
                    f"p50 {r['p50_ms']:.0f} ms, CPU {r['cpu_ms']:.2f} ms/wf, "
                    f"server {r['server_cpu_ms']:.1f} ms/wf, RSS {r['rss_mb']:.0f} MB",
                    flush=True,
                )
    for in_flight, by_variant in results.items():
        print(f"{in_flight} in flight\n" + table(by_variant))
    if args.report:
        intro = (
            f"{args.count} workflows shaped like AILearningWorkflow (four steps with its "
            "timeouts and retry policies, activities that do nothing), client and worker in "
            f"one process with {WORKFLOW_SLOTS} workflow-task and {ACTIVITY_SLOTS} activity "
            f"slots, a fresh dev server per measurement, after {args.warmup} warm-up "
            "workflows; median of "
            f"{args.runs} runs (min-max). Latency is start to result. `official` is the "
            "`temporalio` Python SDK (its default workflow sandbox), `ours` this project's "
            "Rust worker and client; `+eager` is eager workflow start, `+local` local "
            "activities (same timeouts and retries).\n\n"
        )
        # One section per level, so levels can be run with different variants.
        for in_flight, by_variant in results.items():
            write_section(f"Orchestration, {in_flight} in flight", intro + table(by_variant))


if __name__ == "__main__":
    main()
