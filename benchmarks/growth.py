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
from collections.abc import Callable
from pathlib import Path

from _common import publish, spread
from _workflows import KINDS as KIND_NAMES
from _workflows import Sizes, run_batch, worker_and_client, workload

from app.temporal import DevServer, KnowledgeStore

CATEGORIES = ["facts", "programming", "data_science", "general", "tips"]


def store_file(data_dir: Path) -> Path:
    """The data dir's store, made by opening it (its name is the package's to choose)."""
    KnowledgeStore(data_dir)
    return next(data_dir.glob("*.sqlite3"))


def seed(data_dir: Path, existing: int) -> None:
    """`existing` knowledge entries in the store (through its own schema, so the full-text
    index is filled by its triggers) and in knowledge.json, as the workflow leaves them."""
    store = store_file(data_dir)
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
    with sqlite3.connect(store) as db:
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
    store = store_file(data_dir)
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
    with sqlite3.connect(store) as db:
        db.executemany(
            "INSERT INTO images (workflow_id, image_path, prompt, style, size, backend, sha256,"
            " bytes, user_id, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


# Each kind: how its records are seeded, the workflow kind of _workflows.workload that
# adds to them, and what the report calls the records.
KINDS: dict[str, tuple[Callable[[Path, int], None], str, str]] = {
    "knowledge": (seed, "learning", "entries (store and knowledge.json)"),
    "images": (seed_images, "image", "image records"),
}


async def rate(server: DevServer, data_dir: Path, kind: str, count: int, in_flight: int) -> float:
    """Workflows per second of `count` workflows of `kind` on `data_dir`."""
    work = workload(kind, data_dir, count, Sizes(image_size="64x64"))
    async with worker_and_client(server.address, data_dir) as client:
        batch = await run_batch(client, server.pid, work, count, in_flight)
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
    seeder, kind, what = KINDS[args.kind]
    empty: list[float] = []
    grown: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, DevServer(headless=True) as server:
        for run in range(args.runs):
            for label, existing, rates in (("empty", 0, empty), ("grown", args.existing, grown)):
                data_dir = Path(tmp) / f"{label}-{run}"
                data_dir.mkdir()
                seeder(data_dir, existing)
                rates.append(await rate(server, data_dir, kind, args.count, args.in_flight))
                print(f"run {run + 1}: {label:5} {rates[-1]:6.1f} workflows/s")
    ratio = statistics.median(grown) / statistics.median(empty)
    table = (
        f"{KIND_NAMES[kind]}, {args.count} workflows per measurement, {args.in_flight} in "
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
