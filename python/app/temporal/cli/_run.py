"""``run learning | image | data | memory``: starts a workflow from options or a JSON file,
follows it with a live progress line (its ``status`` query) and prints the result."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable

from app.temporal import _core
from app.temporal._convert import check_field_types, to_json
from app.temporal.cli._common import load_config
from app.temporal.cli._output import OK, WORKFLOW_FAILED, CommandError, Output, jsonable
from app.temporal.client import TemporalClientManager, WorkflowHandle
from app.temporal.errors import TemporalError
from app.temporal.workflow_ref import WorkflowRun
from app.temporal.workflows import (
    AILearningWorkflow,
    DataAnalysisWorkflow,
    ImageGenerationWorkflow,
    MemoryExpansionWorkflow,
    WorkflowProgress,
)

_ROLES = ("user", "assistant", "system")


@dataclasses.dataclass(frozen=True)
class _Kind:
    workflow: WorkflowRun[Any, Any]
    id_prefix: str
    help: str
    add_options: Callable[[argparse.ArgumentParser], None]


def _learning_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", help="the text to learn (10 to 100,000 characters)")
    parser.add_argument(
        "--content-file", type=Path, help="read the text to learn from this file instead"
    )
    parser.add_argument("--source", help="where the content comes from (default: cli)")
    parser.add_argument(
        "--category",
        help="security, programming, data_science, general, tips or facts (default: general)",
    )
    parser.add_argument("--user-id", dest="user_id", help="who asked")


def _image_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prompt", help="what to draw (at most 4,000 characters)")
    parser.add_argument(
        "--style",
        help="photorealistic (default), digital_art, oil_painting, watercolor, anime, "
        "cyberpunk, fantasy, minimalist, abstract or cinematic",
    )
    parser.add_argument("--size", help="WIDTHxHEIGHT (default 1024x1024)")
    parser.add_argument(
        "--backend",
        help="local (offline renderer, no key), openai (OPENAI_API_KEY) or huggingface "
        "(HUGGINGFACE_API_KEY; the default)",
    )
    parser.add_argument("--seed", type=int, help="local renderer: same seed, same picture")
    parser.add_argument("--user-id", dest="user_id", help="who asked")


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--file",
        dest="file_path",
        help="the data file (.csv .tsv .txt .json .jsonl .xlsx .parquet), readable by the worker",
    )
    parser.add_argument(
        "--type",
        dest="analysis_type",
        help="statistics, clustering, correlation, visualization or full",
    )
    parser.add_argument(
        "--columns", help="comma-separated columns to cluster on (default: every numeric one)"
    )
    parser.add_argument("--clusters", dest="n_clusters", type=int, help="k-means clusters (3)")
    parser.add_argument("--sheet", help="XLSX sheet (default: the first)")
    parser.add_argument("--user-id", dest="user_id", help="who asked")


def _memory_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--conversation-id", dest="conversation_id", help="the conversation")
    parser.add_argument(
        "--message",
        dest="messages",
        action="append",
        metavar="[ROLE:]TEXT",
        help="a message of the conversation, repeatable; ROLE is user (default), assistant "
        "or system",
    )
    parser.add_argument("--user-id", dest="user_id", help="who it belongs to")


KINDS = {
    "learning": _Kind(
        AILearningWorkflow.run,
        "learning",
        "AILearningWorkflow: validate, check the Black Vault, process and store knowledge",
        _learning_options,
    ),
    "image": _Kind(
        ImageGenerationWorkflow.run,
        "image-gen",
        "ImageGenerationWorkflow: safety check, generate the image, store its metadata",
        _image_options,
    ),
    "data": _Kind(
        DataAnalysisWorkflow.run,
        "data-analysis",
        "DataAnalysisWorkflow: validate and load a data file, analyse it, draw charts",
        _data_options,
    ),
    "memory": _Kind(
        MemoryExpansionWorkflow.run,
        "memory",
        "MemoryExpansionWorkflow: extract memories from a conversation and store them",
        _memory_options,
    ),
}
_DEFAULTS: dict[str, dict[str, Any]] = {
    "learning": {"source": "cli", "category": "general"},
    "data": {"analysis_type": "statistics"},
}


def register(commands: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    run = commands.add_parser(
        "run",
        help="start a workflow, follow its progress, print the result",
        description=(
            "Starts a workflow with the request given by options and/or --input (a JSON "
            "object with the request's fields; options win), shows a live progress line "
            "from its status query and prints the result. Exit code 1 when the workflow "
            "fails or returns success=false."
        ),
    )
    kinds = run.add_subparsers(dest="kind", metavar="WORKFLOW", required=True)
    for name, kind in KINDS.items():
        parser = kinds.add_parser(
            name,
            parents=[parent],
            help=kind.help,
            description=kind.help,
            argument_default=argparse.SUPPRESS,
        )
        kind.add_options(parser)
        parser.add_argument(
            "--input",
            type=Path,
            help="JSON file with the request's fields ('-' reads stdin)",
        )
        parser.add_argument("--id", help=f"workflow id (default: {kind.id_prefix}-<time>-<random>)")
        parser.add_argument(
            "--no-wait", action="store_true", help="print the workflow id and return at once"
        )
        parser.add_argument(
            "--timeout",
            type=float,
            help="give up waiting for the result after this many seconds (the workflow "
            "keeps running)",
        )
        parser.set_defaults(handler=run_workflow, kind=name)


def _read_input(path: Path) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
        data = json.loads(text)
    except OSError as e:
        raise CommandError(f"cannot read --input {path}: {e}") from e
    except ValueError as e:
        raise CommandError(f"--input {path} is not valid JSON: {e}") from e
    if not isinstance(data, dict):
        raise CommandError(f"--input {path} must hold a JSON object of request fields")
    return data


def _message(text: str) -> dict[str, str]:
    role, sep, content = text.partition(":")
    if sep and role.strip().lower() in _ROLES:
        return {"role": role.strip().lower(), "content": content.strip()}
    return {"role": "user", "content": text}


def _fields_from_options(args: argparse.Namespace) -> dict[str, Any]:
    given = dict(vars(args))
    fields: dict[str, Any] = {}
    if "content_file" in given:
        try:
            fields["content"] = given.pop("content_file").read_text(encoding="utf-8")
        except OSError as e:
            raise CommandError(f"cannot read --content-file: {e}") from e
    if "columns" in given:
        fields["columns"] = [c.strip() for c in given.pop("columns").split(",") if c.strip()]
    if "messages" in given:
        fields["messages"] = [_message(m) for m in given.pop("messages")]
    if "file_path" in given:
        fields["file_path"] = str(Path(given.pop("file_path")).resolve())
    skip = {"json", "host", "namespace", "task_queue", "data_dir", "env_file", "handler", "kind"}
    skip |= {"command"}
    skip |= {"input", "id", "no_wait", "timeout"}
    fields.update({k: v for k, v in given.items() if k not in skip})
    return fields


def build_request(kind: str, args: argparse.Namespace) -> Any:
    """The request dataclass from --input and the options; a usage error names what is
    missing or unknown and what is allowed."""
    cls = KINDS[kind].workflow.arg_type
    fields = dict(_DEFAULTS.get(kind, {}))
    if "input" in args:
        fields.update(_read_input(args.input))
    fields.update(_fields_from_options(args))
    allowed = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise CommandError(
            f"{cls.__name__} has no field {', '.join(unknown)}; its fields: {', '.join(allowed)}"
        )
    required = [
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    missing = [name for name in required if name not in fields]
    if missing:
        options = ", ".join("--" + name.replace("_", "-") for name in missing)
        raise CommandError(
            f"{cls.__name__} needs {', '.join(missing)}",
            fix=f"give {options} or put them in --input FILE",
        )
    request = cls(**fields)
    check_field_types(request)
    # What the workflow's first steps would refuse, by their own rules (the Rust core's).
    problem = _core.request_problem(KINDS[kind].workflow.name, to_json(request).decode())
    if problem:
        raise CommandError(
            f"{cls.__name__}: {problem}", fix="change that value; no workflow was started"
        )
    return request


_ENDS = ("completed", "failed", "cancelled")


def _done_line(number: int, total: int, step: str, attempts: int) -> str:
    retried = f" after {attempts} attempts" if attempts > 1 else ""
    return f"[{number}/{total}] {step} done{retried}"


async def _watch(handle: WorkflowHandle[Any], out: Output) -> None:
    """Each step as it starts (a live line) and as it ends (a line that stays), every step
    numbered even when it ran between two queries; the end itself is the result's to say."""
    shown = 0
    current = ""
    while True:
        try:
            progress = await handle.query("status", result_type=WorkflowProgress)
        except TemporalError:  # not picked up by a worker yet
            progress = None
        if progress is not None:
            total = progress.total_steps
            for number, step in enumerate(progress.completed_steps[shown:], start=shown + 1):
                out.note(_done_line(number, total, step, progress.attempts.get(step, 1)))
            shown = len(progress.completed_steps)
            if progress.step in _ENDS:
                return
            line = f"[{progress.step_number}/{total}] {progress.step} ..."
            if progress.step_number > shown and line != current:
                out.progress(line)
                current = line
        await asyncio.sleep(0.25)


def _result_lines(result: Any) -> list[str]:
    lines = []
    for name, value in jsonable(result).items():
        if value is None:
            continue
        text = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
        lines.append(f"  {name}: {text if len(text) <= 300 else text[:300] + ' ...'}")
    return lines


async def _start_and_follow(args: argparse.Namespace, out: Output) -> int:
    kind = KINDS[args.kind]
    request = build_request(args.kind, args)
    config = load_config(args)
    workflow_id = getattr(args, "id", None) or (
        f"{kind.id_prefix}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    )
    manager = TemporalClientManager(config=config)
    client = await manager.connect()
    try:
        handle = await client.start_workflow(kind.workflow, request, id=workflow_id)
        out.following(handle.id, handle.run_id)
        started = {"workflow_id": handle.id, "run_id": handle.run_id, "type": kind.workflow.name}
        if getattr(args, "no_wait", False):
            out.emit(
                {"ok": True, "started": True, **started},
                [f"started {kind.workflow.name} {handle.id} (run {handle.run_id})"],
            )
            return OK
        out.note(f"started {kind.workflow.name} {handle.id}; following it (Ctrl-C stops following)")
        watcher = asyncio.ensure_future(_watch(handle, out))
        try:
            result = await handle.result(timeout=getattr(args, "timeout", None))
            # The steps that ended since the last query, then the end (bounded: the query
            # needs a worker).
            await asyncio.wait([watcher], timeout=2)
        finally:
            watcher.cancel()
        success = bool(getattr(result, "success", True))
        out.emit(
            {"ok": success, **started, "result": result},
            [
                f"{kind.workflow.name} {handle.id}: {'succeeded' if success else 'FAILED'}",
                *_result_lines(result),
            ],
        )
        return OK if success else WORKFLOW_FAILED
    finally:
        await manager.disconnect()


def run_workflow(args: argparse.Namespace, out: Output) -> int:
    return asyncio.run(_start_and_follow(args, out))
