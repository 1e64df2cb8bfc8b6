"""Shared benchmark helpers: statistics, machine facts, and the results section of
docs/BENCHMARKS.md that each benchmark rewrites with its latest run."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import re
import resource
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "BENCHMARKS.md"


def spread(values: Sequence[float], digits: int = 1) -> str:
    """median (min-max), the way the report shows a measurement."""
    m, lo, hi = statistics.median(values), min(values), max(values)
    return f"{m:,.{digits}f} ({lo:,.{digits}f}-{hi:,.{digits}f})"


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """User plus system CPU time of this process, all its threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def peak_rss_mb(pid: int) -> float:
    """The most resident memory a process has had (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss() -> None:
    """Starts this process's peak RSS (VmHWM) again from its current RSS, so a peak can be
    read per phase of one process (Linux 4.0 and later)."""
    Path("/proc/self/clear_refs").write_text("5")


@dataclass
class Batch:
    """One batch of calls (workflows, starts): each one's latency, the wall time from the
    first start to the last end, and the CPU this process and the dev server spent."""

    latencies_ms: list[float]
    seconds: float
    own_cpu_s: float
    server_cpu_s: float

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies_ms, 99)

    @property
    def own_cpu_ms(self) -> float:
        """This process's CPU (client and worker) per workflow."""
        return self.own_cpu_s * 1000 / len(self.latencies_ms)

    @property
    def server_cpu_ms(self) -> float:
        """The dev server's CPU per workflow."""
        return self.server_cpu_s * 1000 / len(self.latencies_ms)

    def figures(self) -> dict[str, float]:
        """The measures the reports show, by name."""
        return {
            "rate": self.per_second,
            "p50": self.p50_ms,
            "p99": self.p99_ms,
            "fastest": min(self.latencies_ms),
            "slowest": max(self.latencies_ms),
            "own_cpu": self.own_cpu_ms,
            "server_cpu": self.server_cpu_ms,
        }


async def timed_batch(
    run_one: Callable[[int], Awaitable[object]], count: int, in_flight: int, server_pid: int
) -> Batch:
    """Calls `run_one(0..count-1)` with at most `in_flight` outstanding, timing each call and
    the whole batch, and reading this process's and the server's CPU around it."""
    gate = asyncio.Semaphore(in_flight)

    async def one(i: int) -> float:
        async with gate:
            began = time.perf_counter()
            await run_one(i)
            return (time.perf_counter() - began) * 1000

    own0, server0 = own_cpu_seconds(), process_cpu_seconds(server_pid)
    began = time.perf_counter()
    latencies = await asyncio.gather(*(one(i) for i in range(count)))
    seconds = time.perf_counter() - began
    return Batch(
        list(latencies),
        seconds,
        own_cpu_seconds() - own0,
        process_cpu_seconds(server_pid) - server0,
    )


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    temporal = "temporal CLI not found"
    try:
        from app.temporal.devserver import find_temporal_cli

        command = [str(find_temporal_cli()), "--version"]
        temporal = subprocess.run(command, capture_output=True, text=True).stdout.strip()
    except Exception:
        pass
    return (
        f"{platform.machine()}, {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB; "
        f"Python {platform.python_version()}; project-ai-temporal {version('project-ai-temporal')} "
        f"(build: {os.environ.get('BENCH_BUILD', 'unknown')}); temporalio {version('temporalio')}; "
        f"{temporal}"
    )


RUN_VARIABLE = "BENCH_RUN"
"""Names the run of benchmarks/run.sh a script belongs to (time and commit); run.sh sets it."""


class _ReportOption(argparse.Action):
    """--report, refused outside benchmarks/run.sh: every section of docs/BENCHMARKS.md
    comes from one run of it, so the figures there were measured together."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: Any, *_: Any) -> None:
        if not os.environ.get(RUN_VARIABLE):
            parser.error(
                "--report rewrites docs/BENCHMARKS.md, whose sections all come from one run "
                "of `bash benchmarks/run.sh`: run that, or leave --report out"
            )
        setattr(namespace, self.dest, True)


def add_report_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--report",
        nargs=0,
        action=_ReportOption,
        default=False,
        help="write this benchmark's section of docs/BENCHMARKS.md (within benchmarks/run.sh)",
    )


def write_section(name: str, body: str) -> None:
    """Replaces the section `name` of docs/BENCHMARKS.md (or appends it)."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    run = os.environ[RUN_VARIABLE]
    section = (
        f"<!-- {name}:start -->\n## {name}\n\nRun {stamp} on {machine()}; "
        f"part of run.sh run {run}.\n\n{body.strip()}\n<!-- {name}:end -->"
    )
    text = REPORT.read_text() if REPORT.exists() else "# Benchmarks\n"
    marker = re.escape(name)
    pattern = re.compile(rf"<!-- {marker}:start -->.*?<!-- {marker}:end -->", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = f"{text.rstrip()}\n\n{section}\n"
    REPORT.write_text(text)


def publish(name: str, table: str, report: bool) -> None:
    """Prints a benchmark's table and, with --report, makes it section `name` of
    docs/BENCHMARKS.md."""
    print(table)
    if report:
        write_section(name, table)
