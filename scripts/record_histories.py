"""Records the histories the replay test keeps: each workflow down each path that matters.

    python scripts/record_histories.py [--out tests/histories/<version>]

Starts the embedded dev server and two workers of the installed build (one of them with
test faults, for retries, timeouts and cancellation mid-step), runs every scenario below,
and writes each history as `temporal workflow show -o json` prints it, plus
`scenarios.csv` (scenario, workflow type, how it ended, events). Run it once per released version;
`tests/test_replay.py` replays every kept version against the current code.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))

from app.temporal import (  # noqa: E402
    BlackVault,
    Client,
    DevServer,
    TemporalClientManager,
    TemporalConfig,
    Worker,
    __version__,
)
from app.temporal.devserver import find_temporal_cli  # noqa: E402

# Slow steps on the faulty worker: long enough to query or cancel a workflow mid-step.
FAULTS = (
    "process_learning_request=sleep:3,generate_image=sleep:3,"
    "perform_analysis=sleep:3,extract_memory_information=fail:9,probe_step=fail:9"
)
BLOCKED = "how to build the forbidden device"


@dataclass(frozen=True)
class Scenario:
    name: str
    workflow: str
    request: dict[str, Any]
    faulty: bool = False
    """Run on the worker with FAULTS."""
    action: Optional[str] = None
    """"query" or "cancel" once the workflow is mid-step."""


def scenarios(inputs: Path) -> list[Scenario]:
    learning = {
        "content": "Rust has no garbage collector.",
        "source": "record",
        "category": "programming",
    }
    image = {"prompt": "a lighthouse on a cliff", "size": "64x64", "backend": "local", "seed": 1}
    data = {"file_path": str(inputs / "blobs.csv"), "analysis_type": "full"}
    memory = {
        "conversation_id": "record",
        "messages": [
            {"role": "user", "content": "My name is Ada and I prefer tea over coffee."},
            {"role": "assistant", "content": "Noted, Ada."},
        ],
    }
    return [
        Scenario("learning-success", "AILearningWorkflow", learning),
        Scenario("learning-invalid", "AILearningWorkflow", {**learning, "content": ""}),
        Scenario("learning-blocked", "AILearningWorkflow", {**learning, "content": BLOCKED}),
        Scenario("learning-query", "AILearningWorkflow", learning, faulty=True, action="query"),
        Scenario(
            "learning-cancelled", "AILearningWorkflow", learning, faulty=True, action="cancel"
        ),
        Scenario("image-success", "ImageGenerationWorkflow", image),
        Scenario("image-unsafe", "ImageGenerationWorkflow", {**image, "prompt": "two weapons"}),
        Scenario("image-cancelled", "ImageGenerationWorkflow", image, faulty=True, action="cancel"),
        Scenario("data-success", "DataAnalysisWorkflow", data),
        Scenario(
            "data-missing-file",
            "DataAnalysisWorkflow",
            {**data, "file_path": str(inputs / "missing.csv")},
        ),
        Scenario("data-query", "DataAnalysisWorkflow", data, faulty=True, action="query"),
        Scenario("data-cancelled", "DataAnalysisWorkflow", data, faulty=True, action="cancel"),
        Scenario("memory-success", "MemoryExpansionWorkflow", memory),
        Scenario("memory-retries-exhausted", "MemoryExpansionWorkflow", memory, faulty=True),
        Scenario("probe-success", "OrchestrationProbeWorkflow", {"payload": "p"}),
        Scenario(
            "probe-local-success",
            "OrchestrationProbeWorkflow",
            {"payload": "p", "local_activities": True},
        ),
        Scenario(
            "probe-retries-exhausted", "OrchestrationProbeWorkflow", {"payload": "p"}, faulty=True
        ),
    ]


def write_inputs(inputs: Path) -> None:
    inputs.mkdir(parents=True, exist_ok=True)
    with (inputs / "blobs.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["x", "y", "kind"])
        for i in range(60):
            centre = (i % 3) * 20
            writer.writerow([centre + (i % 7) / 10, centre - (i % 5) / 10, "ab"[i % 2]])


async def run(scenario: Scenario, client: Client, queue: str) -> str:
    handle = await client.start_workflow(
        scenario.workflow,
        scenario.request,
        id=f"{scenario.name}-{uuid.uuid4().hex[:8]}",
        task_queue=queue,
    )
    if scenario.action is not None:
        await asyncio.sleep(1.0)
        if scenario.action == "query":
            await handle.query("status")
        else:
            await handle.cancel(reason="recorded cancellation")
    try:
        await handle.result(timeout=120)
    except Exception as e:
        print(f"  {scenario.name}: {type(e).__name__}", file=sys.stderr)
    return handle.id


def show(cli: Path, address: str, workflow_id: str) -> dict[str, Any]:
    shown = subprocess.run(
        [str(cli), "workflow", "show", "--address", address, "-w", workflow_id, "-o", "json"],
        check=True,
        capture_output=True,
        text=True,
    )
    history: dict[str, Any] = json.loads(shown.stdout)
    return history


def end_of(history: dict[str, Any]) -> str:
    last: str = history["events"][-1]["eventType"]
    return last.removeprefix("EVENT_TYPE_WORKFLOW_EXECUTION_").lower()


async def record(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    cli = find_temporal_cli()
    with tempfile.TemporaryDirectory() as tmp, DevServer(headless=True) as server:
        data_dir = Path(tmp) / "data"
        write_inputs(data_dir / "inputs")
        BlackVault(data_dir).add(BLOCKED)

        def config(queue: str) -> TemporalConfig:
            return TemporalConfig(
                env_file=None,
                host=server.address,
                data_dir=data_dir,
                task_queue=queue,
                graceful_shutdown_timeout=2,
            )

        async with Worker(config("record")):
            os.environ["PROJECT_AI_TEMPORAL_FAULTS"] = FAULTS
            try:
                faulty_worker = Worker(config("record-faulty"))
                await faulty_worker.start()
            finally:
                del os.environ["PROJECT_AI_TEMPORAL_FAULTS"]
            manager = TemporalClientManager(config=config("record"))
            client = await manager.connect()
            try:
                index = []
                for scenario in scenarios(data_dir / "inputs"):
                    queue = "record-faulty" if scenario.faulty else "record"
                    workflow_id = await run(scenario, client, queue)
                    history = show(cli, server.address, workflow_id)
                    path = out / f"{scenario.name}.json"
                    path.write_text(json.dumps(history, indent=1) + "\n")
                    index.append(
                        {
                            "scenario": scenario.name,
                            "workflow_type": scenario.workflow,
                            "ended": end_of(history),
                            "events": len(history["events"]),
                        }
                    )
                    print(f"{path.name}: {index[-1]['ended']}, {index[-1]['events']} events")
            finally:
                await manager.disconnect()
                await faulty_worker.shutdown()
        with (out / "scenarios.csv").open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(index[0]))
            writer.writeheader()
            writer.writerows(index)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "tests" / "histories" / __version__,
        help="the folder for this version's histories (default tests/histories/<version>)",
    )
    asyncio.run(record(parser.parse_args().out))


if __name__ == "__main__":
    main()
