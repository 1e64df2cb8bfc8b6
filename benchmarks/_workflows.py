"""Shared by the end-to-end workflow benchmarks: the four real workflows' requests, this
project's worker and client in this process, and a timed batch of workflows."""

from __future__ import annotations

import argparse
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import Batch, timed_batch
from data_analysis import make_csv
from memory_search import Corpus

from app.temporal import (
    AILearningWorkflow,
    Client,
    DataAnalysisRequest,
    DataAnalysisWorkflow,
    ImageGenerationRequest,
    ImageGenerationWorkflow,
    LearningRequest,
    MemoryExpansionRequest,
    MemoryExpansionWorkflow,
    TemporalClientManager,
    TemporalConfig,
    Worker,
)

KINDS = {
    "learning": "AILearningWorkflow",
    "image": "ImageGenerationWorkflow",
    "data": "DataAnalysisWorkflow",
    "memory": "MemoryExpansionWorkflow",
}


def kind_list(text: str) -> list[str]:
    """--kinds: comma-separated workflow kinds, each one of KINDS."""
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(
            f"unknown workflow kinds {unknown}; allowed: {', '.join(KINDS)}"
        )
    return kinds


# (workflow, request) for workflow number i.
Work = Callable[[int], tuple[Any, Any]]


@dataclass(frozen=True)
class Sizes:
    csv_rows: int = 1_000
    image_size: str = "512x512"
    conversation_messages: int = 40


def workload(kind: str, data_dir: Path, count: int, sizes: Sizes) -> Work:
    """The requests of `count` workflows of one kind, made before any timing starts. Every
    request differs (content, seed, conversation) so nothing is served twice; the data
    analyses share one CSV in `data_dir`/inputs, which the worker may read."""
    if kind == "learning":
        learning = [
            LearningRequest(
                content=f"Benchmark fact {i}: {uuid.uuid4().hex} is learned once.",
                source="benchmark",
                category="facts",
            )
            for i in range(count)
        ]
        return lambda i: (AILearningWorkflow.run, learning[i])
    if kind == "image":
        images = [
            ImageGenerationRequest(
                prompt=f"a lighthouse on a cliff at dusk, study {i}",
                style="watercolor",
                size=sizes.image_size,
                backend="local",  # the offline renderer: no network, no key
                seed=i,
            )
            for i in range(count)
        ]
        return lambda i: (ImageGenerationWorkflow.run, images[i])
    if kind == "data":
        csv = data_dir / "inputs" / "bench.csv"
        if not csv.exists():
            csv.parent.mkdir(parents=True, exist_ok=True)
            make_csv(csv, sizes.csv_rows)
        analysis = DataAnalysisRequest(file_path=str(csv), analysis_type="full")
        return lambda i: (DataAnalysisWorkflow.run, analysis)
    if kind == "memory":
        corpus = Corpus()
        memories = [
            MemoryExpansionRequest(
                f"conversation-{uuid.uuid4().hex[:12]}",
                corpus.conversation(sizes.conversation_messages),
                f"user-{i % 10}",
            )
            for i in range(count)
        ]
        return lambda i: (MemoryExpansionWorkflow.run, memories[i])
    raise ValueError(f"unknown workflow kind {kind!r}; one of {', '.join(KINDS)}")


@asynccontextmanager
async def worker_and_client(address: str, data_dir: Path) -> AsyncIterator[Client]:
    """This project's worker (the app's default limits) and a client, sharing one connection
    in this process, on a task queue of their own."""
    config = TemporalConfig(
        env_file=None,
        host=address,
        data_dir=data_dir,
        task_queue=f"bench-{uuid.uuid4().hex[:8]}",
        log_level="WARNING",
    )
    async with (
        TemporalClientManager(config=config) as manager,
        Worker(config, client=manager.client),
    ):
        yield manager.client


async def run_batch(
    client: Client, server_pid: int, work: Work, count: int, in_flight: int
) -> Batch:
    """Runs workflows 0..count-1 of `work` with at most `in_flight` open at once (1: one
    after the other; count: all started at once). Exits when any of them fails."""

    async def one(i: int) -> None:
        workflow, request = work(i)
        handle = await client.start_workflow(workflow, request, id=f"bench-{uuid.uuid4().hex}")
        result = await handle.result(timeout=600)
        if not result.success:
            raise SystemExit(f"workflow {i} ({type(request).__name__}) failed: {result.error}")

    return await timed_batch(one, count, in_flight, server_pid)
