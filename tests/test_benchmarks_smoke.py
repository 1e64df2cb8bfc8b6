"""Each benchmark runs once at a tiny size, so the scripts keep working; the figures in
docs/BENCHMARKS.md come from `bash benchmarks/run.sh`, never from here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


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
    ],
    ids=["client_starts", "import_time", "orchestration", "data_analysis", "memory_search"],
)
def test_benchmark_runs(command: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, *command],
        cwd=BENCHMARKS,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "ratio" in out.stdout.lower() or "run 1: ours" in out.stdout
