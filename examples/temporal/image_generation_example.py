#!/usr/bin/env python3
"""Example: ImageGenerationWorkflow.

Generates one image and prints where the PNG is. Without OPENAI_API_KEY or
HUGGINGFACE_API_KEY it uses the `local` backend: an offline procedural renderer (a picture
drawn from the prompt's seed and style, not a model's), so it works on any machine. Exits 1
on failure.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from app.temporal import (
    ImageGenerationRequest,
    ImageGenerationWorkflow,
    TemporalClientManager,
)


def pick_backend() -> str:
    # The keys must be set where the worker runs; on one machine that is here too.
    if os.environ.get("HUGGINGFACE_API_KEY"):
        return "huggingface"
    if os.environ.get("OPENAI_API_KEY"):
        return "openai"
    return "local"


async def main() -> int:
    backend = pick_backend()
    request = ImageGenerationRequest(
        prompt="A lighthouse on a rocky coast at dusk, waves, warm light in the window",
        style="digital_art",
        size="512x512",
        backend=backend,
        user_id="example_user",
    )
    async with TemporalClientManager() as manager:
        workflow_id = f"image-gen-{time.time():.6f}"
        print(f"started {workflow_id} (backend {backend})")
        result = await manager.client.execute_workflow(
            ImageGenerationWorkflow.run, request, id=workflow_id
        )

    if not result.success or result.image_path is None:
        print(f"image generation failed: {result.error}", file=sys.stderr)
        return 1
    metadata = result.metadata or {}
    print(f"PNG: {Path(result.image_path).resolve()}")
    print(f"  {metadata.get('width')}x{metadata.get('height')}, backend {metadata.get('backend')},"
          f" prompt sent: {metadata.get('enhanced_prompt')!r}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
