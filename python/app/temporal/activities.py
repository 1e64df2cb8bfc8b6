"""The original module's activities: the 14 functions, with its names and arguments, and its
four lists ``learning_activities``, ``image_activities``, ``data_activities`` and
``memory_activities``.

Called directly, outside a workflow, each function runs this package's Rust implementation,
the same code the worker's activity of that name runs, against the configured settings
(:func:`~app.temporal.config.get_temporal_config`: ``data_dir``,
``analysis_allowed_roots``, ``analysis_max_file_bytes``; the image backends' environment
variables as a worker reads them), or those of the ``config`` keyword::

    if await check_black_vault(text) and await check_content_safety(prompt):
        ...

A call is the activity's first attempt without a workflow: records are keyed as the
activity keys them without a workflow id, and files get names unique to the call. An
argument the activity cannot use (a wrong type, a missing key, a value over a limit, content
that may not be learned, a file that may not be read) raises
:class:`~app.temporal.errors.InvalidInputError` naming the problem and what is allowed; the
store raises :class:`~app.temporal.errors.StoreError`, a malformed setting
:class:`~app.temporal.errors.ConfigError`, anything else (an image service's refusal, a
network error) :class:`~app.temporal.errors.TemporalError`.

Each function's ``__name__`` is its Temporal activity name. The store classes this module
always offered (``KnowledgeStore``, ``BlackVault``, ...) live in :mod:`app.temporal.stores`
and are offered here too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, Callable, Optional, Union, cast

from app.temporal import _core
from app.temporal._convert import plain
from app.temporal.config import TemporalConfig, get_temporal_config
from app.temporal.errors import InvalidInputError
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
from app.temporal.workflows import ImageGenerationRequest, LearningRequest

Activity = Callable[..., Awaitable[Any]]
"""An activity function: awaitable, its ``__name__`` the activity name."""

_lock = threading.Lock()
_opened: Optional[tuple[TemporalConfig, _core.ActivitiesCore]] = None


def _activities(config: Optional[TemporalConfig]) -> _core.ActivitiesCore:
    """The Rust activities on ``config`` (the shared configuration when None), kept while
    the same configuration is asked for."""
    global _opened
    wanted = config if config is not None else get_temporal_config()
    with _lock:
        if _opened is None or _opened[0] is not wanted:
            _opened = (wanted, _core.ActivitiesCore(wanted))
        return _opened[1]


async def _run(name: str, argument: object, config: Optional[TemporalConfig]) -> Any:
    """The activity's result, in the original module's shape."""
    try:
        text = json.dumps(plain(argument), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise InvalidInputError(f"{name}: the argument cannot be sent as JSON: {e}") from e
    return json.loads(await _activities(config).call(name, text))


# Learning


async def validate_learning_content(
    request: Union[Mapping[str, Any], LearningRequest], *, config: Optional[TemporalConfig] = None
) -> bool:
    """True if the learning request (a dict or :class:`LearningRequest`) is valid: 10 to
    100,000 characters of content after trimming, a Project-AI category (security,
    programming, data_science, general, tips, facts) and a source; False otherwise,
    including for a request with a missing field or a field of the wrong type."""
    return cast(bool, await _run("validate_learning_content", request, config))


async def check_black_vault(content: str, *, config: Optional[TemporalConfig] = None) -> bool:
    """True if Project-AI's Black Vault allows the content, False if it blocks it. A vault
    that cannot be read raises :class:`StoreError` (never True)."""
    return cast(bool, await _run("check_black_vault", content, config))


async def process_learning_request(
    request: Union[Mapping[str, Any], LearningRequest], *, config: Optional[TemporalConfig] = None
) -> str:
    """The knowledge id (``kn-...``) of what the request teaches: the same content in the
    same category always gives the same id, as in AILearningWorkflow. An invalid request
    raises :class:`InvalidInputError` naming the problem."""
    return cast(str, await _run("process_learning_request", request, config))


async def store_knowledge(
    data: Mapping[str, Any], *, config: Optional[TemporalConfig] = None
) -> bool:
    """Stores ``{"knowledge_id": ..., "request": {...}}`` in the knowledge base (the store
    and Project-AI's ``memory/knowledge.json``) as AILearningWorkflow does, once however
    often it is called; True, or False when the Black Vault denies the content by then
    (nothing is stored). A ``knowledge_id`` that is not the one
    :func:`process_learning_request` gives for the request raises
    :class:`InvalidInputError` naming both."""
    return cast(bool, await _run("store_knowledge", data, config))


# Image generation


async def check_content_safety(prompt: str, *, config: Optional[TemporalConfig] = None) -> bool:
    """True if the image prompt is safe, False if it uses a blocked term (on words, not
    substrings, as a person reads them: soft hyphens, zero-width characters, lookalike
    letters and digits for letters do not hide a term), is empty or has over 4,000
    characters."""
    return cast(bool, await _run("check_content_safety", prompt, config))


async def generate_image(
    request: Union[Mapping[str, Any], ImageGenerationRequest],
    *,
    config: Optional[TemporalConfig] = None,
) -> dict[str, Any]:
    """Generates the image the request (a dict or :class:`ImageGenerationRequest`) asks for
    with its backend (local, openai, huggingface) and writes it under
    ``<data_dir>/generated_images/`` with a name unique to the call; returns
    ``{"image_path": ..., "metadata": {...}}``, the metadata as ImageGenerationWorkflow
    reports it (prompt, enhanced_prompt, style, size, backend, model, seed, timestamp,
    sha256, bytes, format, ...)."""
    return cast(dict[str, Any], await _run("generate_image", request, config))


async def store_image_metadata(
    result: Mapping[str, Any], *, config: Optional[TemporalConfig] = None
) -> bool:
    """Stores what :func:`generate_image` returned (optionally with the request's fields
    beside it: prompt, style, size, backend, user_id) as one record keyed by the image path,
    which :class:`ImageStore` lists; True."""
    return cast(bool, await _run("store_image_metadata", result, config))


# Data analysis


async def validate_data_file(file_path: str, *, config: Optional[TemporalConfig] = None) -> bool:
    """True if analysis may read the file: a regular file with a loadable extension (.csv
    .tsv .txt .json .jsonl .xlsx .parquet) up to ``analysis_max_file_bytes``, whose real
    path is inside ``data_dir``, the working directory or ``analysis_allowed_roots``."""
    return cast(bool, await _run("validate_data_file", file_path, config))


async def load_data(file_path: str, *, config: Optional[TemporalConfig] = None) -> dict[str, Any]:
    """Loads the file into ``<data_dir>/analysis/<an id unique to the call>/table.arrow``;
    returns a summary, never the data: ``file_path``, ``table_path``, ``schema`` (a list of
    ``[column, type]``), ``rows``, ``columns``."""
    return cast(dict[str, Any], await _run("load_data", file_path, config))


async def perform_analysis(
    data: Mapping[str, Any], *, config: Optional[TemporalConfig] = None
) -> dict[str, Any]:
    """Analyses ``{"data": <what load_data returned>, "type": "statistics"}`` (type
    statistics, clustering, correlation, visualization or full; optionally ``columns`` and
    ``n_clusters``); returns the results as DataAnalysisWorkflow reports them, plus the
    ``table_path`` :func:`generate_visualizations` needs."""
    return cast(dict[str, Any], await _run("perform_analysis", data, config))


async def generate_visualizations(
    results: Mapping[str, Any], *, config: Optional[TemporalConfig] = None
) -> str:
    """Draws the charts (PNG) with ``report.json`` and ``index.html`` for what
    :func:`perform_analysis` returned; returns their folder's path."""
    return cast(str, await _run("generate_visualizations", results, config))


# Memory expansion


async def extract_memory_information(
    messages: Sequence[Mapping[str, Any]], *, config: Optional[TemporalConfig] = None
) -> list[dict[str, Any]]:
    """The memories in a conversation (``{role, content, timestamp?}`` dicts, at most
    ``MEMORY_LIMITS["max_messages"]``): the messages over 20 characters kept as they are
    (kind ``message``), then the typed memories (fact, preference, request, date, keyword),
    each a dict with kind, text, subject, value, role, message_index, timestamp and
    confidence."""
    return cast(list[dict[str, Any]], await _run("extract_memory_information", messages, config))


async def store_memories(
    data: Mapping[str, Any], *, config: Optional[TemporalConfig] = None
) -> int:
    """Stores ``{"conversation_id": ..., "info": <what extract_memory_information
    returned>, "user_id": ...}``; returns the number of memories that were not stored
    before (0 when called again with the same)."""
    return cast(int, await _run("store_memories", data, config))


async def update_memory_indexes(
    conversation_id: str, *, config: Optional[TemporalConfig] = None
) -> bool:
    """Adds every stored memory not indexed yet to the full-text index, so that
    :meth:`MemoryStore.search` finds it; True."""
    return cast(bool, await _run("update_memory_indexes", conversation_id, config))


learning_activities: list[Activity] = [
    validate_learning_content,
    check_black_vault,
    process_learning_request,
    store_knowledge,
]

image_activities: list[Activity] = [
    check_content_safety,
    generate_image,
    store_image_metadata,
]

data_activities: list[Activity] = [
    validate_data_file,
    load_data,
    perform_analysis,
    generate_visualizations,
]

memory_activities: list[Activity] = [
    extract_memory_information,
    store_memories,
    update_memory_indexes,
]

__all__ = [
    "MEMORY_KINDS",
    "MEMORY_LIMITS",
    "Activity",
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
    "check_black_vault",
    "check_content_safety",
    "data_activities",
    "extract_memory_information",
    "generate_image",
    "generate_visualizations",
    "image_activities",
    "learning_activities",
    "load_data",
    "memory_activities",
    "perform_analysis",
    "process_learning_request",
    "store_image_metadata",
    "store_knowledge",
    "store_memories",
    "update_memory_indexes",
    "validate_data_file",
    "validate_learning_content",
]
