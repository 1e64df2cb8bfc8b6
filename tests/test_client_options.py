"""What a start's options and the blocking face do, against the real dev server (with the
official Python SDK's echo worker where a workflow has to run): ID reuse and conflict
policies, execution and run timeouts, memo and search attributes, a workflow retry
policy, list paging, the blocking handle, and the manager as a plain context manager."""

from __future__ import annotations

import asyncio
import base64
import datetime
import json
import subprocess
import time
from typing import Any

import pytest

from app.temporal import (
    Client,
    ConfigError,
    DevServer,
    QueryRejectCondition,
    RetryPolicy,
    RPCError,
    TemporalClientManager,
    TemporalConfig,
    TLSConfig,
    WorkflowAlreadyStartedError,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
    WorkflowQueryRejectedError,
)
from app.temporal.devserver import find_temporal_cli
from tests.test_client import ECHO, EchoArg, new_id


async def executions(client: Client, workflow_id: str, runs: int, timeout: float = 15) -> list[Any]:
    """The workflow id's executions once `runs` of them are listed (visibility lags)."""
    query = f"WorkflowId = '{workflow_id}'"
    deadline = time.monotonic() + timeout
    while True:
        listed = [d async for d in client.list_workflows(query)]
        if len(listed) >= runs or time.monotonic() > deadline:
            return listed
        await asyncio.sleep(0.2)


async def test_reject_duplicate_refuses_a_closed_ids_reuse(
    client: Client, echo_worker: str
) -> None:
    workflow_id = new_id()
    first = await client.start_workflow(ECHO, EchoArg("a"), id=workflow_id, task_queue=echo_worker)
    await first.result()
    with pytest.raises(WorkflowAlreadyStartedError) as info:
        await client.start_workflow(
            ECHO,
            EchoArg("a"),
            id=workflow_id,
            task_queue=echo_worker,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    assert info.value.workflow_id == workflow_id
    # The default allows it: a second run under the same id.
    second = await client.start_workflow(ECHO, EchoArg("b"), id=workflow_id, task_queue=echo_worker)
    assert second.run_id != first.run_id
    assert (await second.result()).echo["text"] == "b"


async def test_failed_only_reuse_follows_how_the_last_run_ended(
    client: Client, echo_worker: str
) -> None:
    completed, failed = new_id(), new_id()
    await client.execute_workflow(
        "EchoWorkflow", {"text": "ok"}, id=completed, task_queue=echo_worker
    )
    with pytest.raises(WorkflowFailureError):
        await client.execute_workflow(
            "EchoWorkflow", {"fail": "once"}, id=failed, task_queue=echo_worker
        )
    policy = WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY
    with pytest.raises(WorkflowAlreadyStartedError):
        await client.start_workflow(
            "EchoWorkflow", {}, id=completed, task_queue=echo_worker, id_reuse_policy=policy
        )
    again = await client.start_workflow(
        "EchoWorkflow", {"text": "again"}, id=failed, task_queue=echo_worker, id_reuse_policy=policy
    )
    assert (await again.result())["echo"] == {"text": "again"}


async def test_conflict_policies_on_a_running_id(client: Client) -> None:
    # No worker polls the client's own queue: the workflow stays running.
    workflow_id = new_id()
    first = await client.start_workflow(ECHO, EchoArg("x"), id=workflow_id)
    existing = await client.start_workflow(
        ECHO,
        EchoArg("y"),
        id=workflow_id,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    assert existing.run_id == first.run_id
    replacing = await client.start_workflow(
        ECHO,
        EchoArg("z"),
        id=workflow_id,
        id_conflict_policy=WorkflowIDConflictPolicy.TERMINATE_EXISTING,
    )
    assert replacing.run_id != first.run_id
    old = client.get_workflow_handle(workflow_id, run_id=first.run_id)
    assert (await old.describe()).status is WorkflowExecutionStatus.TERMINATED
    assert (await replacing.describe()).status is WorkflowExecutionStatus.RUNNING
    await replacing.terminate()


@pytest.mark.parametrize("option", ["execution_timeout", "run_timeout"])
async def test_a_timeout_ends_a_workflow_that_no_worker_runs(client: Client, option: str) -> None:
    options: dict[str, Any] = {option: 1}
    handle = await client.start_workflow(ECHO, EchoArg("slow"), id=new_id(), **options)
    with pytest.raises(WorkflowFailureError) as info:
        await handle.result(timeout=30)
    assert info.value.status == "timed_out"
    assert (await handle.describe()).status is WorkflowExecutionStatus.TIMED_OUT


async def test_memo_and_search_attributes_reach_the_server(
    client: Client, dev_server: DevServer
) -> None:
    # A Keyword attribute of this test's own, registered as an operator would.
    subprocess.run(
        [str(find_temporal_cli()), "operator", "search-attribute", "create",
         "--name", "ProjectAiTestTag", "--type", "Keyword",
         "--address", dev_server.address, "--namespace", client.namespace],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    marker = new_id()
    deadline = time.monotonic() + 15
    while True:  # a new attribute reaches the server's caches within moments
        try:
            handle = await client.start_workflow(
                ECHO,
                EchoArg("m"),
                id=new_id(),
                memo={"owner": "alice", "tries": 3},
                search_attributes={"ProjectAiTestTag": marker},
            )
            break
        except RPCError as e:
            assert "ProjectAiTestTag" in str(e) and time.monotonic() < deadline, e
            await asyncio.sleep(0.2)
    started = (await handle.fetch_history())[0]
    fields = started.attributes["memo"]["fields"]
    assert {k: json.loads(base64.b64decode(v["data"])) for k, v in fields.items()} == {
        "owner": "alice",
        "tries": 3,
    }
    query = f"ProjectAiTestTag = '{marker}'"
    deadline = time.monotonic() + 15
    while not (found := [d.id async for d in client.list_workflows(query)]):
        assert time.monotonic() < deadline, "the search attribute's query found nothing"
        await asyncio.sleep(0.2)
    assert found == [handle.id]
    await handle.terminate()


async def test_a_workflow_retry_policy_runs_it_again(client: Client) -> None:
    # The echo workflow's own failure is non-retryable, so this retries a run timeout: no
    # worker polls the client's queue, each run times out after 1 s, the policy starts one
    # more run and then gives up.
    workflow_id = new_id()
    handle = await client.start_workflow(
        ECHO,
        EchoArg("r"),
        id=workflow_id,
        run_timeout=1,
        retry_policy=RetryPolicy(initial_interval=0.1, maximum_attempts=2),
    )
    with pytest.raises(WorkflowFailureError) as info:
        await handle.result(timeout=30)
    assert info.value.status == "timed_out"
    runs = await executions(client, workflow_id, 2)
    assert len(runs) == 2
    assert all(r.status is WorkflowExecutionStatus.TIMED_OUT for r in runs)


async def test_list_pages_give_each_execution_once_newest_first(
    client: Client, task_queue: str
) -> None:
    ids = [new_id() for _ in range(7)]
    for workflow_id in ids:
        await client.start_workflow(ECHO, EchoArg("p"), id=workflow_id)
    query = f"TaskQueue = '{task_queue}'"
    deadline = time.monotonic() + 15
    while await client.count_workflows(query) < 7:
        assert time.monotonic() < deadline, "visibility did not list the 7 workflows"
        await asyncio.sleep(0.2)
    paged = [d async for d in client.list_workflows(query, page_size=2)]
    assert [d.id for d in paged] == ids[::-1]
    assert [d.id for d in client.blocking.list_workflows(query, page_size=3, limit=5)] == ids[::-1][
        :5
    ]
    for workflow_id in ids:
        await client.get_workflow_handle(workflow_id).terminate()


async def test_blocking_handle_and_manager_without_an_event_loop(
    test_config: TemporalConfig, echo_worker: str
) -> None:
    # In a thread of its own: the echo worker runs on this test's event loop.
    def blocking() -> None:
        with TemporalClientManager(config=test_config, task_queue=echo_worker) as manager:
            client = manager.connect_sync()
            handle = client.start_workflow(ECHO, EchoArg("s", wait_for_signal=True), id=new_id())
            handle.signal("add", "one")
            assert handle.query("signals") == ["one"]
            assert handle.describe().status is WorkflowExecutionStatus.RUNNING
            handle.cancel("done")
            with pytest.raises(WorkflowFailureError) as info:
                handle.result(timeout=30)
            assert info.value.status == "cancelled"
            events = [e.event_type for e in handle.fetch_history()]
            assert "WorkflowExecutionCancelRequested" in events
            assert events[-1] == "WorkflowExecutionCanceled"
            assert manager.is_connected
        assert not manager.is_connected

    await asyncio.wait_for(asyncio.to_thread(blocking), 60)


async def test_an_unknown_start_option_is_named_with_the_allowed_ones(client: Client) -> None:
    with pytest.raises(
        TypeError, match=r"unknown start options \['taskqueue'\].*allowed: id, task_queue"
    ):
        await client.start_workflow(ECHO, EchoArg("u"), id=new_id(), taskqueue="q")  # type: ignore[call-arg]


async def test_a_closed_workflow_answers_queries_unless_told_to_refuse(
    client: Client, echo_worker: str
) -> None:
    handle = await client.start_workflow(
        ECHO, EchoArg("q", wait_for_signal=True), id=new_id(), task_queue=echo_worker
    )
    await handle.signal("add", "last")
    await handle.signal("finish")
    await handle.result()
    assert await handle.query("signals") == ["last"]  # from its final state
    with pytest.raises(WorkflowQueryRejectedError) as info:
        await handle.query("signals", reject_condition=QueryRejectCondition.NOT_OPEN)
    assert info.value.workflow_id == handle.id
    assert "completed" in str(info.value).lower()
    with pytest.raises(
        ConfigError, match=r'reject_condition "closed" is not one of none, not_open'
    ):
        await handle.query("signals", reject_condition="closed")  # type: ignore[arg-type]


async def test_an_unknown_namespace_is_an_rpc_error_naming_it(test_config: TemporalConfig) -> None:
    client = await Client.connect(namespace="no-such-namespace", config=test_config)
    try:
        with pytest.raises(RPCError) as info:
            await client.describe_namespace()
        assert info.value.status_name == "NotFound"
        assert "no-such-namespace" in str(info.value)
    finally:
        client.close()


async def test_omitted_options_take_the_configured_timeouts(
    test_config: TemporalConfig, task_queue: str
) -> None:
    config = TemporalConfig(
        env_file=None,
        host=test_config.host,
        workflow_execution_timeout=700,
        workflow_run_timeout=600,
    )
    client = await Client.connect(config=config, task_queue=task_queue)
    try:
        handle = await client.start_workflow(ECHO, EchoArg("d"), id=new_id())
        started = (await handle.fetch_history())[0].attributes
        seconds = [
            float(started[f"workflow_{t}_timeout"].rstrip("s")) for t in ("execution", "run")
        ]
        assert seconds == [700, 600]
        assert started["task_queue"]["name"] == task_queue
        await handle.terminate()
    finally:
        client.close()


async def test_policies_and_tls_cross_to_the_core_as_they_are(
    client: Client, test_config: TemporalConfig
) -> None:
    # A timedelta or seconds alike; a negative one is refused naming the field.
    handle = await client.start_workflow(
        ECHO,
        EchoArg("t"),
        id=new_id(),
        retry_policy=RetryPolicy(
            initial_interval=datetime.timedelta(milliseconds=250),
            maximum_interval=2,
            maximum_attempts=4,
            non_retryable_error_types=("Fatal",),
        ),
    )
    policy = (await handle.fetch_history())[0].attributes["retry_policy"]
    assert policy == {
        "initialInterval": "0.250000000s",
        "maximumInterval": "2.000000000s",
        "backoffCoefficient": 2.0,
        "maximumAttempts": 4,
        "nonRetryableErrorTypes": ["Fatal"],
    }
    await handle.terminate()
    with pytest.raises(ConfigError, match=r"retry_policy\.initial_interval must be a non-negative"):
        await client.start_workflow(
            ECHO,
            EchoArg("n"),
            id=new_id(),
            retry_policy=RetryPolicy(initial_interval=datetime.timedelta(seconds=-1)),
        )
    with pytest.raises(TypeError, match=r"TLSConfig\.client_cert") as info:
        await Client.connect(config=test_config, tls=TLSConfig(client_cert=42))  # type: ignore[arg-type]
    assert "bytes, PEM text, or the path of a PEM file" in str(info.value.__cause__)


async def test_a_policy_name_is_checked_once_naming_the_allowed_ones(client: Client) -> None:
    workflow_id = new_id()
    with pytest.raises(
        ConfigError, match=r'id_reuse_policy "reject" is not one of allow_duplicate'
    ):
        await client.start_workflow(ECHO, EchoArg("p"), id=workflow_id, id_reuse_policy="reject")  # type: ignore[typeddict-item]
    with pytest.raises(ConfigError, match=r'id_conflict_policy "use" is not one of fail, use_exi'):
        client.blocking.start_workflow(ECHO, EchoArg("p"), id=workflow_id, id_conflict_policy="use")  # type: ignore[typeddict-item]
    # The plain value works as the enum member does.
    handle = await client.start_workflow(
        ECHO,
        EchoArg("p"),
        id=workflow_id,
        id_reuse_policy="reject_duplicate",  # type: ignore[typeddict-item]
    )
    await handle.terminate()
