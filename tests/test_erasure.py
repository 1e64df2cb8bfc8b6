"""A user's right to erasure end to end: two users' data stored through the real workflows
(learning, image with the local backend, memory expansion, data analysis) on a real
worker, a reader holding an old snapshot of the store open during the erasure, then the
raw bytes of every file in the data dir searched for the erased user's texts."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.temporal import (
    AILearningWorkflow,
    Client,
    DataAnalysisRequest,
    DataAnalysisWorkflow,
    DevServer,
    ErasedUserData,
    ImageGenerationRequest,
    ImageGenerationWorkflow,
    ImageStore,
    InvalidQueryError,
    KnowledgeStore,
    LearningRequest,
    MemoryExpansionRequest,
    MemoryExpansionWorkflow,
    MemoryStore,
    StoreError,
    TemporalClientManager,
    TemporalConfig,
    Worker,
    forget_user,
)
from tests.helpers import subprocess_env

STORE_FILE = "project_ai_temporal.sqlite3"


@dataclass
class Stored:
    user_id: str
    word: str
    knowledge_id: str
    image_path: Path
    analysis_folder: Path


@pytest.fixture
async def erasure_worker(
    dev_server: DevServer, tmp_path: Path
) -> AsyncIterator[tuple[Client, Path, Path]]:
    """A worker of its own on a fresh data dir, so every file in it belongs to this test;
    analysis inputs live outside the data dir (they are the caller's files)."""
    data_dir, inputs = tmp_path / "data", tmp_path / "inputs"
    inputs.mkdir()
    config = TemporalConfig(
        env_file=None,
        host=dev_server.address,
        data_dir=data_dir,
        task_queue=f"erasure-{uuid.uuid4().hex[:8]}",
        analysis_allowed_roots=str(inputs),
        graceful_shutdown_timeout=5,
    )
    async with Worker(config):
        manager = TemporalClientManager(config=config)
        client = await manager.connect()
        yield client, data_dir, inputs
        await manager.disconnect()


async def store_for(client: Client, inputs: Path, user: str) -> Stored:
    """Everything the four workflows store for ``user``, each part holding a word of its own."""
    word = f"qz{uuid.uuid4().hex[:10]}"

    async def run(workflow: Any, request: Any) -> Any:
        handle = await client.start_workflow(workflow, request, id=f"erasure-{uuid.uuid4().hex}")
        return await handle.result(timeout=120)

    learned = await run(
        AILearningWorkflow.run,
        LearningRequest(
            content=f"The {word} protocol keeps every replica in step with the leader node.",
            source="chat",
            category="programming",
            user_id=user,
        ),
    )
    image = await run(
        ImageGenerationWorkflow.run,
        ImageGenerationRequest(
            prompt=f"a lighthouse called {word}", size="128x128", backend="local", user_id=user
        ),
    )
    memory = await run(
        MemoryExpansionWorkflow.run,
        MemoryExpansionRequest(
            conversation_id=f"conv-{uuid.uuid4().hex[:8]}",
            user_id=user,
            messages=[{"role": "user", "content": f"Remember that my locker code is {word}."}],
        ),
    )
    csv = inputs / f"{word}.csv"
    rows = [f"{word}_label,{word}_score,size"] + [
        f"{word}{i % 3},{i * 1.5},{(i * 7) % 11}" for i in range(30)
    ]
    csv.write_text("\n".join(rows) + "\n")
    analysed = await run(
        DataAnalysisWorkflow.run,
        DataAnalysisRequest(file_path=str(csv), analysis_type="full", user_id=user),
    )
    assert learned.success and image.success and memory.success, (learned, image, memory)
    assert analysed.success, analysed.error
    return Stored(
        user,
        word,
        learned.knowledge_id,
        Path(image.image_path),
        Path(analysed.output_path),
    )


_READ = """
import sqlite3, sys, time
reader = sqlite3.connect(sys.argv[1], isolation_level=None)
reader.execute("BEGIN")
reader.execute("SELECT count(*) FROM memories").fetchone()
print("reading", flush=True)
time.sleep(float(sys.argv[2]))
reader.execute("COMMIT")
"""

_WRITE = """
import sqlite3, sys
writer = sqlite3.connect(sys.argv[1])
writer.execute("CREATE TABLE IF NOT EXISTS later (x)")
writer.commit()
"""


def start_reader(store: Path, hold: float) -> subprocess.Popen[str]:
    """A process that holds a read transaction on ``store`` for ``hold`` seconds; returns
    once it reads."""
    process = subprocess.Popen(
        [sys.executable, "-c", _READ, str(store), str(hold)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "reading"
    return process


def files_holding(data_dir: Path, needle: str) -> list[str]:
    """Every file under ``data_dir`` whose raw bytes hold ``needle``."""
    raw = needle.encode()
    return sorted(
        str(path.relative_to(data_dir))
        for path in data_dir.rglob("*")
        if path.is_file() and raw in path.read_bytes()
    )


def needles(word: str) -> list[str]:
    # The word's tail as well: a full-text index stores a term after the prefix it shares
    # with the term before it.
    return [word, word[-7:]]


async def test_a_user_is_erased_from_every_file_while_a_reader_is_open(
    erasure_worker: tuple[Client, Path, Path],
) -> None:
    client, data_dir, inputs = erasure_worker
    alice = await store_for(client, inputs, f"alice-{uuid.uuid4().hex[:6]}")
    bob = await store_for(client, inputs, f"bob-{uuid.uuid4().hex[:6]}")
    before = files_holding(data_dir, alice.word)
    # Each store holds Alice's word before: the test could fail.
    assert any(f.startswith(STORE_FILE) for f in before), before
    assert "memory/knowledge.json" in before
    assert str(alice.image_path.relative_to(data_dir)) in before
    assert any(f.startswith(f"analysis/{alice.analysis_folder.name}/") for f in before), before

    # Another process in the middle of a read transaction holds an old snapshot: the
    # write-ahead log cannot be emptied until it ends, a second and a half later. (A reader
    # in this process would not do: SQLite's locks are per process.)
    reader = start_reader(data_dir / STORE_FILE, hold=1.5)
    began = time.monotonic()
    erased = await asyncio.to_thread(forget_user, alice.user_id, data_dir=data_dir)
    waited = time.monotonic() - began
    assert reader.wait(timeout=30) == 0

    assert waited >= 1.4, f"returned after {waited:.2f} s, before the reader ended"
    assert erased.knowledge == 1 and erased.knowledge_json_entries == 1
    assert erased.images == 1 and erased.image_files == 1
    assert erased.analysis_outputs == 1
    assert erased.memories >= 2  # the kept message and what was extracted from it
    for needle in needles(alice.word):
        assert files_holding(data_dir, needle) == [], needle
    assert not alice.image_path.exists() and not alice.analysis_folder.exists()
    assert KnowledgeStore(data_dir).get(alice.knowledge_id) is None
    assert MemoryStore(data_dir).search(alice.word) == []

    # Bob's data is whole.
    assert KnowledgeStore(data_dir).get(bob.knowledge_id) is not None
    bob_memories = MemoryStore(data_dir).search(bob.word)
    assert bob_memories and {m.user_id for m in bob_memories} == {bob.user_id}
    assert [r.user_id for r in ImageStore(data_dir).history()] == [bob.user_id]
    assert bob.image_path.exists() and (bob.analysis_folder / "report.json").exists()
    assert KnowledgeStore(data_dir).sync_knowledge_json() in (0, 1)
    knowledge = json.loads((data_dir / "memory" / "knowledge.json").read_text())
    assert bob.knowledge_id in knowledge["programming"]
    assert alice.knowledge_id not in knowledge["programming"]

    # The command line erases Bob, with the counts as JSON.
    data_dir_option = ["--data-dir", str(data_dir)]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.temporal",
            "forget-user",
            bob.user_id,
            "--json",
            *data_dir_option,
        ],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["erased"]["knowledge"] == 1 and answer["erased"]["analysis_outputs"] == 1
    for needle in needles(bob.word):
        assert files_holding(data_dir, needle) == [], needle


def test_a_reader_that_outlasts_the_timeout_is_an_error_and_a_second_call_finishes(
    tmp_path: Path,
) -> None:
    store = MemoryStore(tmp_path)
    assert forget_user("nobody", data_dir=tmp_path) == ErasedUserData(0, 0, 0, 0, 0, 0)
    reader = start_reader(tmp_path / STORE_FILE, hold=60)
    # The log must hold something written after the reader's snapshot for it to matter.
    subprocess.run(
        [sys.executable, "-c", _WRITE, str(tmp_path / STORE_FILE)], check=True, timeout=30
    )
    with pytest.raises(StoreError, match=r"write-ahead log .*-wal.* older snapshot"):
        forget_user("nobody", data_dir=tmp_path, timeout=0.3)
    reader.kill()
    reader.wait(timeout=30)
    assert store.forget(user_id="nobody", timeout=5) == 0
    assert (tmp_path / f"{STORE_FILE}-wal").stat().st_size == 0


@pytest.mark.parametrize(
    ("user_id", "timeout", "says"),
    [("", 1.0, "user_id is empty"), ("u", -1.0, "from 0 to 3600"), ("u", 7200.0, "at most 3600")],
)
def test_bad_arguments(tmp_path: Path, user_id: str, timeout: float, says: str) -> None:
    with pytest.raises(InvalidQueryError, match=says):
        forget_user(user_id, data_dir=tmp_path, timeout=timeout)
