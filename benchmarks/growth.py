"""Benchmark: cost as data grows. The same figures on a data dir that already holds N
records and on a base one (empty, or 100,000 memories), measured alternately in the same
run, worker and client in one process:

- knowledge: AILearningWorkflow with N entries in the store and in Project-AI's
  knowledge.json. Every store_knowledge puts its entry into knowledge.json, which
  Project-AI's format makes a rewrite of the whole file (23 MB at 200,000 entries); the
  file follows the store in batches (store::knowledge_mirror).
- images: ImageGenerationWorkflow (local backend, 64x64) with N image records.
- memories: memories stored per second through MemoryExpansionWorkflow and the p50 of
  MemoryStore.search, at N memories against 100,000.

The first two measure workflows per second, 20 in flight.

    python benchmarks/growth.py knowledge --existing 200000 --count 400 --runs 3 --report
    python benchmarks/growth.py images --existing 100000 --count 200 --runs 3 --report
    python benchmarks/growth.py memories --existing 1000000 --count 20 --runs 3 --report
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
from collections.abc import Awaitable, Callable
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from _common import add_report_option, publish, spread
from _workflows import KINDS as KIND_NAMES
from _workflows import Sizes, run_batch, worker_and_client, workload
from memory_search import Corpus, ingest, latencies

from app.temporal import DevServer, KnowledgeStore, MemoryStore

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


def seed_memories(data_dir: Path, existing: int) -> None:
    """`existing` memories, indexed, as the workflow leaves them: messages of the search
    benchmark's corpus (Zipf-distributed words), in conversations of 1,000 messages of 10
    users, with the confidence the extraction gives kept messages. They are indexed the way
    a store from before the search index is when it is first opened (Store::open after
    migration 7): its tables are dropped and the schema version set back, and opening the
    store indexes every memory, FTS5 and the search index alike."""
    store = store_file(data_dir)
    corpus = Corpus(seed=3)
    rows = (
        (
            f"seed-{i:07d}",
            f"seed-conv-{i // 1000}",
            f"user-{i // 1000 % 10}",
            corpus.message(),
            i % 1000,
            float(i),
        )
        for i in range(existing)
    )
    with sqlite3.connect(store) as db:
        db.executemany(
            "INSERT INTO memories (hash, conversation_id, user_id, kind, text, role,"
            " message_index, confidence, created_at, indexed)"
            " VALUES (?, ?, ?, 'message', ?, 'user', ?, 0.5, ?, 0)",
            rows,
        )
        tables = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'memory_index_%'"
        ).fetchall()
        for (table,) in tables:
            db.execute(f"DROP TABLE {table}")
        db.execute("PRAGMA user_version = 6")
    MemoryStore(data_dir).count()


Figures = dict[str, float]


def copy_data_dir(source: Path, copy: Path) -> None:
    """A copy of a seeded data dir, its store's log folded into the file first: the copy
    needs neither the -wal nor the -shm file, which a store object closing meanwhile (a
    worker thread of the one seeding opened) may remove while the copy lists them."""
    with closing(sqlite3.connect(next(source.glob("*.sqlite3")))) as db:
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise SystemExit(f"{source}: the store's log could not be folded into it")
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("*-wal", "*-shm"))


async def workflow_rate(
    kind: str, server: DevServer, data_dir: Path, args: argparse.Namespace
) -> Figures:
    """Workflows per second of `args.count` workflows of `kind` on `data_dir`."""
    work = workload(kind, data_dir, args.count, Sizes(image_size="64x64"))
    async with worker_and_client(server.address, data_dir) as client:
        batch = await run_batch(client, server.pid, work, args.count, args.in_flight)
    return {"workflows/s": batch.per_second}


async def memory_figures(server: DevServer, data_dir: Path, args: argparse.Namespace) -> Figures:
    """Memories stored per second by `args.count` conversations of 1,000 messages through
    MemoryExpansionWorkflow (one at a time, as the search benchmark ingests), then the p50
    of 300 common-word searches."""
    corpus = Corpus(seed=5)
    conversations = [corpus.conversation(1000) for _ in range(args.count)]
    stored, seconds, _ = await ingest(server, data_dir, conversations, sys.maxsize)
    store = MemoryStore(data_dir)
    queries = [corpus.query() for _ in range(300)]
    times, _ = latencies(lambda q: store.search(q, limit=10), queries)
    return {"memories/s ingested": stored / seconds, "search p50 (ms)": statistics.median(times)}


@dataclass
class Kind:
    """How a kind's records are seeded, how many the base data dir holds, what is measured
    on a data dir, and what the report calls the records."""

    seed: Callable[[Path, int], None]
    base: int
    measure: Callable[[DevServer, Path, argparse.Namespace], Awaitable[Figures]]
    what: str
    title: str


KINDS: dict[str, Kind] = {
    "knowledge": Kind(
        seed,
        0,
        partial(workflow_rate, "learning"),
        "entries (store and knowledge.json)",
        f"{KIND_NAMES['learning']}, {{count}} workflows per measurement, {{in_flight}} in flight",
    ),
    "images": Kind(
        seed_images,
        0,
        partial(workflow_rate, "image"),
        "image records",
        f"{KIND_NAMES['image']}, {{count}} workflows per measurement, {{in_flight}} in flight",
    ),
    "memories": Kind(
        seed_memories,
        100_000,
        memory_figures,
        "memories",
        "MemoryExpansionWorkflow, {count} conversations of 1,000 messages per measurement, "
        "one at a time, then 300 common-word searches (MemoryStore.search, limit 10)",
    ),
}


def better(name: str, grown: float, base: float) -> float:
    """How the grown data dir does against the base one: above 1 is better, whether the
    figure is a rate or a latency."""
    return base / grown if "(ms)" in name else grown / base


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("--existing", type=int, default=200_000)
    parser.add_argument("--base", type=int, help="records of the base data dir (the kind's own)")
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--in-flight", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    add_report_option(parser)
    args = parser.parse_args()
    kind = KINDS[args.kind]
    sizes = {"base": kind.base if args.base is None else args.base, "grown": args.existing}
    figures: dict[str, list[Figures]] = {label: [] for label in sizes}
    with tempfile.TemporaryDirectory() as tmp, DevServer(headless=True) as server:
        # Seeded once per size; each measurement runs on a fresh copy.
        for label, existing in sizes.items():
            Path(tmp, label).mkdir()
            kind.seed(Path(tmp, label), existing)
        for run in range(args.runs):
            for label in sizes:
                data_dir = Path(tmp) / f"{label}-{run}"
                copy_data_dir(Path(tmp, label), data_dir)
                figures[label].append(await kind.measure(server, data_dir, args))
                shown = ", ".join(f"{v:,.2f} {k}" for k, v in figures[label][-1].items())
                print(f"run {run + 1}: {label:5} {shown}", flush=True)
    names = list(figures["base"][0])
    column = {n: {label: [f[n] for f in figures[label]] for label in sizes} for n in names}
    rows = "".join(
        f"| {existing:,} existing {kind.what} | "
        + " | ".join(spread(column[n][label], 2) for n in names)
        + " |\n"
        for label, existing in sizes.items()
    )
    ratios = ", ".join(
        f"{n}: **{better(n, statistics.median(c['grown']), statistics.median(c['base'])):.2f}x**"
        for n, c in column.items()
    )
    table = (
        kind.title.format(count=args.count, in_flight=args.in_flight)
        + f", worker and client in one process, median of {args.runs} runs (min-max), "
        "base and grown data dirs alternating.\n\n"
        f"| data dir | {' | '.join(names)} |\n| --- |{' --- |' * len(names)}\n"
        + rows
        + f"\nGrown against base (above 1 is better): {ratios} (goal: at least 0.9x)."
    )
    publish(f"Growth: {args.kind}", table, args.report)


if __name__ == "__main__":
    asyncio.run(main())
