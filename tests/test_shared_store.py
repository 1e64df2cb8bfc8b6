"""The shared store on PostgreSQL (`store_url`), beyond what the worker tests run on both
stores: the URL's password never shows, a database that cannot be reached is a clear error,
and stores of different data dirs on one database see one set of records."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest

from app.temporal import (
    ConfigError,
    KnowledgeStore,
    MemoryStore,
    StoreError,
    TemporalConfig,
    forget_user,
)
from app.temporal import activities as acts
from tests.postgres import PASSWORD, USER, Postgres, tls_front
from tests.tls_proxy import CertificateAuthority


def test_the_password_never_shows(postgres_server: Postgres, tmp_path: Path) -> None:
    url = postgres_server.new_database()
    config = TemporalConfig(env_file=None, data_dir=tmp_path, store_url=url)
    shown = f"{config!r} {config.to_dict()}"
    assert PASSWORD not in shown and f"{USER}:***@127.0.0.1" in shown, shown
    # A refused login and a malformed URL: the errors name the store, not the password.
    wrong = url.replace(PASSWORD, "not-the-password-" + PASSWORD[::-1])
    with pytest.raises(StoreError) as refused:
        KnowledgeStore(tmp_path, store_url=wrong)
    message = str(refused.value)
    assert "password authentication failed" in message, message
    assert PASSWORD[::-1] not in message and f"{USER}:***@" in message, message
    with pytest.raises(ConfigError) as malformed:
        TemporalConfig(env_file=None, store_url=f"postgresql://u:{PASSWORD}@[::1/db")
    assert PASSWORD not in str(malformed.value), malformed.value
    assert "store_url" in str(malformed.value)


async def test_tls_checks_the_servers_certificate(
    postgres_server: Postgres, tmp_path: Path
) -> None:
    """Through a TLS front for the server: sslmode=require with the CA that signed its
    certificate connects; a CA that did not sign it is refused, saying why; the default
    (prefer) checks the certificate too, so it is refused against the Mozilla roots;
    sslmode=disable connects in plaintext."""
    ca = CertificateAuthority(tmp_path, "pg-test-ca")
    other = CertificateAuthority(tmp_path, "other-ca")
    issued = ca.issue("pg-server", ["127.0.0.1", "localhost"])
    database = postgres_server.new_database().rsplit("/", 1)[1]

    def count(port: int, query: str) -> int:
        url = f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{port}/{database}{query}"
        return KnowledgeStore(tmp_path / uuid.uuid4().hex, store_url=url).count()

    async with tls_front(postgres_server, issued.cert, issued.key) as port:
        trusted = f"?sslmode=require&sslrootcert={ca.files.cert}"
        assert await asyncio.to_thread(count, port, trusted) == 0
        for query in (f"?sslmode=verify-full&sslrootcert={other.files.cert}", ""):
            with pytest.raises(StoreError) as refused:
                await asyncio.to_thread(count, port, query)
            message = str(refused.value)
            assert "invalid peer certificate" in message and "UnknownIssuer" in message, message
            assert PASSWORD not in message
        assert await asyncio.to_thread(count, port, "?sslmode=disable") == 0


def test_a_database_that_is_not_there_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as raised:
        KnowledgeStore(tmp_path, store_url="postgresql://ai:pw-secret@127.0.0.1:1/none")
    message = str(raised.value)
    assert "store postgresql://ai:***@127.0.0.1:1/none: cannot connect" in message, message
    assert "pw-secret" not in message


async def test_two_hosts_store_once_and_see_everything(
    postgres_server: Postgres, tmp_path: Path
) -> None:
    """Two data dirs (two hosts) on one database: the same learning request stored from both,
    concurrently, is one row; each host's search finds what the other stored; each host's
    knowledge.json is rebuilt from the shared store; an erasure on one host removes the
    records for both, and that host's knowledge.json entries."""
    url = postgres_server.new_database()
    hosts = [
        TemporalConfig(env_file=None, data_dir=tmp_path / name, store_url=url)
        for name in ("host-a", "host-b")
    ]
    request = {
        "content": "Shared stores keep one row per entry, whichever host stores it first.",
        "source": "fleet-test",
        "category": "facts",
        "user_id": "ada",
    }
    knowledge_id = await acts.process_learning_request(request, config=hosts[0])
    data = {"knowledge_id": knowledge_id, "request": request}
    stored = await asyncio.gather(
        *(acts.store_knowledge(data, config=host) for host in hosts for _ in range(5))
    )
    assert all(stored)
    a, b = (KnowledgeStore(h.data_dir, store_url=url) for h in hosts)
    assert a.count() == b.count() == 1
    assert [h.id for h in b.search("whichever host")] == [knowledge_id]
    assert b.sync_knowledge_json() == 0  # host b stored it too, so its file has it
    messages = [{"role": "user", "content": "My name is Ada and I live in Zürich."}]
    info = await acts.extract_memory_information(messages, config=hosts[0])
    memories = {"conversation_id": "c-1", "info": info, "user_id": "ada"}
    counts = await asyncio.gather(*(acts.store_memories(memories, config=h) for h in hosts))
    assert sorted(counts) == [0, len(info)], "one host stored them, the other found them there"
    assert await acts.update_memory_indexes("c-1", config=hosts[1]) is True
    found = MemoryStore(hosts[0].data_dir, store_url=url).search("zurich", user_id="ada")
    assert {h.value for h in found} >= {"Zürich"}
    # A third host joins: its knowledge.json is rebuilt from the shared store.
    c = KnowledgeStore(tmp_path / "host-c", store_url=url)
    assert c.sync_knowledge_json() == 1
    mirrored = json.loads((tmp_path / "host-c" / "memory" / "knowledge.json").read_text())
    assert list(mirrored["facts"]) == [knowledge_id]
    erased = forget_user("ada", data_dir=tmp_path / "host-c", store_url=url)
    assert (erased.knowledge, erased.memories) == (1, len(info))
    assert erased.knowledge_json_entries == 1
    assert a.count() == 0 and MemoryStore(hosts[1].data_dir, store_url=url).count() == 0
    assert json.loads((tmp_path / "host-c" / "memory" / "knowledge.json").read_text()) == {
        "facts": {}
    }
    # Host b's copy catches up with the erasure: the entry leaves its knowledge.json too.
    b_file = tmp_path / "host-b" / "memory" / "knowledge.json"
    assert knowledge_id in json.loads(b_file.read_text())["facts"]
    assert b.sync_knowledge_json() == 0
    assert json.loads(b_file.read_text()) == {"facts": {}}


async def test_a_host_that_joins_with_knowledge_of_its_own_keeps_it(
    postgres_server: Postgres, tmp_path: Path
) -> None:
    """A data dir whose embedded store already holds knowledge is switched to a shared
    store: its entries are sent there (not taken for entries erased by another host), and
    stay in its knowledge.json."""
    alone = TemporalConfig(env_file=None, data_dir=tmp_path)
    request = {
        "content": "Knowledge learned before the fleet existed.",
        "source": "solo",
        "category": "general",
    }
    knowledge_id = await acts.process_learning_request(request, config=alone)
    data = {"knowledge_id": knowledge_id, "request": request}
    assert await acts.store_knowledge(data, config=alone) is True
    url = postgres_server.new_database()
    joined = KnowledgeStore(tmp_path, store_url=url)
    assert joined.sync_knowledge_json() == 0
    assert joined.count() == 1 and joined.get(knowledge_id) is not None
    mirrored = json.loads((tmp_path / "memory" / "knowledge.json").read_text())
    assert knowledge_id in mirrored["general"], mirrored
    assert KnowledgeStore(tmp_path / "other", store_url=url).count() == 1
