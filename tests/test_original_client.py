"""``app.temporal.client`` as the original integration's code and tests use it: the manager's
attributes, ``Client.connect`` (patchable), ``create_worker`` / ``run_worker`` with the
workflows and activities given, ``health_check`` through ``describe_namespace``."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from unittest.mock import AsyncMock, MagicMock, patch

import pytest

from app.temporal import (
    AILearningWorkflow,
    DevServer,
    ImageGenerationRequest,
    ImageGenerationWorkflow,
    LearningRequest,
    TemporalConfig,
    WorkerError,
    image_activities,
)
from app.temporal.client import Client, TemporalClientManager, Worker
from app.temporal.errors import TemporalConnectionError, WorkflowResultTimeoutError

IMAGE_ACTIVITIES = ["check_content_safety", "generate_image", "store_image_metadata"]


def test_defaults_are_the_effective_values(clean_env: Path) -> None:
    manager = TemporalClientManager()
    assert manager.target_host == "localhost:7233"
    assert manager.namespace == "default"
    assert manager.task_queue == "project-ai-tasks"
    assert manager.tls_config is None
    assert manager._client is None
    assert manager._workers == []
    assert manager.client is None
    assert not manager.is_connected


def test_configured_values_fill_what_is_not_given(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEMPORAL_HOST", "temporal.internal:7233")
    monkeypatch.setenv("TEMPORAL_NAMESPACE", "project-ai")
    config = TemporalConfig()
    manager = TemporalClientManager(config=config)
    assert (manager.target_host, manager.namespace) == ("temporal.internal:7233", "project-ai")
    given = TemporalClientManager("other:7233", "ns", "queue", config=config)
    assert (given.target_host, given.namespace, given.task_queue) == ("other:7233", "ns", "queue")


def test_a_cloud_namespace_means_its_cloud_address(clean_env: Path) -> None:
    manager = TemporalClientManager(config=TemporalConfig(cloud_namespace="acme.a1b2c"))
    assert manager.target_host == "acme.a1b2c.tmprl.cloud:7233"
    assert manager.namespace == "acme.a1b2c"


@patch("app.temporal.client.Client")
async def test_connect_goes_through_client_connect(client_class: MagicMock) -> None:
    connected = AsyncMock()
    client_class.connect = AsyncMock(return_value=connected)
    manager = TemporalClientManager("somewhere:7233", "ns")
    assert await manager.connect() is connected
    assert manager._client is connected and manager.client is connected
    client_class.connect.assert_called_once()
    args, kwargs = client_class.connect.call_args
    assert args == ("somewhere:7233",)
    assert kwargs["namespace"] == "ns" and kwargs["tls"] is None


@patch("app.temporal.client.Client")
async def test_any_connect_failure_is_a_connection_error(client_class: MagicMock) -> None:
    client_class.connect = AsyncMock(side_effect=Exception("Connection failed"))
    manager = TemporalClientManager("somewhere:7233")
    with pytest.raises(ConnectionError, match=r"somewhere:7233.*Connection failed") as info:
        await manager.connect()
    assert isinstance(info.value, TemporalConnectionError)
    assert manager._client is None


async def test_disconnect_forgets_client_and_workers() -> None:
    manager = TemporalClientManager()
    manager._client = MagicMock()
    manager._workers = [MagicMock(), MagicMock()]
    await manager.disconnect()
    assert manager._client is None
    assert manager._workers == []


@patch("app.temporal.client.Worker")
def test_create_worker_builds_a_worker_on_the_managers_queue(worker_class: MagicMock) -> None:
    manager = TemporalClientManager(task_queue="queue-x")
    manager._client = MagicMock()
    workflows, activities = [MagicMock(), MagicMock()], [MagicMock()]
    worker = manager.create_worker(workflows=workflows, activities=activities)
    assert worker is worker_class.return_value
    assert manager._workers == [worker]
    args, kwargs = worker_class.call_args
    assert args == (manager._client,)
    assert kwargs["task_queue"] == "queue-x"
    assert kwargs["workflows"] == workflows and kwargs["activities"] == activities
    assert kwargs["max_concurrent_activities"] == 100
    assert kwargs["max_concurrent_workflow_tasks"] == 100


def test_create_worker_needs_a_client() -> None:
    with pytest.raises(RuntimeError, match=r"^Client not connected\. Call connect\(\) first\.$"):
        TemporalClientManager().create_worker(workflows=[], activities=[])


async def test_health_check_asks_describe_namespace() -> None:
    manager = TemporalClientManager()
    assert await manager.health_check() is False
    manager._client = AsyncMock()
    assert await manager.health_check() is True
    manager._client.describe_namespace.assert_called_once()
    manager._client.describe_namespace = AsyncMock(side_effect=Exception("Connection lost"))
    assert await manager.health_check() is False


@patch("app.temporal.client.Client")
async def test_async_with_connects_and_disconnects(client_class: MagicMock) -> None:
    connected = AsyncMock()
    client_class.connect = AsyncMock(return_value=connected)
    async with TemporalClientManager() as manager:
        assert manager._client is connected
    assert manager._client is None


async def test_real_connect_describe_and_health(test_config: TemporalConfig) -> None:
    manager = TemporalClientManager(config=test_config)
    assert not await manager.health_check()  # not connected: no implicit connect
    client = await manager.connect()
    assert isinstance(client, Client) and manager.client is client
    assert await manager.connect() is client  # once
    namespace = await client.describe_namespace()
    assert namespace.name == test_config.namespace
    assert namespace.state == "registered"
    assert namespace.retention is not None and namespace.retention.total_seconds() > 0
    assert await manager.health_check()
    await manager.disconnect()
    assert manager.client is None
    assert not await manager.health_check()


async def test_client_connect_classmethod(test_config: TemporalConfig) -> None:
    client = await Client.connect(test_config.host, namespace="default", config=test_config)
    try:
        assert client.address == test_config.host and client.namespace == "default"
        assert (await client.describe_namespace()).name == "default"
    finally:
        client.close()


def _image_request(tmp_path: Path) -> ImageGenerationRequest:
    return ImageGenerationRequest(
        prompt="a lighthouse at dawn", style="watercolor", size="256x256", backend="local", seed=7
    )


async def test_create_worker_hosts_exactly_what_it_is_given(
    dev_server: DevServer, tmp_path: Path
) -> None:
    config = TemporalConfig(
        env_file=None,
        host=dev_server.address,
        data_dir=tmp_path,
        task_queue=f"subset-{uuid.uuid4().hex[:8]}",
        graceful_shutdown_timeout=2,
    )
    manager = TemporalClientManager(config=config)
    await manager.connect()
    worker = manager.create_worker(
        workflows=[ImageGenerationWorkflow],
        activities=image_activities,
        max_concurrent_activities=4,
        max_concurrent_workflow_tasks=4,
    )
    assert isinstance(worker, Worker) and manager._workers == [worker]
    assert worker.workflows == ["ImageGenerationWorkflow"]
    assert worker.activities == IMAGE_ACTIVITIES
    running = asyncio.create_task(manager.run_worker(worker))
    try:
        client = manager.client
        assert client is not None
        image = await client.execute_workflow(
            ImageGenerationWorkflow.run, _image_request(tmp_path), id=f"img-{uuid.uuid4().hex}"
        )
        assert image.success, image.error
        assert Path(image.image_path).is_file()
        # AILearningWorkflow is not hosted here: nobody runs it on this queue.
        learning = await client.start_workflow(
            AILearningWorkflow.run,
            LearningRequest(content="Hosted elsewhere, never here.", source="t", category="tips"),
            id=f"learn-{uuid.uuid4().hex}",
        )
        with pytest.raises(WorkflowResultTimeoutError):
            await learning.result(timeout=3)
        await learning.terminate("test over")
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    assert not worker.is_running  # cancelling run_worker stopped it
    await manager.disconnect()
    assert manager._workers == []


def test_an_unknown_workflow_or_activity_names_what_can_be_hosted(
    test_config: TemporalConfig,
) -> None:
    with pytest.raises(WorkerError, match=r"\"Nope\".*ImageGenerationWorkflow"):
        Worker(test_config, workflows=["Nope"])
    with pytest.raises(WorkerError, match=r"\"nope\".*generate_image"):
        Worker(test_config, activities=["nope"])
    with pytest.raises(TypeError, match="not a workflow"):
        Worker(test_config, workflows=[42])  # type: ignore[list-item]
