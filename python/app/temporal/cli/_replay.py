"""``replay``: the pre-deploy check. Replays the server's open and recently closed workflows
(and any kept history files) against the installed build; exit code 1 when any would fail."""

from __future__ import annotations

import argparse
import asyncio
import re
from datetime import timedelta
from typing import Optional

from app.temporal.cli._common import with_client
from app.temporal.cli._output import OK, WORKFLOW_FAILED, CommandError, Output
from app.temporal.client import Client
from app.temporal.replay import (
    DEFAULT_CLOSED_WITHIN,
    DEFAULT_LIMIT,
    ReplayReport,
    ReplayResult,
    replay_workflows,
)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``24h`` or ``7d``."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd])", text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration; write a number and a unit: 90s, 30m, 24h or 7d"
        )
    try:
        return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
    except OverflowError:
        raise argparse.ArgumentTypeError(f"{text!r} is longer than a duration can be") from None


def register(commands: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    hours = int(DEFAULT_CLOSED_WITHIN.total_seconds() // 3600)
    parser = commands.add_parser(
        "replay",
        parents=[parent],
        help="check that this build replays the server's workflows (before a rollout)",
        description=(
            "Replays workflow histories against the installed build's workflow code: the "
            "server's open workflows and those closed recently (newest first), and any "
            "history files given. Prints a table; exit code 1 when any history would fail "
            "on this build (non-deterministic, failed or unreadable)."
        ),
    )
    parser.add_argument(
        "--type",
        dest="types",
        action="append",
        metavar="WORKFLOW_TYPE",
        help="only this workflow type (repeatable; default: every type of this build)",
    )
    parser.add_argument(
        "--closed-within",
        type=duration,
        default=DEFAULT_CLOSED_WITHIN,
        metavar="DURATION",
        help="closed workflows only when they closed this recently: 90s, 30m, 24h, 7d "
        f"({hours}h); open ones always",
    )
    parser.add_argument(
        "--all-closed",
        action="store_true",
        help="every closed workflow the server keeps, however old",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        help=f"at most this many of the server's workflows, 1 to 1000 ({DEFAULT_LIMIT})",
    )
    parser.add_argument(
        "--history",
        dest="histories",
        action="append",
        default=[],
        metavar="PATH",
        help="also replay this history file (`temporal workflow show -o json`) or the "
        "*.json files in this folder (repeatable)",
    )
    parser.add_argument(
        "--no-server",
        action="store_true",
        help="replay only the --history files; do not connect",
    )
    parser.set_defaults(handler=run_replay)


def _outcome(r: ReplayResult) -> str:
    if r.result == "non_deterministic":
        at = "" if r.event_id is None else f" at event {r.event_id}"
        return f"non-deterministic{at}"
    return r.result


def _shown(text: str) -> str:
    """A server's workflow id as a table cell: no control characters reach the terminal."""
    return "".join(c if c.isprintable() else "?" for c in text)


def _lines(report: ReplayReport) -> list[str]:
    if not report.results:
        return ["no workflows to replay"]
    width = min(60, max(len("WORKFLOW"), *(len(r.source) for r in report.results)))
    lines = [f"{'WORKFLOW':<{width}} {'TYPE':<26} {'EVENTS':>6}  RESULT"]
    lines += [
        f"{_shown(r.source):<{width}} {_shown(r.workflow_type) or '-':<26} {r.events:>6}  "
        f"{_outcome(r)}"
        for r in report.results
    ]
    for r in report.failures:
        lines.append(f"{_shown(r.source)}: {_shown(r.message or '')}")
    passed = len(report.results) - len(report.failures)
    lines.append(f"{passed} of {len(report.results)} replayed on this build")
    return lines


def run_replay(args: argparse.Namespace, out: Output) -> int:
    if args.no_server and not args.histories:
        raise CommandError("--no-server needs at least one --history PATH")
    closed_within: Optional[timedelta] = None if args.all_closed else args.closed_within

    async def body(client: Optional[Client]) -> int:
        try:
            report = await replay_workflows(
                client,
                histories=args.histories,
                workflow_types=args.types,
                closed_within=closed_within,
                limit=args.limit,
            )
        except ValueError as e:
            raise CommandError(str(e)) from e
        out.emit({"ok": report.ok, "results": report.results}, _lines(report))
        return OK if report.ok else WORKFLOW_FAILED

    if args.no_server:
        return asyncio.run(body(None))
    return asyncio.run(with_client(args, body))
