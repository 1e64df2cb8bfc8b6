"""Benchmark: cost as data grows. Workflow throughput (workflows per second, 20 in flight,
worker and client in one process) on a data dir that already holds N records, against an
empty one, measured alternately in the same run:

- knowledge: AILearningWorkflow with N entries in the store and in Project-AI's
  knowledge.json. Every store_knowledge puts its entry into knowledge.json, which
  Project-AI's format makes a rewrite of the whole file (23 MB at 200,000 entries); the
  file follows the store in batches (store::knowledge_mirror).
- images: ImageGenerationWorkflow (local backend, 64x64) with N image records.

    python benchmarks/growth.py knowledge --existing 200000 --count 400 --runs 3 --report
    python benchmarks/growth.py images --existing 100000 --count 200 --runs 3 --report
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import publish, spread, timed_batch

from app.temporal import (
    AILearningWorkflow,
    DevServer,
    ImageGenerationRequest,
    ImageGenerationWorkflow,
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


def seed_images(data_dir: Path, existing: int) -> None:
    """`existing` image records, as store_image_metadata leaves them (the PNG files are not
    needed: nothing reads them back)."""
    KnowledgeStore(data_dir)  # creates the store and its tables
    rows = [
        (
            f"seed-{i:07d}",
            f"{data_dir}/generated_images/seed_{i}.png",
            f"seeded prompt {i}",
            "realistic",
            "64x64",
            "local",
            f"{i:064x}",
            1000,
            None,
            "{}",
            float(i),
        )
        for i in range(existing)
    ]
    with sqlite3.connect(data_dir / STORE_FILE) as db:
        db.executemany(
            "INSERT INTO images (workflow_id, image_path, prompt, style, size, backend, sha256,"
            " bytes, user_id, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def learning(i: int, prefix: str) -> tuple[Any, Any]:
    return AILearningWorkflow, LearningRequest(
        content=f"Growth fact {prefix}-{i}: workflows stay fast as knowledge grows.",
        source="growth-benchmark",
        category=CATEGORIES[i % len(CATEGORIES)],
    )


def image(i: int, prefix: str) -> tuple[Any, Any]:
    return ImageGenerationWorkflow, ImageGenerationRequest(
        prompt=f"a quiet lake at dawn, study {prefix}-{i}", size="64x64", backend="local"
    )


KINDS: dict[str, tuple[Callable[[Path, int], None], Callable[[int, str], tuple[Any, Any]], str]] = {
    "knowledge": (seed, learning, "entries (store and knowledge.json)"),
    "images": (seed_images, image, "image records"),
}


async def rate(
    server: DevServer,
    data_dir: Path,
    count: int,
    in_flight: int,
    make: Callable[[int, str], tuple[Any, Any]],
) -> float:
    queue = f"growth-{uuid.uuid4().hex[:8]}"
    config = TemporalConfig(env_file=None, host=server.address, task_queue=queue, data_dir=data_dir)
    async with Worker(config), TemporalClientManager(config=config) as manager:
        client = manager.client
        assert client is not None
        prefix = uuid.uuid4().hex[:8]

        async def one(i: int) -> None:
            workflow, request = make(i, prefix)
            handle = await client.start_workflow(workflow.run, request, id=f"growth-{prefix}-{i}")
            result = await handle.result(timeout=600)
            if not result.success:
                raise SystemExit(f"a workflow failed: {result.error}")

        batch = await timed_batch(one, count, in_flight, server.pid)
    return batch.per_second


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("--existing", type=int, default=200_000)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--in-flight", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args()
    seeder, make, what = KINDS[args.kind]
    empty: list[float] = []
    grown: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, DevServer(headless=True) as server:
        for run in range(args.runs):
            for label, existing, rates in (("empty", 0, empty), ("grown", args.existing, grown)):
                data_dir = Path(tmp) / f"{label}-{run}"
                data_dir.mkdir()
                seeder(data_dir, existing)
                rates.append(await rate(server, data_dir, args.count, args.in_flight, make))
                print(f"run {run + 1}: {label:5} {rates[-1]:6.1f} workflows/s")
    ratio = statistics.median(grown) / statistics.median(empty)
    workflow = make(0, "")[0].__name__
    table = (
        f"{workflow}, {args.count} workflows per measurement, {args.in_flight} in "
        f"flight, worker and client in one process, median of {args.runs} runs (min-max), "
        "empty and grown data dirs alternating.\n\n"
        "| data dir | workflows/s |\n| --- | --- |\n"
        f"| empty | {spread(empty)} |\n"
        f"| {args.existing:,} existing {what} | {spread(grown)} |\n\n"
        f"**Grown against empty: {ratio:.2f}x** (goal: at least 0.9x)."
    )
    publish(f"Growth: {args.kind}", table, args.report)


if __name__ == "__main__":
    asyncio.run(main())
