"""The client manager against the real dev server, with the official Python SDK's worker
where a workflow has to run."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import subprocess
import sys
import textwrap
import time
import uuid
from typing import Any, Optional

import pytest

from app.temporal import (
    Client,
    ConfigError,
    DevServer,
    PayloadError,
    RetryPolicy,
    TemporalClientManager,
    TemporalConfig,
    TemporalConnectionError,
    TemporalError,
    TLSConfig,
    WorkflowAlreadyStartedError,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowResultTimeoutError,
    WorkflowRun,
)
from tests.helpers import free_port


@dataclasses.dataclass
class EchoArg:
    text: str
    count: int = 1
    wait_for_signal: bool = False


@dataclasses.dataclass
class EchoResult:
    echo: dict[str, Any]
    signals: list[str]
    note: Optional[str] = None


ECHO = WorkflowRun[EchoArg, EchoResult]("EchoWorkflow", EchoArg, EchoResult)


def new_id() -> str:
    return f"wf-{uuid.uuid4().hex[:12]}"


async def eventually(check: Any, timeout: float = 10.0) -> Any:
    """Visibility (list, count) lags a little behind writes."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.2)


async def test_start_by_reference_and_typed_result(client: Client, echo_worker: str) -> None:
    handle = await client.start_workflow(
        ECHO, EchoArg("hi", 2), id=new_id(), task_queue=echo_worker
    )
    assert handle.run_id
    result = await handle.result()
    assert result == EchoResult(
        echo={"text": "hi", "count": 2, "wait_for_signal": False}, signals=[]
    )


async def test_start_by_type_name_with_a_dict(client: Client, echo_worker: str) -> None:
    result = await client.execute_workflow(
        "EchoWorkflow", {"text": "plain"}, id=new_id(), task_queue=echo_worker
    )
    assert result == {"echo": {"text": "plain"}, "signals": []}


async def test_signal_query_and_result(client: Client, echo_worker: str) -> None:
    handle = await client.start_workflow(
        ECHO, EchoArg("s", wait_for_signal=True), id=new_id(), task_queue=echo_worker
    )
    await handle.signal("add", "first")
    await handle.signal("add", "second")
    assert await handle.query("signals") == ["first", "second"]
    await handle.signal("finish")
    assert (await handle.result()).signals == ["first", "second"]
    history = await handle.fetch_history()
    types = [e.event_type for e in history]
    assert types[0] == "WorkflowExecutionStarted" and types[-1] == "WorkflowExecutionCompleted"
    assert types.count("WorkflowExecutionSignaled") == 3


async def test_failure_carries_the_cause_chain(client: Client, echo_worker: str) -> None:
    handle = await client.start_workflow(
        "EchoWorkflow", {"fail": "bad input"}, id=new_id(), task_queue=echo_worker
    )
    with pytest.raises(WorkflowFailureError) as info:
        await handle.result()
    assert info.value.status == "failed"
    assert ("EchoFailure", "bad input") in info.value.causes
    assert "bad input" in str(info.value)


async def test_cancel_reaches_the_workflow(client: Client, echo_worker: str) -> None:
    handle = await client.start_workflow(
        ECHO, EchoArg("c", wait_for_signal=True), id=new_id(), task_queue=echo_worker
    )
    await handle.query("signals")  # the worker has picked it up
    await handle.cancel("no longer needed")
    with pytest.raises(WorkflowFailureError) as info:
        await handle.result()
    assert info.value.status == "cancelled"
    assert (await handle.describe()).status is WorkflowExecutionStatus.CANCELED


async def test_describe_terminate_without_a_worker(client: Client, task_queue: str) -> None:
    workflow_id = new_id()
    handle = await client.start_workflow(ECHO, EchoArg("x"), id=workflow_id)
    described = await handle.describe()
    assert described.status is WorkflowExecutionStatus.RUNNING
    assert (described.id, described.workflow_type, described.task_queue) == (
        workflow_id,
        "EchoWorkflow",
        task_queue,
    )
    assert described.start_time is not None and described.close_time is None
    assert described.history_length >= 2
    await handle.terminate("test over")
    with pytest.raises(WorkflowFailureError) as info:
        await handle.result()
    assert info.value.status == "terminated" and "test over" in str(info.value)
    assert (await handle.describe()).close_time is not None


async def test_result_timeout(client: Client) -> None:
    handle = await client.start_workflow(ECHO, EchoArg("t"), id=new_id())
    with pytest.raises(WorkflowResultTimeoutError) as info:
        await handle.result(timeout=0.3)
    assert isinstance(info.value, TimeoutError) and isinstance(info.value, TemporalError)
    await handle.terminate()


async def test_already_started(client: Client) -> None:
    workflow_id = new_id()
    first = await client.start_workflow(ECHO, EchoArg("a"), id=workflow_id)
    with pytest.raises(WorkflowAlreadyStartedError) as info:
        await client.start_workflow(ECHO, EchoArg("a"), id=workflow_id)
    assert info.value.workflow_id == workflow_id and info.value.run_id == first.run_id
    await first.terminate()


async def test_mistyped_dataclass_fields_are_refused_before_sending(client: Client) -> None:
    workflow_id = new_id()
    with pytest.raises(PayloadError, match=r"EchoArg\.count must be int, not str"):
        await client.start_workflow(ECHO, EchoArg("a", count="2"), id=workflow_id)  # type: ignore[arg-type]
    with pytest.raises(PayloadError, match=r"EchoArg\.text must be str, not NoneType"):
        client.blocking.start_workflow(ECHO, EchoArg(None), id=workflow_id)  # type: ignore[arg-type]
    # Nothing was started.
    assert await client.count_workflows(f"WorkflowId='{workflow_id}'") == 0


async def test_list_and_count(client: Client, task_queue: str) -> None:
    ids = {new_id() for _ in range(3)}
    for workflow_id in ids:
        await client.start_workflow(
            "EchoWorkflow",
            {"text": "l"},
            id=workflow_id,
            retry_policy=RetryPolicy(maximum_attempts=1),
        )
    query = f"TaskQueue = '{task_queue}'"
    assert await eventually(lambda: _count_is(client, query, 3))
    listed = [d async for d in client.list_workflows(query)]
    assert {d.id for d in listed} == ids
    assert len([d async for d in client.list_workflows(query, limit=2)]) == 2
    for workflow_id in ids:
        await client.get_workflow_handle(workflow_id).terminate()


async def _count_is(client: Client, query: str, expected: int) -> bool:
    return await client.count_workflows(query) == expected


async def test_many_concurrent_starts(client: Client, task_queue: str) -> None:
    ids = [new_id() for _ in range(1000)]
    handles = await asyncio.gather(
        *(client.start_workflow("EchoWorkflow", {"n": i}, id=i_d) for i, i_d in enumerate(ids))
    )
    assert [h.id for h in handles] == ids
    assert len({h.run_id for h in handles}) == 1000
    query = f"TaskQueue = '{task_queue}'"
    assert await eventually(lambda: _count_is(client, query, 1000), timeout=30)
    await asyncio.gather(*(h.terminate() for h in handles))


async def test_blocking_face_from_eight_threads(
    test_config: TemporalConfig, echo_worker: str
) -> None:
    manager = TemporalClientManager(config=test_config, task_queue=echo_worker)
    sync_client = manager.connect_sync()

    def run(n: int) -> list[Any]:
        results = []
        for i in range(3):
            handle = sync_client.start_workflow(ECHO, EchoArg(f"{n}-{i}"), id=new_id())
            results.append(handle.result(timeout=30).echo["text"])
        return results

    loop = asyncio.get_running_loop()
    outcomes = await asyncio.gather(*(loop.run_in_executor(None, run, n) for n in range(8)))
    texts = sorted(text for outcome in outcomes for text in outcome)
    assert texts == sorted(f"{n}-{i}" for n in range(8) for i in range(3))
    manager.disconnect_sync()
    manager.disconnect_sync()  # twice is fine


async def test_disconnect_really_closes(test_config: TemporalConfig) -> None:
    manager = TemporalClientManager(config=test_config)
    async with manager:
        client = manager.client
        assert await manager.health_check()
    assert not manager.is_connected
    with pytest.raises(TemporalConnectionError, match="disconnected"):
        await client.count_workflows()
    assert manager.client is None


def closed_port() -> int:
    return free_port()


async def test_closed_port_fails_fast_naming_the_address() -> None:
    address = f"127.0.0.1:{closed_port()}"
    config = TemporalConfig(env_file=None, host=address, connect_timeout=5)
    started = time.monotonic()
    with pytest.raises(TemporalConnectionError) as info:
        await TemporalClientManager(config=config).connect()
    assert time.monotonic() - started < 5
    assert isinstance(info.value, ConnectionError)
    assert address in str(info.value) and "connection refused" in str(info.value)
    assert info.value.address == address and info.value.cause == "connection refused"
    assert not await TemporalClientManager(config=config).health_check()


async def test_tls_to_a_plaintext_server_fails_clearly(test_config: TemporalConfig) -> None:
    manager = TemporalClientManager(config=test_config, tls_config=TLSConfig())
    with pytest.raises(TemporalConnectionError) as info:
        await manager.connect()
    assert test_config.host in str(info.value)
    assert info.value.cause == "TLS handshake failed"


@pytest.mark.parametrize(
    ("tls", "says"),
    [
        (TLSConfig(server_root_ca_cert="/nonexistent/ca.pem"), "cannot read the server CA"),
        (TLSConfig(client_cert=b"-----BEGIN CERTIFICATE-----\n"), "needs its private key"),
        (TLSConfig(server_root_ca_cert=b"not pem"), "is not PEM"),
    ],
)
async def test_bad_tls_input(
    test_config: TemporalConfig, tls: TLSConfig, says: Optional[str]
) -> None:
    with pytest.raises((ConfigError, TemporalConnectionError)) as info:
        await TemporalClientManager(config=test_config, tls_config=tls).connect()
    if says:
        assert says in str(info.value)


async def test_api_key_never_shows(dev_server: DevServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "sk-test-" + uuid.uuid4().hex
    # TLS off on purpose: the plaintext dev server ignores the bearer token.
    config = TemporalConfig(env_file=None, host=dev_server.address, tls=False)
    manager = TemporalClientManager(config=config, api_key=secret)
    client = await manager.connect()
    assert await client.count_workflows() >= 0
    shown = [repr(manager), repr(client), caplog.text, repr(TLSConfig(client_private_key=secret))]
    assert all(secret not in text for text in shown)
    await manager.disconnect()


async def test_cloud_client_address(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n")
    key.write_text("-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n")
    monkeypatch.setenv("TEMPORAL_CONNECT_TIMEOUT", "3")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TemporalConnectionError) as info:
        await TemporalClientManager.create_cloud_client(
            "acme.a1b2c", cert, key, api_key="sk-cloud-secret"
        )
    assert "acme.a1b2c.tmprl.cloud:7233" in str(info.value)
    assert "sk-cloud-secret" not in str(info.value)


def test_a_forked_child_gets_a_clear_error(test_config: TemporalConfig) -> None:
    script = textwrap.dedent(
        f"""
        import os, sys
        from app.temporal import TemporalClientManager, TemporalConfig, TemporalError
        config = TemporalConfig(env_file=None, host={test_config.host!r})
        client = TemporalClientManager(config=config).connect_sync()
        client.count_workflows()
        pid = os.fork()
        if pid == 0:
            try:
                client.count_workflows()
            except TemporalError as e:
                os._exit(0 if "fork" in str(e) else 3)
            os._exit(4)
        _, status = os.waitpid(pid, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr


async def test_cancelling_an_await_stops_waiting(client: Client) -> None:
    handle = await client.start_workflow(ECHO, EchoArg("cancel me"), id=new_id())
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(handle.result(), timeout=0.3)
    # The client stays usable afterwards.
    assert (await handle.describe()).status is WorkflowExecutionStatus.RUNNING
    await handle.terminate()
