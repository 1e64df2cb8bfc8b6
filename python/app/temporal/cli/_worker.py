"""``worker``: the worker in the foreground until Ctrl-C (SIGINT) or SIGTERM."""

from __future__ import annotations

import argparse

from app.temporal.cli._common import load_config
from app.temporal.cli._output import Output
from app.temporal.worker import WORKER_GROUPS, add_workflows_option, run_process


def register(commands: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "worker",
        parents=[parent],
        help="run a worker in the foreground",
        description=(
            "Runs a worker hosting every workflow of the package and their activities (or, "
            "with --workflows, only those) on the task queue until Ctrl-C or SIGTERM; then "
            "it stops polling, lets running activities finish within "
            "graceful_shutdown_timeout and exits 0. A second Ctrl-C exits at once. Logs go "
            "to stderr at log_level."
        ),
    )
    add_workflows_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: Output) -> int:
    config = load_config(args)
    groups = args.workflows or list(WORKER_GROUPS)
    hosted = ", ".join(WORKER_GROUPS[g].workflow for g in groups)
    out.note(
        f"worker for {hosted} on {config.get_connection_string()},"
        f" task queue {config.task_queue}; Ctrl-C stops it"
    )
    code = run_process(config, config.task_queue, args.workflows)
    out.emit(
        {"ok": code == 0, "exit_code": code, "task_queue": config.task_queue, "workflows": groups},
        [],
    )
    return code
