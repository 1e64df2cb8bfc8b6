"""Recovery: for every step of the four workflows, the time from SIGKILL of the worker
running it to the step's retry starting on another worker (the table in
docs/RELIABILITY.md).

Worker A runs the workflow up to the step and is killed inside it; worker B, on the same
task queue and data dir, was started just before (a fleet has other workers polling
already). The retry's start is its ActivityTaskStarted event (attempt 2, B's identity).
Most steps are parked in their attempt by the fault switch, which heartbeats like the real
steps; two run their real work: perform_analysis on a CSV of --rows rows (A is killed as
soon as the step begins) and generate_image from an OpenAI-style backend that takes 10
minutes to answer.

    python benchmarks/recovery.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from _common import machine
from _workflows import KINDS, Sizes, workload

from app.temporal import DevServer, TemporalClientManager, TemporalConfig
from app.temporal.errors import RPCError


@dataclass
class Case:
    kind: str  # a workflow kind of _workflows.workload
    step: str
    # True: A runs the step's real work and is killed as soon as the step begins.
    real: bool = False


CASES = [
    Case("learning", "validate_learning_content"),
    Case("learning", "check_black_vault"),
    Case("learning", "process_learning_request"),
    Case("learning", "store_knowledge"),
    Case("image", "check_content_safety"),
    Case("image", "generate_image", real=True),
    Case("image", "store_image_metadata"),
    Case("data", "validate_data_file"),
    Case("data", "load_data"),
    Case("data", "perform_analysis", real=True),
    Case("data", "generate_visualizations"),
    Case("memory", "extract_memory_information"),
    Case("memory", "store_memories"),
    Case("memory", "update_memory_indexes"),
]


@contextmanager
def slow_image_api() -> Iterator[str]:
    """An OpenAI-style image API that takes 10 minutes to answer a generation."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            time.sleep(600)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}/v1"
    finally:
        server.shutdown()


def start_worker(
    env: dict[str, str], log: Path, identity: str, **extra: str
) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.temporal.worker"],
            env={**env, "TEMPORAL_WORKER_IDENTITY": identity, **extra},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while "worker started" not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"worker {identity} did not start: {log.read_text()}")
        time.sleep(0.05)
    return process


def request_for(case: Case, work: Path, sizes: Sizes) -> tuple[Any, Any]:
    """(workflow, request) of the case: the benchmarks' own workload; the image whose step
    does its real work asks the slow OpenAI-style backend."""
    workflow, request = workload(case.kind, work, 1, sizes)(0)
    if case.real and case.kind == "image":
        request = dataclasses.replace(request, backend="openai")
    return workflow, request


def started_retry(peer_description: Any, step: str) -> tuple[int, str, datetime] | None:
    """(attempt, worker, start) of `step` while it is pending and started, from a describe."""
    for pending in peer_description.raw_description.pending_activities:
        if pending.activity_type.name == step and pending.HasField("last_started_time"):
            started = pending.last_started_time.ToDatetime().replace(tzinfo=timezone.utc)
            return pending.attempt, pending.last_worker_identity, started
    return None


async def measure(
    case: Case, server: DevServer, work: Path, sizes: Sizes, api: str
) -> tuple[float, int, str]:
    """(seconds from the kill to the retry's start, its attempt, its worker)."""
    from temporalio.client import Client as PeerClient

    queue = f"recovery-{uuid.uuid4().hex[:8]}"
    env = dict(
        os.environ,
        TEMPORAL_HOST=server.address,
        TEMPORAL_TASK_QUEUE=queue,
        PROJECT_AI_DATA_DIR=str(work),
        OPENAI_API_KEY="sk-recovery-benchmark",
        OPENAI_BASE_URL=api,
    )
    faults = {} if case.real else {"PROJECT_AI_TEMPORAL_FAULTS": f"{case.step}=sleep:600"}
    log = work / f"{case.step}.log"
    workers = [start_worker(env, log, "worker-a", **faults)]
    try:
        peer = await PeerClient.connect(server.address)
        config = TemporalConfig(env_file=None, host=server.address, task_queue=queue)
        async with TemporalClientManager(config=config) as manager:
            workflow, request = request_for(case, work, sizes)
            handle = await manager.client.start_workflow(
                workflow,
                request,
                id=f"recovery-{case.step}-{uuid.uuid4().hex[:6]}",
            )
            if case.step == "perform_analysis":
                # B first, so that nothing but the kill stands between A and the retry.
                workers.append(start_worker(env, log, "worker-b"))
            while (await handle.query("status"))["step"] != case.step:
                await asyncio.sleep(0.005 if case.real else 0.1)
            if case.step != "perform_analysis":
                await asyncio.sleep(1)  # A has started the step
                workers.append(start_worker(env, log, "worker-b"))
            killed_at = datetime.now(timezone.utc)
            os.kill(workers[0].pid, signal.SIGKILL)
            workers[0].wait()
            peer_handle = peer.get_workflow_handle(handle.id, run_id=handle.run_id)
            deadline = time.monotonic() + 120
            found = None
            while found is None and time.monotonic() < deadline:
                found = started_retry(await peer_handle.describe(), case.step)
                if found is None or found[1] != "worker-b":
                    found = None
                    history = await handle.fetch_history()
                    done = [
                        e
                        for e in history
                        if e.event_type == "ActivityTaskStarted"
                        and any(
                            s.event_id == e.attributes["scheduled_event_id"]
                            and s.attributes["activity_type"]["name"] == case.step
                            for s in history
                        )
                    ]
                    if done:
                        e = done[0]
                        found = (e.attributes["attempt"], e.attributes["identity"], e.event_time)
                await asyncio.sleep(0.1)
            with contextlib.suppress(RPCError):  # it may have completed already
                await handle.terminate("measured")
        if found is None:
            raise SystemExit(f"{case.step}: no retry within 120 s; see {log}")
        attempt, identity, started = found
        return (started - killed_at).total_seconds(), attempt, identity
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()
            process.wait()


def analysis_children() -> set[int]:
    """The analysis child processes running on this machine."""
    found = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if b"serve_analysis_step" in cmdline:
            found.add(int(proc.name))
    return found


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp, slow_image_api() as api:
        work = Path(tmp)
        sizes = Sizes(csv_rows=args.rows, image_size="256x256", conversation_messages=6)
        before = analysis_children()
        async with DevServer() as server:
            rows = []
            for case in CASES:
                seconds, attempt, identity = await measure(case, server, work, sizes, api)
                how = "real work" if case.real else "parked"
                rows.append((KINDS[case.kind], case.step, how, seconds, attempt, identity))
                print(f"{case.step:28} {how:9} {seconds:6.1f} s  attempt {attempt} on {identity}")
        await asyncio.sleep(2)
        left = sorted(analysis_children() - before)
    print()
    print("| workflow | step | in the step | kill to retry start | retry |")
    print("| --- | --- | --- | --- | --- |")
    for workflow, step, how, seconds, attempt, identity in rows:
        print(f"| {workflow} | {step} | {how} | {seconds:.1f} s | attempt {attempt}, {identity} |")
    print(f"\nanalysis children left running after the kills: {len(left)}")


if __name__ == "__main__":
    asyncio.run(main())
