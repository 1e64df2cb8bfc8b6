#!/usr/bin/env python3
"""Example: MemoryExpansionWorkflow.

Sends a short conversation, and prints how many memories the worker extracted and where
they are stored. Exits 1 on failure.
"""

from __future__ import annotations

import asyncio
import sys
import time

from app.temporal import (
    MemoryExpansionRequest,
    MemoryExpansionWorkflow,
    MemoryStore,
    TemporalClientManager,
)

MESSAGES = [
    {
        "role": "user",
        "content": "Hi! My name is Ada and I live in Lisbon, I work as a data engineer.",
    },
    {"role": "assistant", "content": "Nice to meet you, Ada. How can I help you today?"},
    {"role": "user", "content": "I prefer short answers with code examples, please."},
    {"role": "user", "content": "Remember that my project deadline is on 2026-12-15."},
]


async def main() -> int:
    conversation_id = f"example-conversation-{time.time():.6f}"
    request = MemoryExpansionRequest(
        conversation_id=conversation_id, messages=MESSAGES, user_id="example_user"
    )
    async with TemporalClientManager() as manager:
        workflow_id = f"memory-{time.time():.6f}"
        print(f"started {workflow_id} for conversation {conversation_id}")
        result = await manager.client.execute_workflow(
            MemoryExpansionWorkflow.run, request, id=workflow_id
        )

    if not result.success:
        print(f"memory expansion failed: {result.error}", file=sys.stderr)
        return 1
    data_dir = manager.config.data_dir.resolve()
    print(f"memories: {result.memory_count} new, for conversation {conversation_id}")
    print(f"  stored in the embedded store under {data_dir}")
    for memory in MemoryStore(data_dir).for_conversation(conversation_id):
        detail = f"{memory.subject} = {memory.value}" if memory.value else memory.text
        print(f"  - {memory.kind}: {detail}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
