"""What the activities leave behind, for the app to read: the knowledge, image and memory
stores and Project-AI's Black Vault. The activities themselves are in
:mod:`app.temporal.activities` (which also offers these names, as it always did)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, Optional, Union, get_args

from app.temporal import _core
from app.temporal._convert import decode
from app.temporal.config import get_temporal_config

StrPath = Union[str, "os.PathLike[str]"]


def _data_dir(data_dir: Optional[StrPath]) -> Path:
    return Path(data_dir) if data_dir is not None else get_temporal_config().data_dir


def _artifacts_dir(artifacts_dir: Optional[StrPath]) -> Optional[Path]:
    """Where images and analysis output are: the folder given, else the configured
    ``artifacts_dir`` (None: the data dir)."""
    return Path(artifacts_dir) if artifacts_dir is not None else get_temporal_config().artifacts_dir


def _store_url(store_url: Optional[str]) -> Optional[str]:
    """The store to open: the one given, else the configured ``store_url`` (None: the
    embedded store in the data dir)."""
    return store_url if store_url is not None else get_temporal_config().store_url


@dataclass(frozen=True)
class KnowledgeEntry:
    id: str
    category: str
    title: str
    summary: str
    content: str
    keywords: list[str]
    word_count: int
    content_hash: str
    source: str
    user_id: Optional[str]
    workflow_id: Optional[str]
    created_at: float


@dataclass(frozen=True)
class KnowledgeHit:
    id: str
    title: str
    category: str
    snippet: str
    """Text around the matches, which stand in [brackets]."""
    rank: float
    """BM25; lower is better."""


class KnowledgeStore:
    """The knowledge AILearningWorkflow stored under a data dir (the configured one by default)."""

    def __init__(
        self, data_dir: Optional[StrPath] = None, *, store_url: Optional[str] = None
    ) -> None:
        self.data_dir = _data_dir(data_dir)
        self._core = _core.KnowledgeStoreCore(self.data_dir, _store_url(store_url))

    def get(self, knowledge_id: str) -> Optional[KnowledgeEntry]:
        found = self._core.get(knowledge_id)
        return None if found is None else decode(found, KnowledgeEntry)

    def search(
        self, text: str, category: Optional[str] = None, limit: int = 10
    ) -> list[KnowledgeHit]:
        """Entries matching any word of ``text`` (full text, BM25 ranking), best first."""
        return decode(self._core.search(text, category, limit), list[KnowledgeHit])  # type: ignore[no-any-return]

    def count(self) -> int:
        return self._core.count()

    @property
    def location(self) -> str:
        """Where the records live: the embedded store's file, or the shared store's URL
        without its password."""
        return self._core.location

    def sync_knowledge_json(self) -> int:
        """Writes to Project-AI's ``memory/knowledge.json`` the entries this store holds but
        the file does not yet (workers bring it up to date in batches, a moment after each
        workflow); returns how many it wrote. For code that reads the file right after a
        workflow ended."""
        return self._core.sync_knowledge_json()


@dataclass(frozen=True)
class ImageRecord:
    workflow_id: str
    image_path: str
    prompt: str
    style: str
    size: str
    backend: str
    sha256: str
    bytes: int
    user_id: Optional[str]
    metadata: dict[str, Any]
    created_at: float


@dataclass(frozen=True)
class ImageStatistics:
    total: int
    total_bytes: int
    by_backend: dict[str, int]
    by_style: dict[str, int]


class ImageStore:
    """The images ImageGenerationWorkflow made under a data dir (the configured one by
    default): one record per workflow."""

    def __init__(
        self, data_dir: Optional[StrPath] = None, *, store_url: Optional[str] = None
    ) -> None:
        self.data_dir = _data_dir(data_dir)
        self._core = _core.ImageStoreCore(self.data_dir, _store_url(store_url))

    def history(self, limit: int = 10) -> list[ImageRecord]:
        """The newest images first."""
        return decode(self._core.history(limit), list[ImageRecord])  # type: ignore[no-any-return]

    def statistics(self) -> ImageStatistics:
        """How many images, how many bytes, by backend and by style."""
        return decode(self._core.statistics(), ImageStatistics)  # type: ignore[no-any-return]


MemoryKind = Literal["message", "fact", "preference", "request", "date", "keyword"]
"""message: a substantive message kept verbatim; fact: about the user (name, location,
hometown, employer, role); preference; request: what the user asked to remember; date;
keyword."""

MEMORY_KINDS: tuple[MemoryKind, ...] = get_args(MemoryKind)

MEMORY_LIMITS: Mapping[str, int] = MappingProxyType(dict(_core.memory_limits()))
"""MemoryExpansionWorkflow's and MemoryStore's limits (the Rust constants): max_messages,
max_messages_bytes, max_id_chars, min_substantive_chars, max_keywords, max_text_chars,
max_search_limit, max_query_chars, max_ranked."""


@dataclass(frozen=True)
class StoredMemory:
    id: int
    conversation_id: str
    user_id: Optional[str]
    kind: MemoryKind
    text: str
    """The clause the memory came from (a kept message: its whole content)."""
    subject: Optional[str]
    """name, location, hometown, employer, role (facts); the thing (preferences);
    deadline or date (dates)."""
    value: Optional[str]
    """The name, place, ...; likes, loves, prefers, enjoys, hates, dislikes; the date
    (2027-05-03, --05-03 without a year, or a phrase such as "next friday")."""
    role: str
    """The role of the message it came from."""
    message_index: int
    """The position of that message in the workflow's request."""
    timestamp: Optional[str]
    confidence: float
    workflow_id: Optional[str]
    created_at: float


@dataclass(frozen=True)
class MemoryHit(StoredMemory):
    snippet: str
    """Text around the matches, which stand in [brackets]."""
    rank: float
    """BM25 times the memory's confidence; lower is better."""


class MemoryStore:
    """The memories MemoryExpansionWorkflow stored under a data dir (the configured one by
    default), with a full-text index (SQLite FTS5, BM25 ranking)."""

    def __init__(
        self, data_dir: Optional[StrPath] = None, *, store_url: Optional[str] = None
    ) -> None:
        self.data_dir = _data_dir(data_dir)
        self._core = _core.MemoryStoreCore(self.data_dir, _store_url(store_url))

    def search(
        self,
        query: str,
        *,
        user_id: Optional[str] = None,
        kind: Optional[MemoryKind] = None,
        limit: int = 10,
    ) -> list[MemoryHit]:
        """Memories containing every word of ``query``, best first. Any text is a valid
        query: each word is searched as a word (quotes, ``AND``, ``*``, ``:`` are not query
        syntax), case, accents and English endings are ignored ("Loves" finds "love");
        text without words finds nothing. Ranking: BM25 times the memory's confidence, ties
        to the older memory; the result is the exact best ``limit`` of every match that
        passes the filters (with a shared PostgreSQL store: of the newest
        ``MEMORY_LIMITS["max_ranked"]`` (2000) such matches). A memory is found once
        ``update_memory_indexes`` has run. Raises :class:`InvalidQueryError` for an unknown
        ``kind``, a ``limit`` outside 1 to 1000 or a query over 1000 characters."""
        found = self._core.search(query, user_id, kind, limit)
        return decode(found, list[MemoryHit])  # type: ignore[no-any-return]

    def for_conversation(self, conversation_id: str) -> list[StoredMemory]:
        """Every memory of a conversation (of any user), in message order."""
        found = self._core.for_conversation(conversation_id)
        return decode(found, list[StoredMemory])  # type: ignore[no-any-return]

    def forget(
        self,
        *,
        conversation_id: Optional[str] = None,
        user_id: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> int:
        """Removes the memories of a conversation, of a user, or of one user's conversation
        (both given), with their index entries, and overwrites the removed text in the store
        files; returns how many were removed. It returns once the text is gone from the
        database file and its write-ahead log, waiting up to ``timeout`` seconds (None: 30)
        for readers of an older snapshot; after that it raises :class:`StoreError` naming
        the log (call it again once the reader is done). :func:`forget_user` erases all of
        a user's data.
        Raises :class:`InvalidQueryError` when neither is given."""
        return self._core.forget(conversation_id, user_id, timeout)

    def count(self) -> int:
        return self._core.count()


@dataclass(frozen=True)
class ErasedUserData:
    """What :func:`forget_user` erased, by kind."""

    memories: int
    knowledge: int
    knowledge_json_entries: int
    """Entries removed from Project-AI's ``memory/knowledge.json``."""
    images: int
    """Image records."""
    image_files: int
    analysis_outputs: int
    """Analysis output folders (``<data_dir>/analysis/<workflow>-<hash>/``)."""


def forget_user(
    user_id: str,
    *,
    data_dir: Optional[StrPath] = None,
    timeout: Optional[float] = None,
    store_url: Optional[str] = None,
    artifacts_dir: Optional[StrPath] = None,
) -> ErasedUserData:
    """Erases everything the workflows stored for ``user_id`` under a data dir (the
    configured one by default): memories, knowledge entries and their ``knowledge.json``
    entries, image records and image files, analysis output folders. Returns once the text
    is in no file of the data dir any more (store, write-ahead log, JSON, images, analysis
    folders), waiting up to ``timeout`` seconds (None: 30) for readers of an older
    snapshot of the store; after that it raises :class:`StoreError` saying what remains
    and why (call it again once the reader is done). Not erased: Temporal's workflow
    histories, analysis folders made before user ids were recorded for them, and input
    files; see the README.
    Raises :class:`InvalidQueryError` for an empty ``user_id`` or a ``timeout`` outside 0 to
    3600."""
    found = _core.forget_user(
        _data_dir(data_dir), user_id, timeout, _store_url(store_url), _artifacts_dir(artifacts_dir)
    )
    return decode(found, ErasedUserData)  # type: ignore[no-any-return]


class BlackVault:
    """Project-AI's Black Vault (``learning_requests/requests.db``, table ``black_vault``):
    content that must never be learned, by the hex SHA-256 of its UTF-8 text. Content is
    denied when the hash of its raw text or of its canonical form (:meth:`canonical`) is
    there, so a variant that reads the same (a trailing space, CRLF line endings, NFD,
    full-width letters) is denied too."""

    def __init__(self, data_dir: Optional[StrPath] = None) -> None:
        self.data_dir = _data_dir(data_dir)
        self._core = _core.BlackVaultCore(self.data_dir)

    @staticmethod
    def hash(content: str) -> str:
        """Project-AI's hash of the raw text: ``hashlib.sha256(content.encode()).hexdigest()``."""
        return _core.content_hash(content)

    @staticmethod
    def canonical(content: str) -> str:
        """The canonical form of a text, which the knowledge store keeps: invisible
        characters (soft hyphen, zero-width space, BOM) out, Unicode NFKC, line endings as
        ``\n``, runs of spaces as one, lines and the text trimmed."""
        return _core.canonical_text(content)

    def add(self, content: str) -> bool:
        """Blocks the content under its raw and canonical hash; True when either was not
        there yet."""
        return self._core.add(content)

    def remove(self, content: str) -> bool:
        """Unblocks the content (its raw and canonical hash), which lets its variants
        through again; True when either was there."""
        return self._core.remove(content)

    def __contains__(self, content: str) -> bool:
        return self._core.contains(content)

    @property
    def database(self) -> Path:
        return self._core.database


__all__ = [
    "MEMORY_KINDS",
    "MEMORY_LIMITS",
    "BlackVault",
    "ErasedUserData",
    "ImageRecord",
    "ImageStatistics",
    "ImageStore",
    "KnowledgeEntry",
    "KnowledgeHit",
    "KnowledgeStore",
    "MemoryHit",
    "MemoryKind",
    "MemoryStore",
    "StoredMemory",
    "forget_user",
]
