"""How the CLI reports: text for people, one JSON document with ``--json`` for scripts, and
the exit codes (0 ok, 1 workflow failed, 2 usage or config error, 3 cannot connect)."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Optional

from app.temporal.errors import (
    ConfigError,
    DevServerError,
    PayloadError,
    RPCError,
    TemporalConnectionError,
    TemporalError,
    WorkflowAlreadyStartedError,
    WorkflowFailureError,
    WorkflowResultTimeoutError,
)

OK = 0
WORKFLOW_FAILED = 1
USAGE = 2
UNREACHABLE = 3

# gRPC codes that mean the request named something wrong: NOT_FOUND, INVALID_ARGUMENT,
# ALREADY_EXISTS, FAILED_PRECONDITION.
_USAGE_STATUSES = {3, 5, 6, 9}


class CommandError(Exception):
    """A failure the command explains itself: the message, what to do, and the exit code."""

    def __init__(self, message: str, code: int = USAGE, fix: Optional[str] = None) -> None:
        super().__init__(message)
        self.code = code
        self.fix = fix


def exit_code_for(error: BaseException) -> int:
    if isinstance(error, CommandError):
        return error.code
    if isinstance(error, TemporalConnectionError):
        return UNREACHABLE
    if isinstance(error, (ConfigError, DevServerError, PayloadError, WorkflowAlreadyStartedError)):
        return USAGE
    if isinstance(error, RPCError):
        return USAGE if error.status in _USAGE_STATUSES else WORKFLOW_FAILED
    if isinstance(error, WorkflowFailureError):
        return WORKFLOW_FAILED
    return WORKFLOW_FAILED


def fix_for(error: BaseException) -> Optional[str]:
    if isinstance(error, CommandError):
        return error.fix
    if isinstance(error, TemporalConnectionError):
        return (
            "start a server (`project-ai-temporal server start`) or set TEMPORAL_HOST;"
            " `project-ai-temporal doctor` checks the setup"
        )
    if isinstance(error, ConfigError):
        return "fix the setting named above (`project-ai-temporal doctor` lists every problem)"
    if isinstance(error, WorkflowResultTimeoutError):
        return (
            "the workflow keeps running: `project-ai-temporal workflows result ID` waits again;"
            " check that a worker polls its task queue and hosts its type"
        )
    return None


def jsonable(value: Any) -> Any:
    """``value`` with dataclasses, enums, paths and times turned into JSON types."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


class Output:
    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode
        self._live = False

    def emit(self, data: dict[str, Any], text: Iterable[str]) -> None:
        """The command's answer: ``data`` as JSON, or the lines of ``text``."""
        self.end_progress()
        if self.json_mode:
            print(json.dumps(jsonable(data), indent=2, sort_keys=True))
        else:
            for line in text:
                print(line)
        sys.stdout.flush()

    def note(self, line: str) -> None:
        """Something for people only, on stderr; nothing in JSON mode."""
        if not self.json_mode:
            self.end_progress()
            print(line, file=sys.stderr, flush=True)

    def progress(self, line: str) -> None:
        """A live status line (rewritten in place on a terminal, one line each otherwise)."""
        if self.json_mode:
            return
        if sys.stderr.isatty():
            print(f"\r\033[K{line}", end="", file=sys.stderr, flush=True)
            self._live = True
        else:
            print(line, file=sys.stderr, flush=True)

    def end_progress(self) -> None:
        if self._live:
            print(file=sys.stderr, flush=True)
            self._live = False

    def error(self, error: BaseException) -> int:
        code = exit_code_for(error)
        fix = fix_for(error)
        self.end_progress()
        if self.json_mode:
            document = {"ok": False, "exit_code": code, "error": str(error), "fix": fix}
            if isinstance(error, ConfigError):
                document["problems"] = [p._asdict() for p in error.problems]
            print(json.dumps(document, indent=2, sort_keys=True))
        else:
            print(f"error: {error}", file=sys.stderr)
            if fix:
                print(f"fix: {fix}", file=sys.stderr)
        return code


__all__ = [
    "OK",
    "UNREACHABLE",
    "USAGE",
    "WORKFLOW_FAILED",
    "CommandError",
    "Output",
    "TemporalError",
    "exit_code_for",
    "jsonable",
]
