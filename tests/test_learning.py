"""AILearningWorkflow end to end: the real dev server, this project's worker, the real stores."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

from app.temporal import (
    AILearningWorkflow,
    BlackVault,
    Client,
    KnowledgeStore,
    LearningRequest,
    LearningResult,
    Worker,
    WorkflowProgress,
)
from app.temporal import workflows as workflow_types
from app.temporal._core import workflow_schemas

# The worker tests run on the embedded store and on PostgreSQL.
RUN_ON_BOTH_STORES = True

CONTENT = (
    "# Rust Ownership\nEvery value in Rust has a single owner. When the owner goes out of scope "
    "the value is dropped. Borrowing lends access without taking ownership."
)


def new_id() -> str:
    return f"learn-{uuid.uuid4().hex[:12]}"


def request(
    content: str = CONTENT, category: str = "programming", source: str = "docs"
) -> LearningRequest:
    return LearningRequest(content=content, source=source, category=category, user_id="u1")


async def learn(
    client: Client, req: LearningRequest, workflow_id: str | None = None
) -> LearningResult:
    handle = await client.start_workflow(AILearningWorkflow.run, req, id=workflow_id or new_id())
    return await handle.result(timeout=60)


async def test_success_stores_knowledge_everywhere(
    worker_client: Client, worker_data_dir: Path, worker_store_url: str | None
) -> None:
    content = CONTENT + f" Marker {uuid.uuid4().hex}."
    workflow_id = new_id()
    result = await learn(worker_client, request(content), workflow_id)
    assert result.success and result.error is None
    assert result.knowledge_id is not None and result.knowledge_id.startswith("kn-")
    entry = KnowledgeStore(worker_data_dir, store_url=worker_store_url).get(result.knowledge_id)
    assert entry is not None
    assert entry.title == "Rust Ownership"
    assert "ownership" in entry.keywords and "the" not in entry.keywords
    assert entry.category == "programming" and entry.user_id == "u1"
    assert entry.workflow_id == workflow_id
    # The worker writes knowledge.json in batches, a moment after the workflow: bring it up
    # to date now (it may have been already).
    KnowledgeStore(worker_data_dir, store_url=worker_store_url).sync_knowledge_json()
    knowledge = json.loads((worker_data_dir / "memory" / "knowledge.json").read_text())
    assert knowledge["programming"][result.knowledge_id] == entry.summary
    hits = KnowledgeStore(worker_data_dir, store_url=worker_store_url).search(
        "borrowing ownership", category="programming"
    )
    assert result.knowledge_id in [h.id for h in hits]
    status = await worker_client.get_workflow_handle(workflow_id).query(
        AILearningWorkflow.status, result_type=WorkflowProgress
    )
    assert status.step == "completed" and status.step_number == 4
    assert status.completed_steps == [
        "validate_learning_content",
        "check_black_vault",
        "process_learning_request",
        "store_knowledge",
    ]


@pytest.mark.parametrize(
    ("req", "says"),
    [
        (request(content="   tiny   "), "at least 10"),
        (request(content="x" * 100_001), "at most 100000"),
        (request(category="cooking"), 'category "cooking" is not one of security, programming'),
        (request(source="  "), "source must not be empty"),
    ],
    ids=["short", "long", "category", "source"],
)
async def test_rejections(worker_client: Client, req: LearningRequest, says: str) -> None:
    result = await learn(worker_client, req)
    assert not result.success and result.knowledge_id is None
    assert result.error is not None
    assert result.error.startswith("Content validation failed: ") and says in result.error


async def test_black_vault_made_by_project_ai(worker_client: Client, worker_data_dir: Path) -> None:
    denied = f"Forbidden knowledge that the user denied {uuid.uuid4().hex}"
    # The vault exactly as Project-AI's LearningRequestManager creates it.
    folder = worker_data_dir / "learning_requests"
    folder.mkdir(exist_ok=True)
    with sqlite3.connect(folder / "requests.db") as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS requests (id TEXT PRIMARY KEY, topic TEXT,"
            " description TEXT, priority INTEGER, status TEXT, created TEXT, response TEXT,"
            " reason TEXT)"
        )
        db.execute("CREATE TABLE IF NOT EXISTS black_vault (hash TEXT PRIMARY KEY)")
        db.execute(
            "INSERT INTO black_vault VALUES (?)", (hashlib.sha256(denied.encode()).hexdigest(),)
        )
    result = await learn(worker_client, request(denied))
    assert result == LearningResult(success=False, error="Content blocked by Black Vault")

    vault = BlackVault(worker_data_dir)
    assert denied in vault
    assert vault.remove(denied) and denied not in vault
    assert (await learn(worker_client, request(denied))).success
    other = f"Another text for the vault {uuid.uuid4().hex}"
    assert vault.add(other) and not vault.add(other)
    assert (await learn(worker_client, request(other))).error == "Content blocked by Black Vault"


async def test_same_request_twice_is_one_row(
    worker_client: Client, worker_data_dir: Path, worker_store_url: str | None
) -> None:
    store = KnowledgeStore(worker_data_dir, store_url=worker_store_url)
    content = CONTENT + f" Twice {uuid.uuid4().hex}."
    first = await learn(worker_client, request(content))
    count = store.count()
    second = await learn(worker_client, request(content))
    assert first.knowledge_id == second.knowledge_id
    assert store.count() == count


async def test_two_hundred_concurrent_workflows(
    worker_client: Client, worker_data_dir: Path, worker_store_url: str | None
) -> None:
    store = KnowledgeStore(worker_data_dir, store_url=worker_store_url)
    before = store.count()
    tag = uuid.uuid4().hex
    results = await asyncio.gather(
        *(learn(worker_client, request(f"{CONTENT} Item {i} of batch {tag}.")) for i in range(200))
    )
    assert all(r.success for r in results)
    ids = {r.knowledge_id for r in results}
    assert len(ids) == 200
    assert store.count() == before + 200
    store.sync_knowledge_json()
    knowledge = json.loads((worker_data_dir / "memory" / "knowledge.json").read_text())
    assert ids <= set(knowledge["programming"])


def test_python_and_rust_schemas_agree() -> None:
    for name, required, defaults in workflow_schemas():
        cls = getattr(workflow_types, name)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        assert set(fields) == set(defaults), name
        python_required = {
            n
            for n, f in fields.items()
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }
        # A list field may have a default_factory in Python and still be required in Rust.
        assert set(required) - {"messages"} == python_required - {"messages"}, name
        for field_name, f in fields.items():
            if field_name in required:
                continue
            default: Any = (
                f.default if f.default is not dataclasses.MISSING else f.default_factory()
            )  # type: ignore[misc]
            assert default == defaults[field_name], f"{name}.{field_name}"


async def test_official_sdk_client_starts_it_by_name(rust_worker: Worker) -> None:
    from temporalio.client import Client as OfficialClient

    official = await OfficialClient.connect(rust_worker.config.host)
    result = await official.execute_workflow(
        "AILearningWorkflow",
        {"content": CONTENT + " From the official SDK.", "source": "sdk", "category": "tips"},
        id=new_id(),
        task_queue=rust_worker.task_queue,
    )
    assert isinstance(result, dict)
    assert set(result) == {"success", "knowledge_id", "error"}
    assert result["success"] is True and result["error"] is None
