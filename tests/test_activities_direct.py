"""The original module's activities called directly, outside a workflow: the real Rust
implementation on a temporary data dir; where a workflow exists to compare with, the session
worker's workflow gives the same answers."""

from __future__ import annotations

import hashlib
import inspect
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

import app.temporal
import app.temporal.config
from app.temporal import (
    AILearningWorkflow,
    BlackVault,
    Client,
    ConfigError,
    DataAnalysisRequest,
    DataAnalysisWorkflow,
    ImageGenerationRequest,
    ImageGenerationWorkflow,
    ImageStore,
    InvalidInputError,
    KnowledgeStore,
    LearningRequest,
    MemoryStore,
    StoreError,
    TemporalConfig,
    TemporalError,
    Worker,
    _core,
)
from app.temporal import activities as acts

# The original module's lists, member by member.
ORIGINAL_LISTS = {
    "learning_activities": [
        "validate_learning_content",
        "check_black_vault",
        "process_learning_request",
        "store_knowledge",
    ],
    "image_activities": ["check_content_safety", "generate_image", "store_image_metadata"],
    "data_activities": [
        "validate_data_file",
        "load_data",
        "perform_analysis",
        "generate_visualizations",
    ],
    "memory_activities": [
        "extract_memory_information",
        "store_memories",
        "update_memory_indexes",
    ],
}

LEARNING = {
    "content": "Rust moves values by default; a borrow lends access without taking ownership.",
    "source": "docs",
    "category": "programming",
}

CSV = "height,weight,city\n1.60,55,Lyon\n1.72,70,Oslo\n1.80,81,Lyon\n1.65,60,Rome\n1.90,95,Oslo\n"


@pytest.fixture
def config(tmp_path: Path) -> TemporalConfig:
    (tmp_path / "incoming").mkdir()
    return TemporalConfig(
        env_file=None,
        data_dir=tmp_path / "data",
        analysis_allowed_roots=str(tmp_path / "incoming"),
    )


@pytest.fixture
def csv_file(tmp_path: Path, config: TemporalConfig) -> Path:
    path = tmp_path / "incoming" / "people.csv"
    path.write_text(CSV)
    return path


def test_the_four_lists_hold_the_original_members_in_order() -> None:
    for name, members in ORIGINAL_LISTS.items():
        listed = getattr(acts, name)
        assert [f.__name__ for f in listed] == members
        assert getattr(app.temporal, name) is listed
        for function in listed:
            assert inspect.iscoroutinefunction(function)
            assert getattr(acts, function.__name__) is function
    every = [n for members in ORIGINAL_LISTS.values() for n in members]
    assert list(_core.ActivitiesCore.names()) == every


def test_the_store_classes_are_still_offered_here() -> None:
    from app.temporal import stores

    for name in ("KnowledgeStore", "BlackVault", "ImageStore", "MemoryStore", "MEMORY_LIMITS"):
        assert getattr(acts, name) is getattr(stores, name)


# Learning


async def test_validation_answers_false_for_anything_that_is_not_a_valid_request(
    config: TemporalConfig,
) -> None:
    assert await acts.validate_learning_content(LEARNING, config=config) is True
    assert await acts.validate_learning_content(LearningRequest(**LEARNING), config=config)
    for bad in (
        {**LEARNING, "content": "   too short "},
        {**LEARNING, "category": "cooking"},
        {**LEARNING, "category": 5},
        {k: v for k, v in LEARNING.items() if k != "source"},
        {},
    ):
        assert await acts.validate_learning_content(bad, config=config) is False, bad
    with pytest.raises(InvalidInputError, match="request must be an object"):
        await acts.validate_learning_content("text", config=config)  # type: ignore[arg-type]


async def test_the_vault_blocks_what_was_added_and_fails_closed(
    config: TemporalConfig,
) -> None:
    secret = f"a secret nobody may learn {uuid.uuid4().hex}"
    assert await acts.check_black_vault(secret, config=config) is True
    BlackVault(config.data_dir).add(secret)
    assert await acts.check_black_vault(secret, config=config) is False
    assert await acts.check_black_vault(secret + ".", config=config) is True
    (config.data_dir / "learning_requests" / "black_vault.json").write_text("{not json")
    with pytest.raises(StoreError, match="cannot read the Black Vault"):
        await acts.check_black_vault("anything", config=config)


async def test_process_and_store_keep_the_knowledge_once(config: TemporalConfig) -> None:
    knowledge_id = await acts.process_learning_request(LEARNING, config=config)
    assert knowledge_id.startswith("kn-")
    assert await acts.process_learning_request(LearningRequest(**LEARNING), config=config) == (
        knowledge_id
    )
    data = {"knowledge_id": knowledge_id, "request": LEARNING}
    assert await acts.store_knowledge(data, config=config) is True
    assert await acts.store_knowledge(data, config=config) is True
    store = KnowledgeStore(config.data_dir)
    assert store.count() == 1
    entry = store.get(knowledge_id)
    assert entry is not None
    assert (entry.category, entry.source, entry.workflow_id) == ("programming", "docs", None)
    mirror = json.loads((config.data_dir / "memory" / "knowledge.json").read_text())
    assert knowledge_id in mirror["programming"]


async def test_learning_problems_are_named(config: TemporalConfig) -> None:
    with pytest.raises(InvalidInputError, match="at least 10 are needed"):
        await acts.process_learning_request({**LEARNING, "content": "short"}, config=config)
    with pytest.raises(InvalidInputError, match="missing field `category`") as raised:
        await acts.process_learning_request({"content": "x" * 20, "source": "s"}, config=config)
    assert "content (required)" in str(raised.value)
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, TemporalError)
    wrong = {"knowledge_id": "kn-000000000000000000000000", "request": LEARNING}
    with pytest.raises(InvalidInputError) as raised:
        await acts.store_knowledge(wrong, config=config)
    derived = await acts.process_learning_request(LEARNING, config=config)
    assert "kn-000000000000000000000000" in str(raised.value) and derived in str(raised.value)
    with pytest.raises(InvalidInputError, match=r"data\[\"request\"\] is missing"):
        await acts.store_knowledge({"knowledge_id": derived}, config=config)
    assert KnowledgeStore(config.data_dir).count() == 0
    with pytest.raises(InvalidInputError, match="cannot be sent as JSON"):
        await acts.check_black_vault(object(), config=config)  # type: ignore[arg-type]


async def test_the_same_id_as_the_workflow(worker_client: Client, rust_worker: Worker) -> None:
    request = LearningRequest(
        content=f"{LEARNING['content']} Marker {uuid.uuid4().hex}.",
        source="docs",
        category="tips",
    )
    handle = await worker_client.start_workflow(
        AILearningWorkflow.run, request, id=f"direct-{uuid.uuid4().hex[:8]}"
    )
    result = await handle.result(timeout=60)
    assert result.success and result.knowledge_id is not None
    worker_config = rust_worker.config
    knowledge_id = await acts.process_learning_request(request, config=worker_config)
    assert knowledge_id == result.knowledge_id
    store = KnowledgeStore(worker_config.data_dir)
    before = store.count()
    data = {"knowledge_id": knowledge_id, "request": request}
    assert await acts.store_knowledge(data, config=worker_config) is True
    assert store.count() == before
    entry = store.get(knowledge_id)
    assert entry is not None and entry.workflow_id == handle.id


# Image generation


async def test_the_safety_filter(config: TemporalConfig) -> None:
    assert await acts.check_content_safety("a lighthouse at dawn", config=config) is True
    assert await acts.check_content_safety("whatever grows in the pharmacy", config=config)
    assert await acts.check_content_safety("two violent men", config=config) is False
    assert await acts.check_content_safety("", config=config) is False
    with pytest.raises(InvalidInputError, match="prompt must be a string, got a list"):
        await acts.check_content_safety(["a", "cat"], config=config)  # type: ignore[arg-type]


async def test_a_local_image_is_written_and_its_metadata_stored(config: TemporalConfig) -> None:
    request = {"prompt": "a red fox in snow", "style": "watercolor", "size": "96x64"}
    request["backend"] = "local"
    made = await acts.generate_image(request, config=config)
    assert set(made) == {"image_path", "metadata"}
    path = Path(made["image_path"])
    assert path.parent == config.data_dir / "generated_images"
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    meta = made["metadata"]
    assert (meta["backend"], meta["width"], meta["height"], meta["format"]) == (
        "local",
        96,
        64,
        "png",
    )
    assert meta["sha256"] == hashlib.sha256(data).hexdigest() and meta["bytes"] == len(data)
    again = await acts.generate_image(ImageGenerationRequest(**request), config=config)
    assert again["image_path"] != made["image_path"]
    assert again["metadata"]["sha256"] == meta["sha256"]

    assert await acts.store_image_metadata(made, config=config) is True
    assert await acts.store_image_metadata({**made, "user_id": "ann"}, config=config) is True
    history = ImageStore(config.data_dir).history()
    assert len(history) == 1
    record = history[0]
    assert (record.image_path, record.workflow_id) == (made["image_path"], made["image_path"])
    assert (record.prompt, record.style, record.backend) == (
        "a red fox in snow",
        "watercolor",
        "local",
    )


async def test_the_image_is_the_workflows(worker_client: Client, rust_worker: Worker) -> None:
    request = ImageGenerationRequest(prompt="a quiet harbour", size="64x64", backend="local")
    handle = await worker_client.start_workflow(
        ImageGenerationWorkflow.run, request, id=f"direct-{uuid.uuid4().hex[:8]}"
    )
    result = await handle.result(timeout=60)
    assert result.success and result.metadata is not None
    made = await acts.generate_image(request, config=rust_worker.config)
    assert set(made["metadata"]) == set(result.metadata)
    assert made["metadata"]["sha256"] == result.metadata["sha256"]


async def test_image_problems_are_named(
    config: TemporalConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InvalidInputError, match='backend "paint" is not one of local'):
        await acts.generate_image({"prompt": "a cat", "backend": "paint"}, config=config)
    with pytest.raises(InvalidInputError, match="content safety check: weapon"):
        await acts.generate_image({"prompt": "a weapon", "backend": "local"}, config=config)
    with pytest.raises(InvalidInputError, match="missing field `prompt`"):
        await acts.generate_image({"backend": "local"}, config=config)
    with pytest.raises(InvalidInputError, match=r"result\[\"metadata\"\] is missing"):
        await acts.store_image_metadata({"image_path": "x.png"}, config=config)
    # The backends' settings come from the configuration (here: the environment when it
    # was made), checked when it is made.
    monkeypatch.setenv("IMAGE_API_MAX_RETRIES", "many")
    with pytest.raises(ConfigError, match="IMAGE_API_MAX_RETRIES"):
        TemporalConfig(env_file=None)
    # A backend that cannot be reached: the error says so and never shows the key.
    monkeypatch.setenv("IMAGE_API_MAX_RETRIES", "1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-do-not-show")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    unreachable = TemporalConfig(env_file=None, data_dir=config.data_dir)
    assert unreachable.openai_api_key == "sk-test-do-not-show"
    with pytest.raises(TemporalError, match="network error") as raised:
        await acts.generate_image(
            {"prompt": "a cat", "backend": "openai", "size": "1024x1024"}, config=unreachable
        )
    assert "sk-test-do-not-show" not in str(raised.value)
    assert not list((config.data_dir / "generated_images").glob("*"))


# Data analysis


async def test_the_data_chain(config: TemporalConfig, csv_file: Path) -> None:
    assert await acts.validate_data_file(str(csv_file), config=config) is True
    loaded = await acts.load_data(str(csv_file), config=config)
    assert loaded["file_path"] == str(csv_file)
    assert (loaded["rows"], loaded["columns"]) == (5, 3)
    assert loaded["schema"] == [["height", "float"], ["weight", "integer"], ["city", "text"]]
    table = Path(loaded["table_path"])
    assert table.name == "table.arrow" and table.is_file()
    assert table.parent.parent == config.data_dir / "analysis"
    other = await acts.load_data(str(csv_file), config=config)
    assert Path(other["table_path"]).parent != table.parent

    results = await acts.perform_analysis({"data": loaded, "type": "statistics"}, config=config)
    assert results["analysis_type"] == "statistics" and results["row_count"] == 5
    statistics = dict((name, s) for name, s in results["statistics"])
    assert statistics["weight"]["mean"] == pytest.approx(72.2)
    assert Path(results["table_path"]) == table.resolve()

    folder = Path(await acts.generate_visualizations(results, config=config))
    assert folder == table.parent.resolve()
    charts = sorted(p.name for p in folder.glob("*.png"))
    assert "histogram_01_weight.png" in charts and "box_plots.png" in charts
    report = json.loads((folder / "report.json").read_text())
    assert report["results"]["row_count"] == 5 and "table_path" not in report["results"]


async def test_analysis_matches_the_workflow(
    worker_client: Client, rust_worker: Worker, worker_data_dir: Path
) -> None:
    (worker_data_dir / "inputs").mkdir(exist_ok=True)
    path = worker_data_dir / "inputs" / f"direct-{uuid.uuid4().hex[:8]}.csv"
    path.write_text(CSV)
    handle = await worker_client.start_workflow(
        DataAnalysisWorkflow.run,
        DataAnalysisRequest(file_path=str(path), analysis_type="full", n_clusters=2),
        id=f"direct-{uuid.uuid4().hex[:8]}",
    )
    result = await handle.result(timeout=120)
    assert result.success and result.results is not None
    loaded = await acts.load_data(str(path), config=rust_worker.config)
    ours = await acts.perform_analysis(
        {"data": loaded, "type": "full", "n_clusters": 2}, config=rust_worker.config
    )
    del ours["table_path"]
    del result.results["charts"]
    assert ours == result.results


async def test_data_problems_are_named(
    config: TemporalConfig, csv_file: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere.csv"
    outside.write_text(CSV)
    assert await acts.validate_data_file(str(outside), config=config) is False
    missing = tmp_path / "incoming" / "none.csv"
    assert await acts.validate_data_file(str(missing), config=config) is False
    with pytest.raises(InvalidInputError, match="outside the folders data analysis may read"):
        await acts.load_data(str(outside), config=config)
    small = TemporalConfig(
        env_file=None,
        data_dir=config.data_dir,
        analysis_allowed_roots=str(tmp_path / "incoming"),
        analysis_max_file_bytes=10,
    )
    assert await acts.validate_data_file(str(csv_file), config=small) is False
    with pytest.raises(InvalidInputError, match="over the limit of 10 bytes"):
        await acts.load_data(str(csv_file), config=small)
    loaded = await acts.load_data(str(csv_file), config=config)
    with pytest.raises(InvalidInputError, match='analysis_type "magic" is not one of'):
        await acts.perform_analysis({"data": loaded, "type": "magic"}, config=config)
    with pytest.raises(InvalidInputError, match=r"is not a table\.arrow that load_data wrote"):
        await acts.perform_analysis({"data": {"table_path": str(outside)}}, config=config)
    with pytest.raises(InvalidInputError, match='field "data": missing field `table_path`'):
        await acts.perform_analysis({"data": {}}, config=config)
    with pytest.raises(InvalidInputError, match=r"results\[\"table_path\"\] is missing"):
        await acts.generate_visualizations({"row_count": 5}, config=config)


# Memory expansion

MESSAGES: list[dict[str, Any]] = [
    {
        "role": "user",
        "content": "Hi! My name is Alice Martin and I live in Lyon.",
        "timestamp": 1.5,
    },
    {"role": "assistant", "content": "Nice to meet you, Alice. What do you enjoy?"},
    {"role": "user", "content": "ok"},
]


async def test_the_memory_chain(config: TemporalConfig) -> None:
    info = await acts.extract_memory_information(MESSAGES, config=config)
    messages = [m for m in info if m["kind"] == "message"]
    assert [m["message_index"] for m in messages] == [0, 1]
    assert messages[0]["timestamp"] == "1970-01-01T00:00:01.500+00:00"
    facts = {(m["subject"], m["value"]) for m in info if m["kind"] == "fact"}
    assert facts == {("name", "Alice Martin"), ("location", "Lyon")}

    conversation = f"conv-{uuid.uuid4().hex[:8]}"
    data = {"conversation_id": conversation, "info": info, "user_id": "alice"}
    assert await acts.store_memories(data, config=config) == len(info)
    assert await acts.store_memories(data, config=config) == 0
    store = MemoryStore(config.data_dir)
    assert store.search("lyon", user_id="alice") == []
    assert await acts.update_memory_indexes(conversation, config=config) is True
    hits = store.search("lyon", user_id="alice", kind="fact")
    assert {(h.subject, h.value, h.workflow_id) for h in hits} == {
        ("location", "Lyon", None),
        ("name", "Alice Martin", None),  # its clause mentions Lyon too
    }
    assert len(store.for_conversation(conversation)) == len(info)


async def test_memory_problems_are_named(config: TemporalConfig) -> None:
    with pytest.raises(InvalidInputError, match="messages must be a list"):
        await acts.extract_memory_information("hello", config=config)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"messages\[0\] has no content"):
        await acts.extract_memory_information([{"role": "user"}], config=config)
    too_many = [{"role": "user", "content": "x"}] * 10_001
    with pytest.raises(InvalidInputError, match="at most 10000 are allowed"):
        await acts.extract_memory_information(too_many, config=config)
    with pytest.raises(InvalidInputError, match="conversation_id is missing"):
        await acts.store_memories({"info": []}, config=config)
    with pytest.raises(InvalidInputError, match=r"data\[\"info\"\] is missing"):
        await acts.store_memories({"conversation_id": "c"}, config=config)
    with pytest.raises(InvalidInputError, match="unknown variant `gossip`"):
        bad = [{"kind": "gossip", "text": "t", "role": "user", "message_index": 0}]
        await acts.store_memories({"conversation_id": "c", "info": bad}, config=config)
    with pytest.raises(InvalidInputError, match="conversation_id must be a non-empty string"):
        await acts.update_memory_indexes("", config=config)
    big = "x" * (2 * 1024 * 1024)
    with pytest.raises(InvalidInputError, match="at most 2097152 are allowed"):
        await acts.check_black_vault(big, config=config)


# The shared configuration


async def test_without_config_the_shared_configuration_is_used(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.temporal.config, "_config", None)
    monkeypatch.setenv("PROJECT_AI_DATA_DIR", str(clean_env / "shared"))
    BlackVault(clean_env / "shared").add("denied text")
    assert await acts.check_black_vault("denied text") is False
    assert await acts.check_black_vault("other text") is True
    monkeypatch.setenv("PROJECT_AI_DATA_DIR", str(clean_env / "reloaded"))
    app.temporal.config.reload_temporal_config()
    assert await acts.check_black_vault("denied text") is True
