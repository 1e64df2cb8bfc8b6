"""Benchmark: cost as data grows. AILearningWorkflow throughput (workflows per second, 20 in
flight, worker and client in one process) on a data dir whose store and Project-AI's
knowledge.json already hold N entries, against an empty one, measured alternately in the
same run. Every store_knowledge puts its entry into knowledge.json, which Project-AI's
format makes a rewrite of the whole file (23 MB at 200,000 entries); waiting entries share
one rewrite (group commit, store::knowledge_mirror).

    python benchmarks/growth.py --existing 200000 --count 400 --runs 3 --report
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import tempfile
import uuid
from pathlib import Path

from _common import publish, spread, timed_batch

from app.temporal import (
    AILearningWorkflow,
    DevServer,
    KnowledgeStore,
    LearningRequest,
    TemporalClientManager,
    TemporalConfig,
    Worker,
)

STORE_FILE = "project_ai_temporal.sqlite3"
CATEGORIES = ["facts", "programming", "data_science", "general", "tips"]


def seed(data_dir: Path, existing: int) -> None:
    """`existing` knowledge entries in the store (through its own schema, so the full-text
    index is filled by its triggers) and in knowledge.json, as the workflow leaves them."""
    KnowledgeStore(data_dir)  # creates the store and its tables
    document: dict[str, dict[str, str]] = {c: {} for c in CATEGORIES}
    rows = []
    for i in range(existing):
        category = CATEGORIES[i % len(CATEGORIES)]
        content = f"Seeded fact {i}: entry number {i} of the growth benchmark, about {category}."
        summary = content[:100]
        key = f"seed-{i:07d}"
        document[category][key] = summary
        rows.append(
            (
                key,
                category,
                f"Seeded fact {i}",
                summary,
                content,
                '["seeded"]',
                12,
                key,
                "growth",
                None,
                None,
                0.0,
                0.0,
            )
        )
    with sqlite3.connect(data_dir / STORE_FILE) as db:
        db.executemany(
            "INSERT INTO knowledge (id, category, title, summary, content, keywords, word_count,"
            " content_hash, source, user_id, workflow_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    memory = data_dir / "memory"
    memory.mkdir(exist_ok=True)
    (memory / "knowledge.json").write_text(json.dumps(document, indent=2))


async def rate(server: DevServer, data_dir: Path, count: int, in_flight: int) -> float:
    queue = f"growth-{uuid.uuid4().hex[:8]}"
    config = TemporalConfig(env_file=None, host=server.address, task_queue=queue, data_dir=data_dir)
    async with Worker(config), TemporalClientManager(config=config) as manager:
        client = manager.client
        assert client is not None
        prefix = uuid.uuid4().hex[:8]

        async def one(i: int) -> None:
            request = LearningRequest(
                content=f"Growth fact {prefix}-{i}: workflows stay fast as knowledge grows.",
                source="growth-benchmark",
                category=CATEGORIES[i % len(CATEGORIES)],
            )
            handle = await client.start_workflow(
                AILearningWorkflow.run, request, id=f"growth-{prefix}-{i}"
            )
            result = await handle.result(timeout=600)
            if not result.success:
                raise SystemExit(f"a workflow failed: {result.error}")

        batch = await timed_batch(one, count, in_flight, server.pid)
    return batch.per_second


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--existing", type=int, default=200_000)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--in-flight", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args()
    empty: list[float] = []
    grown: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, DevServer(headless=True) as server:
        for run in range(args.runs):
            for label, existing, rates in (("empty", 0, empty), ("grown", args.existing, grown)):
                data_dir = Path(tmp) / f"{label}-{run}"
                data_dir.mkdir()
                seed(data_dir, existing)
                rates.append(await rate(server, data_dir, args.count, args.in_flight))
                print(f"run {run + 1}: {label:5} {rates[-1]:6.1f} workflows/s")
    ratio = statistics.median(grown) / statistics.median(empty)
    table = (
        f"AILearningWorkflow, {args.count} workflows per measurement, {args.in_flight} in "
        f"flight, worker and client in one process, median of {args.runs} runs (min-max), "
        "empty and grown data dirs alternating.\n\n"
        "| data dir | workflows/s |\n| --- | --- |\n"
        f"| empty | {spread(empty)} |\n"
        f"| {args.existing:,} existing entries (store and knowledge.json) | {spread(grown)} |\n\n"
        f"**Grown against empty: {ratio:.2f}x** (goal: at least 0.9x)."
    )
    publish("Growth: knowledge", table, args.report)


if __name__ == "__main__":
    asyncio.run(main())
