"""The client's values as the Rust core gives them (times as Unix timestamps,
descriptions and events as JSON text), and durations as it takes them (seconds). TLS
settings and retry policies go to the core as they are: it reads their fields by name."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from app.temporal._client.values import (
    NamespaceDescription,
    Seconds,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowHistoryEvent,
)
from app.temporal._convert import from_json


def seconds(value: Seconds | None) -> float | None:
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return value


def _time(value: float | None) -> datetime.datetime | None:
    if value is None:
        return None
    return datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)


def namespace(data: str) -> NamespaceDescription:
    raw = from_json(data.encode())
    retention = raw.pop("retention_seconds")
    return NamespaceDescription(
        **raw, retention=None if retention is None else datetime.timedelta(seconds=retention)
    )


def description(item: Mapping[str, Any]) -> WorkflowExecutionDescription:
    status = item["status"]
    known = {s.value for s in WorkflowExecutionStatus}
    return WorkflowExecutionDescription(
        id=item["workflow_id"],
        run_id=item["run_id"],
        workflow_type=item["workflow_type"],
        status=WorkflowExecutionStatus(status if status in known else "unspecified"),
        task_queue=item["task_queue"],
        start_time=_time(item["start_time"]),
        close_time=_time(item["close_time"]),
        execution_time=_time(item["execution_time"]),
        history_length=item["history_length"],
    )


def described(data: str) -> WorkflowExecutionDescription:
    return description(from_json(data.encode()))


def events(data: str) -> list[WorkflowHistoryEvent]:
    raw = from_json(data.encode())
    return [
        WorkflowHistoryEvent(
            e["event_id"], e["event_type"], _time(e["event_time"]), e["attributes"]
        )
        for e in raw
    ]
