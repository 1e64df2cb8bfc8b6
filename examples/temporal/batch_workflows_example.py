#!/usr/bin/env python3
"""Example: many workflows at once.

Starts three learning workflows together, gathers their results and prints the totals,
as the original example did. Exits 1 when any failed.
"""

from __future__ import annotations

import asyncio
import sys
import time

from app.temporal import AILearningWorkflow, LearningRequest, TemporalClientManager

REQUESTS = [
    LearningRequest(
        content="Python asyncio fundamentals: an event loop runs coroutines; await yields to it.",
        source="tutorial",
        category="programming",
    ),
    LearningRequest(
        content="Machine learning model evaluation metrics: precision, recall, F1 and ROC AUC.",
        source="documentation",
        category="data_science",
    ),
    LearningRequest(
        content="Security best practices for web applications: validate input, encode output.",
        source="security_guide",
        category="security",
    ),
]


async def main() -> int:
    async with TemporalClientManager() as manager:
        stamp = time.time()
        handles = []
        for i, request in enumerate(REQUESTS):
            workflow_id = f"batch-learning-{i}-{stamp:.6f}"
            handles.append(
                await manager.client.start_workflow(AILearningWorkflow.run, request, id=workflow_id)
            )
            print(f"started workflow {i + 1}/{len(REQUESTS)}: {workflow_id}")
        print(f"all {len(handles)} started, waiting for the results...")
        results = await asyncio.gather(*(h.result() for h in handles))

    successful = sum(1 for r in results if r.success)
    print("=" * 60)
    print(f"total: {len(results)}  successful: {successful}  failed: {len(results) - successful}")
    print("=" * 60)
    for i, (request, result) in enumerate(zip(REQUESTS, results)):
        if result.success:
            print(
                f"ok   workflow {i + 1}: knowledge entry {result.knowledge_id} ({request.category})"
            )
        else:
            print(f"FAIL workflow {i + 1}: {result.error}")
    knowledge_file = manager.config.data_dir / "memory" / "knowledge.json"
    print(f"knowledge entries are in {knowledge_file.resolve()}")
    return 0 if successful == len(results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
