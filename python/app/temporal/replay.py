"""Upgrades by replay: run this build's workflow code against recorded histories.

A workflow's code must make the commands its history recorded; a new wheel whose workflow
changed without ``patched()`` fails every workflow an older wheel started. Before rolling a
new wheel out, replay the server's open and recently closed workflows against it
(``project-ai-temporal replay``, or :func:`replay_workflows`), and keep histories of each
release in the repository (``tests/histories/<version>/``) for CI to replay.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal, Optional, Union

from app.temporal import _core
from app.temporal.client import Client

Verdict = Literal["ok", "non_deterministic", "failed", "unreadable"]

DEFAULT_LIMIT = 100
"""Server workflows replayed at most, newest first, unless told otherwise."""
DEFAULT_CLOSED_WITHIN = timedelta(days=1)


@dataclass(frozen=True)
class ReplayResult:
    """How one history replayed against this build."""

    source: str
    """The file, or ``workflow_id (run_id)`` for a server's workflow."""
    workflow_type: str
    workflow_id: str
    events: int
    result: Verdict
    """ok; non_deterministic (this build's commands differ from the history's at
    ``event_id``); failed (the workflow code failed a task); unreadable (not a history, or
    not of a workflow this build has)."""
    event_id: Optional[int] = None
    message: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.result == "ok"


@dataclass(frozen=True)
class ReplayReport:
    results: list[ReplayResult]

    @property
    def ok(self) -> bool:
        """True when every history replayed (an empty report is ok)."""
        return all(r.ok for r in self.results)

    @property
    def failures(self) -> list[ReplayResult]:
        return [r for r in self.results if not r.ok]


def _seconds(closed_within: Union[timedelta, float, None]) -> Optional[float]:
    if closed_within is None:
        return None
    seconds = (
        closed_within.total_seconds()
        if isinstance(closed_within, timedelta)
        else float(closed_within)
    )
    if not 0 <= seconds < float("inf"):
        raise ValueError(
            f"closed_within is {closed_within!r}; it must be a finite 0 or more seconds "
            "(None: every closed workflow)"
        )
    return seconds


async def replay_workflows(
    client: Optional[Client] = None,
    *,
    histories: Sequence[Union[str, Path]] = (),
    workflow_types: Optional[Sequence[str]] = None,
    closed_within: Union[timedelta, float, None] = DEFAULT_CLOSED_WITHIN,
    limit: int = DEFAULT_LIMIT,
) -> ReplayReport:
    """Replays history files (``temporal workflow show -o json``; a folder stands for its
    ``*.json`` files) and, given a connected ``client``, the server's workflows of this
    build's types (or of ``workflow_types``): every open one and those closed within
    ``closed_within`` (None: every closed one the server keeps), newest first, at most
    ``limit`` (1 to 1000). Raises ValueError for a type this build lacks or a bad limit."""
    if client is None and not histories:
        raise ValueError("nothing to replay: give a client, history files, or both")
    if limit < 1:
        raise ValueError(f"the limit is {limit}; it must be 1 or more")
    seconds = _seconds(closed_within)
    # Longer ago than the epoch is every closed workflow there is.
    since = None if seconds is None else max(0, int(time.time() - seconds))
    reports: list[_core._Replayed] = await _core.replay_workflows(
        [Path(h) for h in histories],
        None if client is None else client._core,
        None if workflow_types is None else list(workflow_types),
        since,
        limit,
    )
    return ReplayReport([ReplayResult(**item) for item in reports])


__all__ = [
    "DEFAULT_CLOSED_WITHIN",
    "DEFAULT_LIMIT",
    "ReplayReport",
    "ReplayResult",
    "Verdict",
    "replay_workflows",
]
