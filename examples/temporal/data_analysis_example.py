#!/usr/bin/env python3
"""Example: DataAnalysisWorkflow.

Writes a sample CSV (three groups of measurements) into the data dir's inputs/ folder,
where the worker may read it, runs the full analysis (statistics, correlation, k-means,
charts) and prints where the charts and the report are. Exits 1 on failure.
"""

from __future__ import annotations

import asyncio
import math
import random
import sys
import time
from pathlib import Path

from app.temporal import (
    DataAnalysisRequest,
    DataAnalysisWorkflow,
    TemporalClientManager,
    get_temporal_config,
)


def write_sample(path: Path, rows: int = 300) -> Path:
    """Three clusters of (height, weight, age) with a little noise, reproducibly."""
    rng = random.Random(42)
    centres = [(160.0, 55.0, 25.0), (175.0, 75.0, 40.0), (185.0, 95.0, 60.0)]
    lines = ["height_cm,weight_kg,age,group"]
    for i in range(rows):
        group = i % len(centres)
        h, w, a = (c + rng.gauss(0, 3) for c in centres[group])
        lines.append(f"{h:.1f},{w:.1f},{math.floor(a)},g{group}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def main() -> int:
    config = get_temporal_config()
    # The worker reads analysis input from the data dir's inputs/ folder (or the folders
    # of analysis_allowed_roots).
    sample = write_sample(config.data_dir.resolve() / "inputs" / "measurements.csv")
    print(f"sample data: {sample}")
    request = DataAnalysisRequest(file_path=str(sample), analysis_type="full", n_clusters=3)
    async with TemporalClientManager(config=config) as manager:
        workflow_id = f"data-analysis-{time.time():.6f}"
        print(f"started {workflow_id}")
        result = await manager.client.execute_workflow(
            DataAnalysisWorkflow.run, request, id=workflow_id
        )

    if not result.success or result.output_path is None:
        print(f"analysis failed: {result.error}", file=sys.stderr)
        return 1
    results = result.results or {}
    folder = Path(result.output_path).resolve()
    clustering = results.get("clustering") or {}
    print(f"rows analysed: {results.get('row_count')}, clusters: {clustering.get('sizes')}")
    print(f"charts in {folder}:")
    for chart in results.get("charts", []):
        print(f"  {folder / chart}")
    print(f"report: {folder / 'report.json'}; open {folder / 'index.html'} in a browser")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
