"""MemoryExpansionWorkflow end to end: the real dev server, this project's worker, the real
store; then MemoryStore's search, filters and forget on what the workflow stored."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

from app.temporal import (
    Client,
    InvalidQueryError,
    MemoryExpansionRequest,
    MemoryExpansionResult,
    MemoryExpansionWorkflow,
    MemoryStore,
    StoreError,
    WorkflowProgress,
    _core,
)
from app.temporal.activities import MEMORY_KINDS, MEMORY_LIMITS

# The worker tests run on the embedded store and on PostgreSQL.
RUN_ON_BOTH_STORES = True

CONVERSATION: list[dict[str, Any]] = [
    {
        "role": "user",
        "content": "Hi! My name is Alice Martin and I live in Lyon.",
        "timestamp": "t0",
    },
    {"role": "assistant", "content": "Nice to meet you, Alice. What do you enjoy?"},
    {"role": "user", "content": "I love bouldering. Bouldering gyms in Lyon are great.", "ts": 1.0},
    {"role": "user", "content": "Do I like tea? My name is not important anyway."},
    {"role": "user", "content": "Remember that my climbing trip is due 2027-05-03."},
    {"role": "user", "content": "ok"},
]


def new_id(prefix: str = "memory") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


async def expand(
    client: Client, request: Any, workflow_id: str | None = None
) -> MemoryExpansionResult:
    handle = await client.start_workflow(
        MemoryExpansionWorkflow.run, request, id=workflow_id or new_id()
    )
    return await handle.result(timeout=60)


async def expand_by_name(client: Client, request: Any) -> dict[str, Any]:
    handle = await client.start_workflow("MemoryExpansionWorkflow", request, id=new_id())
    result: dict[str, Any] = await handle.result(timeout=60)
    return result


def request(
    messages: list[dict[str, Any]] | None = None, user: str | None = None
) -> MemoryExpansionRequest:
    return MemoryExpansionRequest(
        conversation_id=new_id("conv"),
        messages=messages or CONVERSATION,
        user_id=user or new_id("user"),
    )


async def test_workflow_end_to_end(
    worker_client: Client, worker_data_dir: Path, worker_store_url: str | None
) -> None:
    req = request()
    workflow_id = new_id()
    result = await expand(worker_client, req, workflow_id)
    assert result.success and result.error is None
    memories = MemoryStore(worker_data_dir, store_url=worker_store_url).for_conversation(
        req.conversation_id
    )
    assert result.memory_count == len(memories)
    by_kind = {kind: [m for m in memories if m.kind == kind] for kind in MEMORY_KINDS}
    # Kept messages: over 20 characters, any role ("ok" is not kept), verbatim.
    assert [m.message_index for m in by_kind["message"]] == [0, 1, 2, 3, 4]
    assert by_kind["message"][1].role == "assistant"
    assert by_kind["message"][0].text == CONVERSATION[0]["content"]
    # Facts: the name and the place; the negated and the questioned give nothing.
    assert [(m.subject, m.value) for m in by_kind["fact"]] == [
        ("name", "Alice Martin"),
        ("location", "Lyon"),
    ]
    fact = by_kind["fact"][0]
    assert (fact.message_index, fact.timestamp, fact.user_id) == (0, "t0", req.user_id)
    assert fact.workflow_id == workflow_id and 0 < fact.confidence <= 1
    assert [(m.subject, m.value) for m in by_kind["preference"]] == [("bouldering", "loves")]
    assert [m.text for m in by_kind["request"]] == ["my climbing trip is due 2027-05-03"]
    assert [(m.subject, m.value) for m in by_kind["date"]] == [("deadline", "2027-05-03")]
    assert {m.text for m in by_kind["keyword"]} >= {"lyon", "bouldering"}
    status = await worker_client.get_workflow_handle(workflow_id).query(
        MemoryExpansionWorkflow.status, result_type=WorkflowProgress
    )
    assert status.step == "completed" and status.step_number == 3
    assert status.completed_steps == [
        "extract_memory_information",
        "store_memories",
        "update_memory_indexes",
    ]


async def test_same_conversation_twice_stores_nothing_new(
    worker_client: Client, worker_data_dir: Path, worker_store_url: str | None
) -> None:
    store = MemoryStore(worker_data_dir, store_url=worker_store_url)
    req = request()
    first = await expand(worker_client, req)
    assert first.success and first.memory_count > 0
    count = store.count()
    again = await expand(worker_client, req)
    assert again == MemoryExpansionResult(success=True, memory_count=0)
    assert store.count() == count
    # The conversation goes on: only the new message's memories are new.
    longer = [*req.messages, {"role": "user", "content": "I work at Airbus as an engineer."}]
    more = await expand(
        worker_client,
        MemoryExpansionRequest(req.conversation_id, longer, req.user_id),
    )
    stored = store.for_conversation(req.conversation_id)
    assert more.memory_count == len(stored) - first.memory_count
    assert [m.kind for m in stored if m.message_index == 6] == ["message", "fact"]
    assert more.memory_count == 2
    # The same conversation id for another user is another user's memories.
    other = await expand(
        worker_client, MemoryExpansionRequest(req.conversation_id, req.messages, new_id("user"))
    )
    assert other.memory_count == first.memory_count


async def test_search_ranks_and_snippets(
    worker_client: Client, worker_data_dir: Path, worker_store_url: str | None
) -> None:
    user = new_id("user")
    messages = [
        {"role": "user", "content": "I prefer kayaking."},
        {
            "role": "user",
            "content": "Last summer we tried many things on the river: swimming, fishing, "
            "rowing, a bit of kayaking at the end, and long walks along the water.",
        },
    ]
    assert (await expand(worker_client, request(messages, user))).success
    hits = MemoryStore(worker_data_dir, store_url=worker_store_url).search("kayaking", user_id=user)
    kinds = [h.kind for h in hits]
    assert kinds[0] == "preference" and sorted(kinds) == ["keyword", "message", "preference"]
    assert hits[0].subject == "kayaking" and hits[0].value == "prefers"
    assert hits[-1].kind == "message", "one mention in a long text ranks last"
    assert all(a.rank <= b.rank for a, b in zip(hits, hits[1:]))
    assert "[kayaking]" in hits[-1].snippet
    # Every word must match; endings, case and accents do not matter.
    assert [
        h.kind
        for h in MemoryStore(worker_data_dir, store_url=worker_store_url).search(
            "KAYAK river", user_id=user
        )
    ] == ["message"]


async def test_user_and_kind_filters(
    worker_client: Client, worker_data_dir: Path, worker_store_url: str | None
) -> None:
    alice, bob = new_id("alice"), new_id("bob")
    word = f"zq{uuid.uuid4().hex[:8]}"
    for user in (alice, bob):
        msgs = [{"role": "user", "content": f"I love {word}. Remember that {word} matters to me."}]
        assert (await expand(worker_client, request(msgs, user))).success
    store = MemoryStore(worker_data_dir, store_url=worker_store_url)
    everyone = store.search(word)
    assert {h.user_id for h in everyone} == {alice, bob}
    assert {h.user_id for h in store.search(word, user_id=alice)} == {alice}
    preferences = store.search(word, kind="preference")
    assert [h.kind for h in preferences] == ["preference", "preference"]
    assert [h.kind for h in store.search(word, user_id=bob, kind="request")] == ["request"]
    assert len(store.search(word, limit=1)) == 1
    assert store.search(word, user_id=new_id("nobody")) == []


async def test_forget(
    worker_client: Client, worker_data_dir: Path, worker_store_url: str | None
) -> None:
    store = MemoryStore(worker_data_dir, store_url=worker_store_url)
    alice, bob = new_id("alice"), new_id("bob")
    word = f"forget{uuid.uuid4().hex[:8]}"
    msgs = [{"role": "user", "content": f"My secret hobby is {word}, I love {word}."}]
    first, second = request(msgs, alice), request(msgs, alice)
    for req in (first, second, request(msgs, bob)):
        assert (await expand(worker_client, req)).success
    before = store.count()
    removed = store.forget(conversation_id=first.conversation_id)
    assert removed == 3 and store.count() == before - 3
    assert store.for_conversation(first.conversation_id) == []
    assert {h.conversation_id for h in store.search(word, user_id=alice)} == {
        second.conversation_id
    }
    assert store.forget(user_id=alice) == 3
    assert store.search(word, user_id=alice) == []
    assert {h.user_id for h in store.search(word)} == {bob}
    assert store.forget(user_id=alice) == 0
    with pytest.raises(InvalidQueryError, match="conversation_id, a user_id or both"):
        store.forget()


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: {"conversation_id": "", "messages": []}, "conversation_id must be a non-empty"),
        (lambda: {"conversation_id": "c", "messages": "hello"}, "messages must be a list"),
        (
            lambda: {"conversation_id": "c", "messages": [{"role": "user"}]},
            "messages[0] has no content",
        ),
        (
            lambda: {"conversation_id": "c", "messages": [{"role": "user", "content": 5}]},
            "content must be a string",
        ),
        (
            lambda: {
                "conversation_id": "c",
                "messages": [{"role": "user", "content": "x"}]
                * (MEMORY_LIMITS["max_messages"] + 1),
            },
            f"messages has {MEMORY_LIMITS['max_messages'] + 1} entries; at most 10000",
        ),
        (
            lambda: {
                "conversation_id": "c",
                "messages": [
                    {"role": "user", "content": "x" * (MEMORY_LIMITS["max_messages_bytes"] - 29)}
                ],
            },
            "messages are 1048577 bytes of JSON; at most 1048576 are allowed",
        ),
    ],
    ids=[
        "empty-id",
        "not-a-list",
        "no-content",
        "content-type",
        "too-many",
        "too-big",
    ],
)
async def test_bad_requests_are_failure_results(
    worker_client: Client, make: Any, says: str
) -> None:
    result = await expand_by_name(worker_client, make())
    assert result["success"] is False and result["memory_count"] == 0
    assert result["error"].startswith("Invalid request: ") and says in result["error"]


async def test_limits_that_fit(
    worker_client: Client, worker_data_dir: Path, worker_store_url: str | None
) -> None:
    messages = [
        {"role": "user", "content": f"message number {i} about bouldering"} for i in range(10_000)
    ]
    assert (
        len(json.dumps(messages, separators=(",", ":")).encode())
        <= MEMORY_LIMITS["max_messages_bytes"]
    )
    req = request(messages)
    result = await expand(worker_client, req)
    assert result.success, result.error
    stored = MemoryStore(worker_data_dir, store_url=worker_store_url).for_conversation(
        req.conversation_id
    )
    assert sum(m.kind == "message" for m in stored) == 10_000
    assert result.memory_count == len(stored)


async def test_unicode_end_to_end(
    worker_client: Client, worker_data_dir: Path, worker_store_url: str | None
) -> None:
    user = new_id("user")
    msgs = [
        {
            "role": "user",
            "content": "My name is José Álvarez and I live in São Paulo. I adore 抹茶 ice cream.",
        }
    ]
    assert (await expand(worker_client, request(msgs, user))).success
    store = MemoryStore(worker_data_dir, store_url=worker_store_url)
    facts = store.search("jose alvarez", user_id=user, kind="fact")
    assert [(h.subject, h.value) for h in facts] == [
        ("name", "José Álvarez"),
        ("location", "São Paulo"),
    ], "both facts come from the clause that names José; the name matches in its value too"
    places = store.search("sao paulo", user_id=user, kind="fact")
    assert [h.value for h in places] == ["São Paulo", "José Álvarez"], "the value match ranks first"
    assert [h.subject for h in store.search("抹茶", user_id=user, kind="preference")] == [
        "抹茶 ice cream"
    ]


def test_any_text_is_a_valid_query(tmp_path: Path) -> None:
    store = MemoryStore(tmp_path)
    for text in ['"', "tea AND", "NEAR(", "a*", "col:x", "(((", "'; DROP TABLE memories; --", ""]:
        assert store.search(text) == []


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"kind": "facts"}, 'kind "facts" is not one of message, fact'),
        ({"limit": 0}, "limit 0 is out of range: 1 to 1000"),
        ({"limit": 1001}, "limit 1001 is out of range"),
        ({"limit": -5}, "limit -5 is out of range"),
    ],
)
def test_bad_search_arguments(tmp_path: Path, kwargs: dict[str, Any], says: str) -> None:
    with pytest.raises(InvalidQueryError, match=says) as error:
        MemoryStore(tmp_path).search("tea", **kwargs)
    assert isinstance(error.value, ValueError)


def test_long_queries_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidQueryError, match="at most 1000"):
        MemoryStore(tmp_path).search("a" * (MEMORY_LIMITS["max_query_chars"] + 1))


def test_a_store_from_a_later_version_is_refused_untouched(tmp_path: Path) -> None:
    MemoryStore(tmp_path)
    (store_file,) = tmp_path.glob("*.sqlite3")
    with sqlite3.connect(store_file) as db:
        (current,) = db.execute("PRAGMA user_version").fetchone()
        db.execute(f"PRAGMA user_version = {current + 1}")
    says = f"version {current + 1}, newer than this build's {current}"
    with pytest.raises(StoreError, match=says):
        MemoryStore(tmp_path)
    with sqlite3.connect(store_file) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (current + 1,)


def test_kinds_and_limits_come_from_rust() -> None:
    assert list(MEMORY_KINDS) == _core.memory_kinds()
    assert dict(MEMORY_LIMITS) == dict(_core.memory_limits())
    assert MEMORY_LIMITS["max_messages"] == 10_000
    assert MEMORY_LIMITS["max_messages_bytes"] == 1_048_576
