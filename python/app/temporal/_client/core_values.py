"""The client's values as the Rust core takes and gives them: seconds as floats, times as
Unix timestamps, TLS settings and retry policies as tuples, descriptions and events as
JSON text."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.temporal._client.values import (
    NamespaceDescription,
    PemSource,
    RetryPolicy,
    Seconds,
    TLSConfig,
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


def _pem(value: PemSource | None) -> bytes | Path | None:
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, str) and value.lstrip().startswith("-----BEGIN"):
        return value.encode()
    return Path(value)


def tls_tuple(tls: TLSConfig | None) -> tuple[Any, Any, Any, str | None] | None:
    if tls is None:
        return None
    return (
        _pem(tls.server_root_ca_cert),
        _pem(tls.client_cert),
        _pem(tls.client_private_key),
        tls.domain,
    )


def retry_tuple(policy: RetryPolicy | None) -> tuple[Any, ...] | None:
    if policy is None:
        return None
    return (
        seconds(policy.initial_interval),
        policy.backoff_coefficient,
        seconds(policy.maximum_interval),
        policy.maximum_attempts,
        list(policy.non_retryable_error_types),
    )
