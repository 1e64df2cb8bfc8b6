"""Benchmark: cold import time of `app.temporal` against the official client
(`temporalio.client`), each in a fresh interpreter, minus the interpreter's own start-up,
runs interleaved.

    python benchmarks/import_time.py --runs 15 --report
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from _common import add_report_option, publish, spread

MODULES = {"project-ai-temporal": "app.temporal", "temporalio": "temporalio.client"}


def wall_ms(code: str) -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return (time.perf_counter() - began) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    add_report_option(parser)
    args = parser.parse_args()

    for module in MODULES.values():  # warm the OS file cache; not counted
        wall_ms(f"import {module}")
    results: dict[str, list[float]] = {name: [] for name in MODULES}
    for _ in range(args.runs):
        baseline = wall_ms("pass")
        for name, module in MODULES.items():
            results[name].append(max(wall_ms(f"import {module}") - baseline, 0.0))

    ratio = statistics.median(results["project-ai-temporal"]) / statistics.median(
        results["temporalio"]
    )
    table = (
        f"Import in a fresh interpreter minus interpreter start-up, ms, median of {args.runs} "
        "runs (min-max).\n\n| import | ms |\n| --- | --- |\n"
        + "".join(f"| `{MODULES[n]}` | {spread(v)} |\n" for n, v in results.items())
        + f"\n**Ratio: {ratio:.2f}** (goal: at most 0.25)\n"
    )
    publish("Client: cold import time", table, args.report)


if __name__ == "__main__":
    main()
