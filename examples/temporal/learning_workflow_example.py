#!/usr/bin/env python3
"""Example: AILearningWorkflow.

Starts one learning workflow, waits for its durable result and shows the knowledge entry
the worker stored. Needs a running server and worker (see README.md). Exits 1 on failure.
"""

from __future__ import annotations

import asyncio
import sys
import time

from app.temporal import (
    AILearningWorkflow,
    KnowledgeStore,
    LearningRequest,
    TemporalClientManager,
)

CONTENT = """
Python Error Handling Best Practices:
1. Use specific exception types rather than bare except
2. Always log exceptions with context
3. Use context managers for resource cleanup
4. Consider custom exceptions for domain-specific errors
5. Use finally blocks for cleanup that must always run
"""


async def main() -> int:
    async with TemporalClientManager() as manager:  # address, namespace, queue: TemporalConfig
        request = LearningRequest(
            content=CONTENT,
            source="best_practices_guide",
            category="programming",
            user_id="example_user",
        )
        workflow_id = f"learning-{time.time():.6f}"
        handle = await manager.client.start_workflow(
            AILearningWorkflow.run, request, id=workflow_id
        )
        print(f"started {workflow_id} on task queue {manager.task_queue}")
        result = await handle.result()  # durable: survives worker and client restarts

    if not result.success:
        print(f"learning failed: {result.error}", file=sys.stderr)
        return 1
    data_dir = manager.config.data_dir
    entry = KnowledgeStore(data_dir).get(result.knowledge_id or "")
    print(f"knowledge entry: {result.knowledge_id}")
    if entry is not None:
        print(f"  title:    {entry.title}")
        print(f"  keywords: {', '.join(entry.keywords[:6])}")
    print(f"  stored in {(data_dir / 'memory' / 'knowledge.json').resolve()}"
          f" under {request.category!r} and in the embedded knowledge store")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
