"""What the activities leave behind, for the app to read: the knowledge store and
Project-AI's Black Vault. The activities themselves run in the Rust worker."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

from app.temporal import _core
from app.temporal._convert import from_json
from app.temporal.config import get_temporal_config

StrPath = Union[str, "os.PathLike[str]"]


def _data_dir(data_dir: Optional[StrPath]) -> Path:
    return Path(data_dir) if data_dir is not None else get_temporal_config().data_dir


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

    def __init__(self, data_dir: Optional[StrPath] = None) -> None:
        self.data_dir = _data_dir(data_dir)
        self._core = _core.KnowledgeStoreCore(self.data_dir)

    def get(self, knowledge_id: str) -> Optional[KnowledgeEntry]:
        found = self._core.get(knowledge_id)
        return None if found is None else from_json(found.encode(), KnowledgeEntry)

    def search(
        self, text: str, category: Optional[str] = None, limit: int = 10
    ) -> list[KnowledgeHit]:
        """Entries matching any word of ``text`` (full text, BM25 ranking), best first."""
        return from_json(self._core.search(text, category, limit).encode(), list[KnowledgeHit])  # type: ignore[no-any-return]

    def count(self) -> int:
        return self._core.count()


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

    def __init__(self, data_dir: Optional[StrPath] = None) -> None:
        self.data_dir = _data_dir(data_dir)
        self._core = _core.ImageStoreCore(self.data_dir)

    def history(self, limit: int = 10) -> list[ImageRecord]:
        """The newest images first."""
        return from_json(self._core.history(limit).encode(), list[ImageRecord])  # type: ignore[no-any-return]

    def statistics(self) -> ImageStatistics:
        """How many images, how many bytes, by backend and by style."""
        return from_json(self._core.statistics().encode(), ImageStatistics)  # type: ignore[no-any-return]


class BlackVault:
    """Project-AI's Black Vault (``learning_requests/requests.db``, table ``black_vault``):
    content that must never be learned, by the hex SHA-256 of its UTF-8 text."""

    def __init__(self, data_dir: Optional[StrPath] = None) -> None:
        self.data_dir = _data_dir(data_dir)
        self._core = _core.BlackVaultCore(self.data_dir)

    @staticmethod
    def hash(content: str) -> str:
        return _core.content_hash(content)

    def add(self, content: str) -> bool:
        """Blocks the content; True when it was not blocked yet."""
        return self._core.add(content)

    def remove(self, content: str) -> bool:
        """Unblocks the content; True when it was blocked."""
        return self._core.remove(content)

    def __contains__(self, content: str) -> bool:
        return self._core.contains(content)

    @property
    def database(self) -> Path:
        return self._core.database


__all__ = [
    "BlackVault",
    "ImageRecord",
    "ImageStatistics",
    "ImageStore",
    "KnowledgeEntry",
    "KnowledgeHit",
    "KnowledgeStore",
]
