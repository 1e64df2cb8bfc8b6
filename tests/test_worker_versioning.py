"""Deployment versions on the real dev server: every worker announces a build id (the wheel's
version unless worker_build_id says otherwise), and with worker_versioning on, a rollout
leaves a running workflow pinned to the build that started it while new ones start on the
new current version (the recipe in docs/ARCHITECTURE.md, "Rolling out a new wheel")."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from app.temporal import (
    Client,
    DevServer,
    TemporalClientManager,
    TemporalConfig,
    Worker,
    __version__,
)
from app.temporal.devserver import find_temporal_cli
from app.temporal.workflows import ProbeRequest


def config(server: DevServer, data_dir: Path, queue: str, **settings: Any) -> TemporalConfig:
    return TemporalConfig(
        env_file=None,
        host=server.address,
        data_dir=data_dir,
        task_queue=queue,
        graceful_shutdown_timeout=2,
        **settings,
    )


async def task_versions(client: Client, workflow_id: str) -> list[dict[str, Any]]:
    """What each WorkflowTaskCompleted event of the workflow records about its worker."""
    events = await client.get_workflow_handle(workflow_id).fetch_history()
    return [
        {
            "build_id": e.attributes["worker_version"]["buildId"],
            "deployment": e.attributes["worker_deployment_name"],
            "pinned_to": (e.attributes.get("deployment_version") or {}).get("build_id"),
            "behavior": e.attributes["versioning_behavior"],
        }
        for e in events
        if e.event_type == "WorkflowTaskCompleted"
    ]


def set_current_version(server: DevServer, deployment: str, build_id: str) -> None:
    """The rollout's switch, with the CLI; the version exists once its worker has polled."""
    command = [
        str(find_temporal_cli()), "worker", "deployment", "set-current-version",
        "--address", server.address, "--deployment-name", deployment,
        "--build-id", build_id, "--yes",
    ]  # fmt: skip
    deadline = time.monotonic() + 20
    while True:
        run = subprocess.run(command, capture_output=True, text=True, timeout=30)
        if run.returncode == 0:
            return
        assert time.monotonic() < deadline, run.stderr
        time.sleep(0.5)


async def test_a_worker_announces_the_wheels_version_as_its_build_id(
    dev_server: DevServer, tmp_path: Path
) -> None:
    settings = config(dev_server, tmp_path, f"build-{uuid.uuid4().hex[:6]}")
    assert settings.worker_build_id is None and settings.worker_deployment_name == "project-ai"
    manager = TemporalClientManager(config=settings)
    client = await manager.connect()
    try:
        async with Worker(settings):
            handle = await client.start_workflow(
                "OrchestrationProbeWorkflow", ProbeRequest("p"), id=f"build-{uuid.uuid4().hex}"
            )
            await handle.result(timeout=60)
        versions = await task_versions(client, handle.id)
        assert versions and all(
            v == {"build_id": __version__, "deployment": "project-ai", "pinned_to": None,
                  "behavior": 0}
            for v in versions
        ), versions  # fmt: skip
    finally:
        await manager.disconnect()


async def test_a_rollout_keeps_a_running_workflow_on_its_build(
    dev_server: DevServer, tmp_path: Path
) -> None:
    deployment = f"project-ai-{uuid.uuid4().hex[:6]}"
    queue = f"rollout-{uuid.uuid4().hex[:6]}"

    def build(build_id: str) -> TemporalConfig:
        return config(
            dev_server,
            tmp_path / build_id,
            queue,
            worker_versioning=True,
            worker_deployment_name=deployment,
            worker_build_id=build_id,
        )

    manager = TemporalClientManager(config=build("1.0"))
    client = await manager.connect()
    # The old build's steps take 2 s each, so its workflow is still running at the switch.
    os.environ["PROJECT_AI_TEMPORAL_FAULTS"] = "probe_step=sleep:2"
    try:
        old = await Worker(build("1.0")).start()
    finally:
        del os.environ["PROJECT_AI_TEMPORAL_FAULTS"]
    try:
        await asyncio.to_thread(set_current_version, dev_server, deployment, "1.0")
        running = await client.start_workflow(
            "OrchestrationProbeWorkflow", ProbeRequest("old"), id=f"old-{uuid.uuid4().hex}"
        )
        # The switch to 1.0 reaches the task queue a moment later; the workflow is pinned
        # once 1.0 completes its first task.
        deadline = time.monotonic() + 30
        while not await task_versions(client, running.id):
            assert time.monotonic() < deadline, "1.0 never took the workflow's first task"
            await asyncio.sleep(0.1)
        async with Worker(build("2.0")):
            await asyncio.to_thread(set_current_version, dev_server, deployment, "2.0")
            # Still running at the switch: its remaining tasks are what must stay on 1.0.
            assert (await running.describe()).status == "running"
            started_after = await client.start_workflow(
                "OrchestrationProbeWorkflow", ProbeRequest("new"), id=f"new-{uuid.uuid4().hex}"
            )
            await started_after.result(timeout=60)
            await running.result(timeout=60)
        before, after = (
            await task_versions(client, running.id),
            await task_versions(client, started_after.id),
        )
        pinned = 1  # VERSIONING_BEHAVIOR_PINNED
        assert len(before) >= 4 and all(
            (v["build_id"], v["pinned_to"], v["behavior"]) == ("1.0", "1.0", pinned) for v in before
        ), before
        assert after and all(
            (v["build_id"], v["pinned_to"], v["behavior"]) == ("2.0", "2.0", pinned) for v in after
        ), after
    finally:
        await old.shutdown()
        await manager.disconnect()
