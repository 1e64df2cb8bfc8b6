"""How the CLI reports: text for people, one JSON document with ``--json`` for scripts, and
the exit codes (described in the parser's description, ``cli/__init__.py``)."""

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


def _follow_again(workflow_id: Optional[str]) -> str:
    command = f"project-ai-temporal workflows result {workflow_id or 'WORKFLOW_ID'}"
    return f"`{command}` waits for it again"


def fix_for(error: BaseException, workflow_id: Optional[str] = None) -> Optional[str]:
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
            f"the workflow keeps running: {_follow_again(workflow_id)};"
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


INTERRUPTED = 130


class Output:
    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode
        self._live = False
        self.workflow: dict[str, str] = {}
        """The workflow this command started or follows (workflow_id, run_id): every
        document after that names it, errors and interruptions included."""

    def following(self, workflow_id: str, run_id: Optional[str] = None) -> None:
        self.workflow = {"workflow_id": workflow_id}
        if run_id:
            self.workflow["run_id"] = run_id

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
        document: dict[str, Any] = {"error": str(error), "fix": fix_for(error, self._id())}
        if isinstance(error, ConfigError):
            document["problems"] = [p._asdict() for p in error.problems]
        return self._failed(code, document)

    def interrupted(self) -> int:
        """Ctrl-C: a document like any other ending (exit 130); a started workflow keeps
        running on the server, and the answer says so."""
        fix = f"it keeps running: {_follow_again(self._id())}" if self.workflow else None
        return self._failed(INTERRUPTED, {"error": "interrupted", "fix": fix})

    def _id(self) -> Optional[str]:
        return self.workflow.get("workflow_id")

    def _failed(self, code: int, document: dict[str, Any]) -> int:
        self.end_progress()
        if self.json_mode:
            document = {"ok": False, "exit_code": code, **self.workflow, **document}
            print(json.dumps(document, indent=2, sort_keys=True), flush=True)
        else:
            print(f"error: {document['error']}", file=sys.stderr)
            if self.workflow:
                run = f" (run {self.workflow['run_id']})" if "run_id" in self.workflow else ""
                print(f"workflow: {self._id()}{run}", file=sys.stderr)
            if document["fix"]:
                print(f"fix: {document['fix']}", file=sys.stderr)
        return code


__all__ = [
    "INTERRUPTED",
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
