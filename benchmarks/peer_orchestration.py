"""The peer of benchmarks/orchestration.py: OrchestrationProbeWorkflow's shape written for
the official `temporalio` Python SDK, the way Project-AI's workflows use it: four
activities in turn with AILearningWorkflow's timeouts and retry policies, bodies that do
nothing. Kept in a module of its own so the SDK's workflow sandbox can import it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

NAME = "PeerOrchestrationProbeWorkflow"


@dataclass
class ProbeStep:
    step: int
    payload: str
    attempt: int = 0


@activity.defn(name="probe_step")
async def probe_step(step: ProbeStep) -> ProbeStep:
    return ProbeStep(step.step, step.payload, activity.info().attempt)


def _policy(attempts: int) -> RetryPolicy:
    return RetryPolicy(
        initial_interval=timedelta(seconds=1),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(seconds=30),
        maximum_attempts=attempts,
    )


# AILearningWorkflow's steps: start-to-close timeout (s) and attempts.
SHAPE = ((30, 3), (10, 3), (300, 3), (30, 3))


@workflow.defn(name=NAME)
class PeerOrchestrationProbeWorkflow:
    @workflow.run
    async def run(self, request: dict[str, Any]) -> dict[str, Any]:
        payload = str(request.get("payload", ""))
        local = bool(request.get("local_activities", False))
        for number, (timeout, attempts) in enumerate(SHAPE, start=1):
            step = ProbeStep(number, payload)
            options: dict[str, Any] = {
                "start_to_close_timeout": timedelta(seconds=timeout),
                "retry_policy": _policy(attempts),
            }
            if local:
                done = await workflow.execute_local_activity(probe_step, step, **options)
            else:
                done = await workflow.execute_activity(probe_step, step, **options)
            payload = done.payload
        return {"success": True, "steps": len(SHAPE), "error": None}
