"""Each benchmark runs once at a tiny size, so the scripts keep working; the figures in
docs/BENCHMARKS.md come from `bash benchmarks/run.sh`, never from here."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def run(command: list[str]) -> str:
    out = subprocess.run(
        [sys.executable, *command],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def rates(stdout: str, names: list[str]) -> dict[str, float]:
    """The first figure after each name in the printed table rows that hold a rate."""
    found = {}
    for name in names:
        row = re.search(rf"^\| {name} \| ([\d,.]+) \(", stdout, re.M)
        assert row, f"no table row for {name} in:\n{stdout}"
        found[name] = float(row.group(1).replace(",", ""))
    return found


@pytest.mark.parametrize(
    "command",
    [
        ["client_starts.py", "--count", "20", "--in-flight", "5", "--runs", "1"],
        ["import_time.py", "--runs", "1"],
        [
            "orchestration.py",
            *("--count", "10", "--in-flight", "5", "--runs", "1", "--warmup", "2"),
            *("--variants", "official,ours,ours+eager+local"),
        ],
        ["data_analysis.py", "--rows", "300", "--runs", "1", "--skip-peer"],
        ["memory_search.py", "--memories", "300", "--queries", "20", "--batch", "50"],
        ["store_search.py", "--memories", "300", "--queries", "20", "--batch", "50", "--runs", "1"],
    ],
    ids=[
        "client_starts",
        "import_time",
        "orchestration",
        "data_analysis",
        "memory_search",
        "store_search",
    ],
)
def test_benchmark_runs(command: list[str]) -> None:
    stdout = run(command)
    assert "ratio" in stdout.lower() or "run 1: ours" in stdout or "slower mix has p50" in stdout


def test_workflows_e2e_runs_all_four() -> None:
    tiny = ["--runs", "1", "--sequential", "1", "--count", "2", "--warm-up", "0"]
    sizes = ["--csv-rows", "100", "--image-size", "64x64", "--messages", "6"]
    stdout = run(["workflows_e2e.py", *tiny, *sizes])
    workflows = [
        "AILearningWorkflow",
        "ImageGenerationWorkflow",
        "DataAnalysisWorkflow",
        "MemoryExpansionWorkflow",
    ]
    # The rows of the "at once" table start with the rate; those of the other with the request.
    assert all(rate > 0 for rate in rates(stdout, workflows).values()), stdout


def test_devserver_storage_runs_both() -> None:
    stdout = run(["devserver_storage.py", "--count", "6", "--in-flight", "3", "--runs", "1"])
    assert all(rate > 0 for rate in rates(stdout, ["memory", "file"]).values()), stdout
    assert re.search(r"File / memory: rate \d+\.\d\dx", stdout), stdout


@pytest.mark.parametrize(
    ("kind", "count"), [("knowledge", "6"), ("images", "6"), ("memories", "1")]
)
def test_growth_runs(kind: str, count: str) -> None:
    sizes = ["--existing", "50", "--base", "20", "--count", count]
    stdout = run(["growth.py", kind, *sizes, "--in-flight", "3", "--runs", "1"])
    assert re.search(r"Grown against base \(above 1 is better\): .*\d+\.\d\dx", stdout), stdout


def test_package_size_reports_ours_and_the_official_bridge(tmp_path: Path) -> None:
    (tmp_path / "project_ai_temporal-0.1.0-cp39-abi3-linux_x86_64.whl").write_bytes(b"x" * 10)
    stdout = run(["package_size.py", "--wheel-dir", str(tmp_path)])
    assert "| project-ai-temporal wheel | `project_ai_temporal-0.1.0" in stdout, stdout
    assert "temporal_sdk_bridge" in stdout and "against the official bridge" in stdout


def test_report_is_refused_outside_run_sh() -> None:
    out = subprocess.run(
        [sys.executable, "import_time.py", "--runs", "1", "--report"],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "BENCH_RUN"},
    )
    assert out.returncode == 2 and "one run of `bash benchmarks/run.sh`" in out.stderr
