"""``workflows list | describe | result | cancel | terminate``."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any, Optional

from app.temporal.cli._common import with_client
from app.temporal.cli._output import OK, WORKFLOW_FAILED, Output, jsonable
from app.temporal.client import Client, WorkflowExecutionDescription
from app.temporal.errors import TemporalError
from app.temporal.workflows import WorkflowProgress

QUERY_TIMEOUT = 3.0
"""Seconds ``describe`` waits for a worker to answer the status query."""


def register(commands: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    workflows = commands.add_parser(
        "workflows",
        help="list, describe, wait for, cancel or terminate workflows",
        description="Workflow executions in the namespace (any task queue).",
    )
    actions = workflows.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser(
        "list",
        parents=[parent],
        help="list workflows, newest first",
        description="Lists workflow executions, newest first.",
    )
    listing.add_argument(
        "--query",
        default="",
        help="visibility query, e.g. \"WorkflowType='AILearningWorkflow' AND "
        "ExecutionStatus='Running'\"",
    )
    listing.add_argument(
        "--limit",
        type=int,
        default=20,
        help="at most this many (20): the server's first ones (running, then the most"
        " recently closed), shown newest started first",
    )
    listing.set_defaults(handler=run_list)

    def with_id(name: str, help: str, description: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(
            name, parents=[parent], help=help, description=description
        )
        parser.add_argument("workflow_id", metavar="WORKFLOW_ID", help="the workflow id")
        parser.add_argument("--run-id", help="a specific run (default: the latest)")
        return parser

    describe = with_id(
        "describe",
        "show a workflow's status, times and progress",
        "Shows a workflow's type, status, task queue, times, history length and, when a "
        "worker answers its status query, its progress.",
    )
    describe.set_defaults(handler=run_describe)
    result = with_id(
        "result",
        "wait for a workflow and print its result",
        "Waits for the workflow to close and prints its result. Exit code 1 when it failed "
        "or returned success=false.",
    )
    result.add_argument("--timeout", type=float, help="give up waiting after this many seconds")
    result.set_defaults(handler=run_result)
    for name, verb in (("cancel", "ask a workflow to cancel"), ("terminate", "end a workflow now")):
        parser = with_id(
            name,
            verb,
            "Cancel asks the workflow to stop (it may clean up); terminate ends it at once "
            "without running any more of its code.",
        )
        parser.add_argument("--reason", help="recorded in the workflow's history")
        parser.set_defaults(handler=run_close, close=name)


def _row(item: WorkflowExecutionDescription) -> str:
    started = item.start_time.strftime("%Y-%m-%d %H:%M:%S") if item.start_time else "-"
    return f"{item.id:<44} {item.workflow_type:<24} {item.status.value:<11} {started}"


def _started(item: WorkflowExecutionDescription) -> float:
    return item.start_time.timestamp() if item.start_time else 0.0


def run_list(args: argparse.Namespace, out: Output) -> int:
    async def body(client: Client) -> int:
        items = [i async for i in client.list_workflows(args.query, limit=args.limit)]
        # Newest first: the server lists running workflows first, then by close time.
        items.sort(key=_started, reverse=True)
        header = f"{'WORKFLOW ID':<44} {'TYPE':<24} {'STATUS':<11} STARTED (UTC)"
        out.emit(
            {"ok": True, "workflows": items},
            [header, *map(_row, items)] if items else ["no workflows match"],
        )
        return OK

    return asyncio.run(with_client(args, body))


def run_describe(args: argparse.Namespace, out: Output) -> int:
    async def body(client: Client) -> int:
        handle = client.get_workflow_handle(args.workflow_id, run_id=args.run_id)
        description = await handle.describe()
        progress: Optional[WorkflowProgress] = None
        unanswered = ""
        try:
            # Bounded: a query waits for a worker, and none may poll this task queue.
            progress = await asyncio.wait_for(
                handle.query("status", result_type=WorkflowProgress), QUERY_TIMEOUT
            )
        except (TemporalError, asyncio.TimeoutError) as e:
            unanswered = (
                f"no worker answered the status query within {QUERY_TIMEOUT:g} s (is one"
                f" polling task queue {description.task_queue}?)"
                if isinstance(e, asyncio.TimeoutError)
                else f"the status query failed: {e}"
            )
        lines = [f"{k}: {v}" for k, v in jsonable(description).items()]
        document: dict[str, Any] = {"ok": True, "workflow": description, "progress": progress}
        if progress is not None:
            lines.append(
                f"progress: step {progress.step_number}/{progress.total_steps} {progress.step};"
                f" done: {', '.join(progress.completed_steps) or '-'}"
            )
        else:
            lines.append(f"progress: unknown; {unanswered}")
            document["progress_unknown"] = unanswered
        out.emit(document, lines)
        return OK

    return asyncio.run(with_client(args, body))


def run_result(args: argparse.Namespace, out: Output) -> int:
    async def body(client: Client) -> int:
        handle = client.get_workflow_handle(args.workflow_id, run_id=args.run_id)
        out.following(args.workflow_id, args.run_id)
        result = await handle.result(timeout=args.timeout)
        success = not isinstance(result, dict) or result.get("success", True) is not False
        lines = [f"{args.workflow_id}: {'succeeded' if success else 'FAILED'}"]
        lines += (
            [f"  {k}: {v}" for k, v in jsonable(result).items()]
            if isinstance(result, dict)
            else [f"  {result}"]
        )
        out.emit({"ok": success, "workflow_id": args.workflow_id, "result": result}, lines)
        return OK if success else WORKFLOW_FAILED

    return asyncio.run(with_client(args, body))


def run_close(args: argparse.Namespace, out: Output) -> int:
    async def body(client: Client) -> int:
        handle = client.get_workflow_handle(args.workflow_id, run_id=args.run_id)
        if args.close == "cancel":
            await handle.cancel(args.reason)
        else:
            await handle.terminate(args.reason)
        past = "cancellation requested for" if args.close == "cancel" else "terminated"
        out.emit(
            {"ok": True, "workflow_id": args.workflow_id, "action": args.close},
            [f"{past} {args.workflow_id}"],
        )
        return OK

    return asyncio.run(with_client(args, body))
