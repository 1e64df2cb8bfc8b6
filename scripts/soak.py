#!/usr/bin/env python3
"""Soak test: many workflows of every kind the worker hosts, across several worker processes
sharing one data dir, against an embedded dev server. Checks that nothing is lost or
duplicated (every workflow succeeds; exactly one knowledge record per learning workflow, in
the store and in knowledge.json; one image record per image workflow; one report per data
workflow) and samples each worker's resident memory (RSS) over the run.

    python scripts/soak.py                       # 2,000 workflows, 2 workers
    python scripts/soak.py --workflows 40 --json # what CI runs
    python scripts/soak.py --workflows 300 --kill-every 10   # SIGKILL worker 0 every 10 s

With --kill-every, worker 0 is killed and started again while workflows run, so activities
die at any point (also after a store was written and before it was reported): the same
checks then show that retries store nothing twice. A workflow whose worker died inside a
step waits for that step's start-to-close timeout (up to 5 min) before it is retried.

Exit code 0 when nothing was lost and memory stayed flat after warm-up, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.temporal import (
    AILearningWorkflow,
    DataAnalysisRequest,
    DataAnalysisWorkflow,
    DevServer,
    ImageGenerationRequest,
    ImageGenerationWorkflow,
    ImageStore,
    KnowledgeStore,
    LearningRequest,
    TemporalClientManager,
    TemporalConfig,
)

# RSS after warm-up may grow by at most this fraction before the run counts as a leak.
FLAT = 0.25


@dataclass
class Report:
    workflows: int
    workers: int
    by_kind: dict[str, int]
    seconds: float = 0.0
    per_second: float = 0.0
    failed: list[str] = field(default_factory=list)
    knowledge_records: int = 0
    knowledge_json_entries: int = 0
    image_records: int = 0
    reports: int = 0
    rss_mb: dict[str, list[float]] = field(default_factory=dict)
    rss_growth_after_warmup: float = 0.0
    kills: int = 0
    problems: list[str] = field(default_factory=list)


def worker(address: str, data_dir: Path, queue: str, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "PROJECT_AI_"))}
    env.update(
        TEMPORAL_HOST=address,
        TEMPORAL_TASK_QUEUE=queue,
        PROJECT_AI_DATA_DIR=str(data_dir),
        XDG_CONFIG_HOME="/nonexistent",
    )
    started = log.read_text(errors="replace").count("worker started") if log.exists() else 0
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.temporal.worker"],
            env=env,
            cwd=data_dir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while log.read_text(errors="replace").count("worker started") <= started:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"a worker did not start: {log.read_text()}")
        time.sleep(0.1)
    return process


def rss_mb(pid: int) -> float | None:
    """The resident memory of `pid`, None when it has just been killed."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


KINDS = ["learning", "image", "data", "memory"]


def requests(n: int, data_file: Path, kinds: list[str]) -> list[tuple[str, Any, Any]]:
    """n (kind, workflow, request), the kinds in turn."""
    made: list[tuple[str, Any, Any]] = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        if kind == "learning":
            made.append(
                (
                    kind,
                    AILearningWorkflow.run,
                    LearningRequest(
                        content=f"Soak fact {i}: {uuid.uuid4().hex} is stored exactly once.",
                        source="soak",
                        category="facts",
                    ),
                )
            )
        elif kind == "image":
            made.append(
                (
                    kind,
                    ImageGenerationWorkflow.run,
                    ImageGenerationRequest(
                        prompt=f"a lighthouse at dusk, study {i}",
                        size="256x256",
                        backend="local",
                        seed=i,
                    ),
                )
            )
        elif kind == "data":
            made.append(
                (
                    kind,
                    DataAnalysisWorkflow.run,
                    DataAnalysisRequest(file_path=str(data_file), analysis_type="statistics"),
                )
            )
        else:
            made.append(
                (
                    kind,
                    "MemoryExpansionWorkflow",
                    {
                        "conversation_id": f"soak-{i}",
                        "messages": [{"role": "user", "content": f"My name is Soak{i}."}],
                    },
                )
            )
    return made


async def run(args: argparse.Namespace, data_dir: Path) -> Report:
    # Analysis input goes in the data dir's inputs/ folder, the one part of it workers read.
    data_file = data_dir / "inputs" / "soak.csv"
    data_file.parent.mkdir(parents=True, exist_ok=True)
    data_file.write_text("x,y,label\n" + "".join(f"{i},{i * i % 17},{i % 3}\n" for i in range(200)))
    work = requests(args.workflows, data_file, args.kinds.split(","))
    report = Report(
        args.workflows, args.workers, {k: sum(1 for w in work if w[0] == k) for k, _, _ in work}
    )
    queue = f"soak-{uuid.uuid4().hex[:8]}"
    with DevServer(headless=True) as server:
        workers = [
            worker(server.address, data_dir, queue, data_dir / f"worker-{n}.log")
            for n in range(args.workers)
        ]
        report.rss_mb = {str(n): [] for n in range(args.workers)}
        done = asyncio.Event()

        async def sample() -> None:
            while not done.is_set():
                for n, process in enumerate(workers):
                    rss = rss_mb(process.pid)
                    if rss is not None:
                        report.rss_mb[str(n)].append(round(rss, 1))
                await asyncio.sleep(args.sample_every)

        async def kill() -> None:
            while not done.is_set():
                await asyncio.sleep(args.kill_every)
                if done.is_set():
                    return
                os.kill(workers[0].pid, signal.SIGKILL)
                workers[0].wait()
                report.kills += 1
                workers[0] = await asyncio.to_thread(
                    worker, server.address, data_dir, queue, data_dir / "worker-0.log"
                )

        sampler = asyncio.create_task(sample())
        killer = asyncio.create_task(kill()) if args.kill_every else None
        config = TemporalConfig(env_file=None, host=server.address, task_queue=queue)
        began = time.monotonic()
        limit = asyncio.Semaphore(args.concurrency)
        try:
            async with TemporalClientManager(config=config) as manager:

                async def one(i: int, kind: str, workflow: Any, request: Any) -> tuple[str, Any]:
                    async with limit:
                        handle = await manager.client.start_workflow(
                            workflow, request, id=f"soak-{kind}-{i}-{uuid.uuid4().hex[:6]}"
                        )
                        result = await handle.result(timeout=600)
                    return kind, result

                results = await asyncio.gather(*(one(i, *w) for i, w in enumerate(work)))
        finally:
            done.set()
            await sampler
            if killer is not None:
                killer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await killer
            for process in workers:
                process.terminate()
            for process in workers:
                process.wait(timeout=60)
        report.seconds = round(time.monotonic() - began, 1)
        report.per_second = round(args.workflows / report.seconds, 1)
    check(report, results, data_dir)
    return report


def success(result: Any) -> tuple[bool, str]:
    if isinstance(result, dict):
        return bool(result.get("success")), str(result.get("error"))
    return bool(result.success), str(result.error)


def check(report: Report, results: list[tuple[str, Any]], data_dir: Path) -> None:
    for kind, result in results:
        ok, error = success(result)
        if not ok:
            report.failed.append(f"{kind}: {error}")
    learned = {r.knowledge_id for k, r in results if k == "learning" and r.success}
    store = KnowledgeStore(data_dir)
    report.knowledge_records = store.count()
    # What a worker killed mid-batch left unwritten, as the next worker start writes it.
    store.sync_knowledge_json()
    knowledge_file = data_dir / "memory" / "knowledge.json"
    knowledge = json.loads(knowledge_file.read_text() or "{}") if knowledge_file.exists() else {}
    entries = [key for group in knowledge.values() for key in group]
    report.knowledge_json_entries = len(entries)
    report.image_records = ImageStore(data_dir).statistics().total
    report.reports = len(list((data_dir / "analysis").glob("*/report.json")))
    expected = report.by_kind
    if report.failed:
        report.problems.append(f"{len(report.failed)} workflows failed")
    if len(learned) != expected.get("learning", 0):
        report.problems.append(f"{len(learned)} distinct knowledge ids")
    if report.knowledge_records != expected.get("learning", 0):
        report.problems.append(f"{report.knowledge_records} knowledge records")
    if sorted(entries) != sorted(learned):
        report.problems.append("knowledge.json does not hold exactly the ids learned")
    if report.image_records != expected.get("image", 0):
        report.problems.append(f"{report.image_records} image records")
    if report.reports != expected.get("data", 0):
        report.problems.append(f"{report.reports} analysis reports")
    growth = []
    for samples in report.rss_mb.values():
        if len(samples) >= 8:
            warm = statistics.median(samples[len(samples) // 4 : len(samples) // 2])
            late = statistics.median(samples[-len(samples) // 4 :])
            growth.append(late / warm - 1 if warm else 0.0)
    report.rss_growth_after_warmup = round(max(growth, default=0.0), 3)
    if report.rss_growth_after_warmup > FLAT and not report.kills:
        report.problems.append(
            f"worker RSS grew {report.rss_growth_after_warmup:.0%} after warm-up (limit {FLAT:.0%})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workflows", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=200, help="workflows open at once")
    parser.add_argument(
        "--sample-every", type=float, default=1.0, help="seconds between RSS samples"
    )
    parser.add_argument(
        "--kinds",
        default=",".join(KINDS),
        help="comma-separated workflow kinds",
    )
    parser.add_argument(
        "--kill-every", type=float, help="SIGKILL worker 0 every this many seconds, and restart it"
    )
    parser.add_argument("--data-dir", type=Path, help="kept afterwards (default: a temporary one)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-") as temp:
        data_dir = args.data_dir or Path(temp)
        data_dir.mkdir(parents=True, exist_ok=True)
        report = asyncio.run(run(args, data_dir))
    if args.json:
        print(json.dumps(asdict(report)))
    else:
        peaks = {n: max(s, default=0) for n, s in report.rss_mb.items()}
        print(
            f"{report.workflows} workflows {report.by_kind} on {report.workers} workers: "
            f"{report.seconds} s ({report.per_second}/s); failed {len(report.failed)}; "
            f"knowledge {report.knowledge_records} (json {report.knowledge_json_entries}), "
            f"images {report.image_records}, reports {report.reports}; "
            f"RSS peak MB {peaks}, growth after warm-up {report.rss_growth_after_warmup:.1%}"
            + (f"; worker 0 killed {report.kills} times" if report.kills else "")
        )
        for problem in report.problems:
            print(f"PROBLEM: {problem}")
        for failure in report.failed[:10]:
            print(f"  {failure}")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
