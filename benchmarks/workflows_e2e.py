"""Benchmark: the four real workflows end to end (issue 9, part 3), with this project's
worker and client in this process against a dev server this script starts.

For each of AILearningWorkflow, ImageGenerationWorkflow (the offline local renderer),
DataAnalysisWorkflow ("full" on a small CSV) and MemoryExpansionWorkflow (a conversation of
--messages messages): the latency from start to result of --sequential workflows run one
after the other (p50, p99, fastest and slowest), then --count workflows started at once:
workflows per second (first start to last result), and the CPU per workflow of this process
(client and worker) and of the dev server, from /proc. Peak RSS of this process per kind
(counted again from the RSS at the kind's start, so it includes what earlier kinds and runs
left resident).
Each run has its own dev server and data dir; the figures are the median of --runs runs
(min-max). There is no peer for this part: the figures are absolute.

    python benchmarks/workflows_e2e.py --runs 5 --sequential 20 --count 200 --report
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from collections import defaultdict
from pathlib import Path

from _common import add_report_option, peak_rss_mb, publish, reset_peak_rss, spread
from _workflows import KINDS, Sizes, kind_list, run_batch, worker_and_client, workload

from app.temporal import DevServer


async def one_run(args: argparse.Namespace, sizes: Sizes) -> dict[str, dict[str, float]]:
    """{kind: {measure: value}} for one run on a fresh dev server and data dir."""
    figures: dict[str, dict[str, float]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp,
        DevServer(headless=True) as server,
    ):
        data_dir = Path(tmp)
        async with worker_and_client(server.address, data_dir) as client:
            for kind in args.kinds:
                reset_peak_rss()
                if args.warm_up:
                    warm = workload(kind, data_dir, args.warm_up, sizes)
                    await run_batch(client, server.pid, warm, args.warm_up, 1)
                one = workload(kind, data_dir, args.sequential, sizes)
                alone = await run_batch(client, server.pid, one, args.sequential, 1)
                many = workload(kind, data_dir, args.count, sizes)
                burst = await run_batch(client, server.pid, many, args.count, args.count)
                # Latency from the workflows run alone; the rest from those started at once.
                figures[kind] = {
                    **{f"burst_{name}": value for name, value in burst.figures().items()},
                    **alone.figures(),
                    "rss": peak_rss_mb(os.getpid()),
                }
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sequential", type=int, default=20, help="one at a time, per kind")
    parser.add_argument("--count", type=int, default=200, help="started at once, per kind")
    parser.add_argument("--warm-up", type=int, default=2, help="per kind, not counted")
    parser.add_argument("--kinds", type=kind_list, default=",".join(KINDS), help="comma-separated")
    parser.add_argument("--csv-rows", type=int, default=Sizes.csv_rows)
    parser.add_argument("--image-size", default=Sizes.image_size)
    parser.add_argument("--messages", type=int, default=Sizes.conversation_messages)
    add_report_option(parser)
    args = parser.parse_args()
    sizes = Sizes(args.csv_rows, args.image_size, args.messages)

    runs: dict[str, dict[str, list[float]]] = {k: defaultdict(list) for k in args.kinds}
    for run in range(args.runs):
        figures = await one_run(args, sizes)
        for kind, values in figures.items():
            for measure, value in values.items():
                runs[kind][measure].append(value)
        print(
            f"run {run + 1}: "
            + ", ".join(
                f"{kind} p50 {f['p50']:.0f} ms, {f['burst_rate']:.1f}/s"
                for kind, f in figures.items()
            ),
            flush=True,
        )

    what = {
        "learning": "`LearningRequest`, category facts",
        "image": f"`ImageGenerationRequest`, local renderer, {sizes.image_size}, watercolor",
        "data": f'`DataAnalysisRequest`, "full", {sizes.csv_rows:,} rows x (8 numeric + 2 text)',
        "memory": f"`MemoryExpansionRequest`, {sizes.conversation_messages} messages",
    }
    one_rows = "".join(
        f"| {KINDS[k]} | {what[k]} | {spread(r['p50'])} | {spread(r['p99'])} "
        f"| {min(r['fastest']):,.1f}-{max(r['slowest']):,.1f} |\n"
        for k, r in runs.items()
    )
    burst_rows = "".join(
        f"| {KINDS[k]} | {spread(r['burst_rate'])} | {spread(r['burst_p50'], 0)} "
        f"| {spread(r['burst_own_cpu'], 2)} | {spread(r['burst_server_cpu'], 2)} "
        f"| {spread(r['rss'], 0)} |\n"
        for k, r in runs.items()
    )
    table = (
        f"Median of {args.runs} runs (min-max); each run starts its own dev server (in memory) "
        "and data dir, and runs this project's worker and client in one process (the app's "
        f"default worker limits). Per kind, {args.warm_up} warm-up workflows, then "
        f"{args.sequential} one after the other (latency from `start_workflow` to the "
        f"result), then {args.count} started at once (rate = {args.count} / wall time from "
        "the first start to the last result; CPU read from /proc over those workflows). "
        "Peak RSS: this process's highest RSS while that kind ran, counted again from the RSS "
        "at its start (so it includes what earlier kinds and runs left resident). "
        "No peer: absolute figures.\n\n"
        "| workflow | request | one at a time: p50 ms | p99 ms | fastest-slowest ms |\n"
        "| --- | --- | --- | --- | --- |\n"
        + one_rows
        + f"\n| workflow | {args.count} at once: workflows/s | their p50 latency ms "
        "| client+worker CPU ms per workflow | dev-server CPU ms per workflow "
        "| peak RSS MB of client+worker |\n"
        "| --- | --- | --- | --- | --- | --- |\n" + burst_rows
    )
    publish("Workflows end to end", table, args.report)


if __name__ == "__main__":
    asyncio.run(main())
