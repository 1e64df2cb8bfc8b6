"""The stores the activities write, for the app to read. They live in
:mod:`app.temporal.stores`; this module offers them too, as it always did."""

from app.temporal.stores import (
    MEMORY_KINDS,
    MEMORY_LIMITS,
    BlackVault,
    ImageRecord,
    ImageStatistics,
    ImageStore,
    KnowledgeEntry,
    KnowledgeHit,
    KnowledgeStore,
    MemoryHit,
    MemoryKind,
    MemoryStore,
    StoredMemory,
)

__all__ = [
    "MEMORY_KINDS",
    "MEMORY_LIMITS",
    "BlackVault",
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
]
