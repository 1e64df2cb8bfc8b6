"""Benchmark: the dev server keeping its state in a SQLite file (`--db-filename`) against in
memory (issue 9, part 5), same workload, same run.

Each run starts both dev servers one after the other (which goes first alternates), each
with a fresh data dir (and a fresh database file), and runs --count workflows (the kinds of
--kinds in turn) at --in-flight open at once with this project's worker and client in this
process: workflows per second, p50 and p99 latency from start to result, and the CPU per
workflow of the dev server and of this process (from /proc). Ratios are file / memory per
run; figures are the median of --runs runs (min-max).

    python benchmarks/devserver_storage.py --count 200 --in-flight 50 --runs 5 --report
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from collections import defaultdict
from pathlib import Path

from _common import Batch, add_report_option, publish, spread
from _workflows import KINDS, Sizes, Work, kind_list, run_batch, worker_and_client, workload

from app.temporal import DevServer

STORAGES = ("memory", "file")
WARM_UP = 4


def mixed(kinds: list[str], data_dir: Path, count: int) -> Work:
    """Workflow i is of kind i mod len(kinds)."""
    per_kind = count // len(kinds) + 1
    works = [workload(kind, data_dir, per_kind, Sizes()) for kind in kinds]
    return lambda i: works[i % len(kinds)](i // len(kinds))


async def measure(storage: str, args: argparse.Namespace) -> Batch:
    with tempfile.TemporaryDirectory(prefix=f"bench-storage-{storage}-") as tmp:
        data_dir = Path(tmp)
        db = data_dir / "temporal.db" if storage == "file" else None
        with DevServer(headless=True, db_filename=db) as server:
            async with worker_and_client(server.address, data_dir) as client:
                warm = mixed(args.kinds, data_dir, WARM_UP)
                await run_batch(client, server.pid, warm, WARM_UP, WARM_UP)
                work = mixed(args.kinds, data_dir, args.count)
                batch = await run_batch(client, server.pid, work, args.count, args.in_flight)
        if db is not None and not db.exists():
            raise SystemExit(f"the dev server wrote no database file at {db}")
        return batch


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--kinds", type=kind_list, default="learning", help="comma-separated, run in turn"
    )
    add_report_option(parser)
    args = parser.parse_args()

    figures: dict[str, dict[str, list[float]]] = {s: defaultdict(list) for s in STORAGES}
    ratios: dict[str, list[float]] = defaultdict(list)
    for run in range(args.runs):
        order = STORAGES if run % 2 == 0 else tuple(reversed(STORAGES))
        batches = {storage: await measure(storage, args) for storage in order}
        for storage, batch in batches.items():
            for name, value in batch.figures().items():
                figures[storage][name].append(value)
        for name in ("rate", "p50", "server_cpu"):
            ratios[name].append(figures["file"][name][-1] / figures["memory"][name][-1])
        print(
            f"run {run + 1}: "
            + ", ".join(f"{s} {batches[s].per_second:.1f}/s" for s in order)
            + f", file/memory {ratios['rate'][-1]:.2f}",
            flush=True,
        )

    workflows = ", ".join(KINDS[k] for k in args.kinds)
    rows = "".join(
        f"| {s} | {spread(f['rate'])} | {spread(f['p50'], 0)} | {spread(f['p99'], 0)} "
        f"| {spread(f['server_cpu'], 2)} | {spread(f['own_cpu'], 2)} |\n"
        for s, f in figures.items()
    )
    table = (
        f"{args.count} workflows ({workflows}) at {args.in_flight} in flight, this project's "
        "worker and client in one process; the dev server in memory against the dev server on a "
        "SQLite file (`db_filename`), both started in each run (order alternating), each on a "
        "fresh data "
        f"dir after {WARM_UP} warm-up workflows. Median of {args.runs} runs (min-max); ratios "
        "file / memory per run, median.\n\n"
        "| dev server | workflows/s | p50 ms | p99 ms | dev-server CPU ms per workflow "
        "| client+worker CPU ms per workflow |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
        + rows
        + f"\n**File / memory: rate {statistics.median(ratios['rate']):.2f}x, p50 latency "
        f"{statistics.median(ratios['p50']):.2f}x, dev-server CPU per workflow "
        f"{statistics.median(ratios['server_cpu']):.2f}x.**\n"
    )
    publish("Dev server: file against memory", table, args.report)


if __name__ == "__main__":
    asyncio.run(main())
