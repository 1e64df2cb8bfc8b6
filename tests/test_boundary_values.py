"""What crosses between the Rust core and Python agrees on both sides: the store records
(plain dicts from Rust, dataclasses in Python, TypedDicts in ``_core.pyi``) have the same
fields, and every error class the core raises is built with the keywords it passes."""

from __future__ import annotations

import ast
import dataclasses
import uuid
from pathlib import Path
from typing import Any

import pytest

import app.temporal.errors as errors
from app.temporal import (
    ErasedUserData,
    ImageStore,
    KnowledgeStore,
    MemoryStore,
    TemporalConfig,
    _core,
    forget_user,
)
from app.temporal import activities as acts
from app.temporal.replay import ReplayResult
from app.temporal.stores import (
    ImageRecord,
    ImageStatistics,
    KnowledgeEntry,
    KnowledgeHit,
    MemoryHit,
    StoredMemory,
)

STUB = Path(_core.__file__).with_name("_core.pyi")


def _stub_typed_dicts() -> dict[str, set[str]]:
    """Each TypedDict of ``_core.pyi`` with its fields, those of its bases included."""
    found: dict[str, set[str]] = {}
    for node in ast.parse(STUB.read_text()).body:
        if isinstance(node, ast.ClassDef):
            bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
            if "TypedDict" in bases or bases & set(found):
                fields = {
                    s.target.id
                    for s in node.body
                    if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
                }
                for base in bases & set(found):
                    fields |= found[base]
                found[node.name] = fields
    return found


def _fields(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


@pytest.fixture
async def stores(tmp_path: Path) -> Path:
    """A data dir with one knowledge entry, one image and one conversation's memories."""
    config = TemporalConfig(env_file=None, data_dir=tmp_path)
    request = {
        "content": "Rust moves values; a borrow lends access.",
        "source": "docs",
        "category": "programming",
    }
    knowledge_id = await acts.process_learning_request(request, config=config)
    await acts.store_knowledge({"knowledge_id": knowledge_id, "request": request}, config=config)
    image = await acts.generate_image(
        {"prompt": "a fox", "size": "64x64", "backend": "local"}, config=config
    )
    await acts.store_image_metadata({**image, "user_id": "ann"}, config=config)
    messages = [{"role": "user", "content": "My name is Ann Lee and I live in Lyon."}]
    info = await acts.extract_memory_information(messages, config=config)
    conversation = f"conv-{uuid.uuid4().hex[:8]}"
    data = {"conversation_id": conversation, "info": info, "user_id": "ann"}
    await acts.store_memories(data, config=config)
    await acts.update_memory_indexes(conversation, config=config)
    return tmp_path


async def test_store_records_have_the_same_fields_in_rust_the_stub_and_python(
    stores: Path,
) -> None:
    knowledge = _core.KnowledgeStoreCore(stores)
    images = _core.ImageStoreCore(stores)
    memories = _core.MemoryStoreCore(stores)
    [hit] = knowledge.search("borrow")
    entry = knowledge.get(hit["id"])
    [record] = images.history()
    memory_hits = memories.search("lyon", "ann")
    assert memory_hits
    stored = memories.for_conversation(memory_hits[0]["conversation_id"])
    returned: list[tuple[str, dict[str, Any] | None, type]] = [
        ("_KnowledgeEntry", dict(entry) if entry else None, KnowledgeEntry),
        ("_KnowledgeHit", dict(hit), KnowledgeHit),
        ("_ImageRecord", dict(record), ImageRecord),
        ("_ImageStatistics", dict(images.statistics()), ImageStatistics),
        ("_MemoryHit", dict(memory_hits[0]), MemoryHit),
        ("_StoredMemory", dict(stored[0]), StoredMemory),
        ("_Erased", dict(_core.forget_user(stores, "nobody")), ErasedUserData),
    ]
    stub = _stub_typed_dicts()
    for stub_name, value, cls in returned:
        assert value is not None, stub_name
        assert set(value) == _fields(cls) == stub[stub_name], stub_name
    # The values are Python's own types, not JSON text.
    assert isinstance(record["metadata"], dict) and record["metadata"]["backend"] == "local"
    assert isinstance(hit["rank"], float) and isinstance(record["bytes"], int)
    # And the public classes read them.
    assert KnowledgeStore(stores).get(hit["id"]) == KnowledgeEntry(**entry)  # type: ignore[arg-type]
    assert ImageStore(stores).history()[0].metadata == record["metadata"]
    assert MemoryStore(stores).search("lyon", user_id="ann")[0].id == memory_hits[0]["id"]
    assert forget_user("ann", data_dir=stores).images == 1


def test_the_replay_record_in_the_stub_is_the_dataclass() -> None:
    assert _stub_typed_dicts()["_Replayed"] == _fields(ReplayResult)


def test_every_error_class_the_core_raises_takes_its_keywords() -> None:
    classes = _core.error_classes()
    assert len(classes) == len({name for name, _ in classes}) >= 10
    for name, keywords in classes:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.TemporalError), name
        # Lists of problems and causes are given empty: their items are checked elsewhere.
        values: dict[str, Any] = {
            k: () if k in ("problems", "causes") else f"{k}-value" for k in keywords
        }
        error = cls("the message", **values)
        assert str(error) == "the message", name
        for keyword in keywords:
            assert getattr(error, keyword) == values[keyword], f"{name}.{keyword}"
    with pytest.raises(TypeError):
        errors.RPCError("m", not_a_keyword=1)  # type: ignore[call-arg]
