"""Upgrades by replay, end to end: `project-ai-temporal replay` against the real dev server
(workflows this build ran, one still open, plus kept histories of an older build), a
history this build cannot replay, and `replay_workflows` from Python. The replay of every
kept history, and of a deliberately changed workflow with and without `patched()`, is in
`cargo test` (src/replay/tests.rs)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from app.temporal import (
    DevServer,
    LearningRequest,
    TemporalClientManager,
    TemporalConfig,
    Worker,
    replay_workflows,
)
from app.temporal.workflows import ProbeRequest
from tests.helpers import subprocess_env

HISTORIES = Path(__file__).parent / "histories"
# Histories an older build of the worker code recorded: commit 1aeabe4, before cancelled
# workflows ended CANCELED behind the `cancelled-ends-canceled` patch.
OLDER_BUILD = HISTORIES / "1aeabe4"
# The dev server's second namespace, which no other test starts workflows in.
NAMESPACE = "project-ai-test"


def replay_cli(address: str, *args: str) -> tuple[int, Any]:
    run = subprocess.run(
        [sys.executable, "-m", "app.temporal", "replay", "--host", address,
         "--namespace", NAMESPACE, "--json", *args],
        capture_output=True, text=True, env=subprocess_env(), timeout=120,
    )  # fmt: skip
    assert run.stdout, run.stderr
    return run.returncode, json.loads(run.stdout)


async def run_on_this_build(address: str, data_dir: Path) -> tuple[list[str], str]:
    """Workflows run to their end by this build, and one left open inside its first step;
    returns their ids."""
    config = TemporalConfig(
        env_file=None,
        host=address,
        namespace=NAMESPACE,
        data_dir=data_dir,
        task_queue=f"replay-{uuid.uuid4().hex[:6]}",
        graceful_shutdown_timeout=2,
    )
    manager = TemporalClientManager(config=config)
    client = await manager.connect()
    try:
        async with Worker(config):
            learning = LearningRequest(
                content="Replay runs workflow code against recorded history.",
                source="test",
                category="programming",
            )
            done = [
                await client.start_workflow("AILearningWorkflow", learning, id=f"learn-{i}")
                for i in range(2)
            ] + [
                await client.start_workflow(
                    "OrchestrationProbeWorkflow", ProbeRequest("p"), id="probe"
                )
            ]
            for handle in done:
                await handle.result(timeout=60)
        # Workflows only, no activities: the workflow schedules its first step and waits.
        async with Worker(config, activities=[]):
            open_one = await client.start_workflow("AILearningWorkflow", learning, id="open")
            await asyncio.sleep(1.5)
        return [h.id for h in done], open_one.id
    finally:
        await manager.disconnect()


def test_the_replay_command_checks_the_servers_workflows_and_an_older_builds(
    dev_server: DevServer, tmp_path: Path
) -> None:
    closed, open_id = asyncio.run(run_on_this_build(dev_server.address, tmp_path / "data"))
    code, report = replay_cli(dev_server.address, "--history", str(OLDER_BUILD))
    assert code == 0 and report["ok"], report
    by_id = {r["workflow_id"]: r for r in report["results"]}
    for workflow_id in [*closed, open_id]:
        assert by_id[workflow_id]["result"] == "ok", by_id[workflow_id]
        assert by_id[workflow_id]["source"].startswith(f"{workflow_id} (")
    assert by_id[open_id]["events"] < by_id[closed[0]]["events"]
    older = [r for r in report["results"] if r["source"].startswith(str(OLDER_BUILD))]
    assert len(older) == len(list(OLDER_BUILD.glob("*.json"))) >= 3, older
    assert all(r["result"] == "ok" for r in older), older

    # --type narrows the server's workflows to one type.
    code, report = replay_cli(dev_server.address, "--type", "OrchestrationProbeWorkflow")
    assert code == 0
    assert [r["workflow_id"] for r in report["results"]] == ["probe"]


def changed_step(kept: Path, out: Path) -> int:
    """A copy of a kept learning history in which its last step ran under another name,
    as an older build with a different step would have recorded it; returns that event."""
    history = json.loads(kept.read_text())
    scheduled = [
        e for e in history["events"] if e["eventType"] == "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED"
    ]
    last = scheduled[-1]
    last["activityTaskScheduledEventAttributes"]["activityType"]["name"] = "store_knowledge_v0"
    out.write_text(json.dumps(history))
    return int(last["eventId"])


def test_a_history_this_build_cannot_replay_fails_the_command_and_names_its_event(
    dev_server: DevServer, tmp_path: Path
) -> None:
    changed = tmp_path / "changed.json"
    event = changed_step(HISTORIES / "0.1.0" / "learning-success.json", changed)
    run = subprocess.run(
        [sys.executable, "-m", "app.temporal", "replay", "--no-server", "--history",
         str(changed), "--history", str(HISTORIES / "0.1.0" / "probe-success.json")],
        capture_output=True, text=True, env=subprocess_env(), timeout=120,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    row = next(line for line in run.stdout.splitlines() if line.startswith(str(changed)))
    assert row.split()[1:] == [
        "AILearningWorkflow",
        "29",
        "non-deterministic",
        "at",
        "event",
        str(event),
    ]
    assert "store_knowledge_v0" in run.stdout and "1 of 2 replayed on this build" in run.stdout


async def test_replay_workflows_from_python_checks_its_arguments(dev_server: DevServer) -> None:
    report = await replay_workflows(histories=[HISTORIES / "0.1.0"])
    assert report.ok and len(report.results) >= 17
    assert {r.workflow_type for r in report.results} >= {
        "AILearningWorkflow",
        "DataAnalysisWorkflow",
    }
    with pytest.raises(ValueError, match="nothing to replay"):
        await replay_workflows()
    manager = TemporalClientManager(
        config=TemporalConfig(env_file=None, host=dev_server.address, namespace=NAMESPACE)
    )
    client = await manager.connect()
    try:
        with pytest.raises(ValueError, match='"Nope" is not a workflow type of this build'):
            await replay_workflows(client, workflow_types=["Nope"])
        with pytest.raises(ValueError, match="between 1 and 1000"):
            await replay_workflows(client, limit=1001)
        for bad_limit in (0, -1):
            with pytest.raises(ValueError, match=f"the limit is {bad_limit}; it must be 1 or more"):
                await replay_workflows(client, limit=bad_limit)
        for bad in (-1, float("inf"), float("nan")):
            with pytest.raises(ValueError, match="finite 0 or more seconds"):
                await replay_workflows(client, closed_within=bad)
    finally:
        await manager.disconnect()


def test_the_replay_command_refuses_what_it_cannot_use(capsys: pytest.CaptureFixture[str]) -> None:
    from app.temporal.cli import main

    assert main(["replay", "--closed-within", "5", "--no-server", "--history", "x"]) == 2
    assert "write a number and a unit: 90s, 30m, 24h or 7d" in capsys.readouterr().err
    assert main(["replay", "--closed-within", "99999999999999d"]) == 2
    assert "longer than a duration can be" in capsys.readouterr().err
    assert main(["replay", "--no-server"]) == 2
    assert "--no-server needs at least one --history PATH" in capsys.readouterr().err
