"""The operator's command line: ``project-ai-temporal`` (also ``python -m app.temporal``).

A thin layer over the public API: every command loads ``TemporalConfig`` (with the
``--host``/``--namespace``/``--task-queue``/``--data-dir``/``--env-file`` overrides), calls
the package and reports as text, or as one JSON document with ``--json``. Exit codes:
0 ok, 1 workflow failed (for replay: a history would fail on this build), 2 usage or config
error, 3 cannot connect.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn, Optional

from app.temporal import __version__
from app.temporal.cli import (
    _doctor,
    _forget,
    _init,
    _replay,
    _run,
    _server,
    _worker,
    _workflows,
)
from app.temporal.cli._common import common_options
from app.temporal.cli._output import USAGE, CommandError, Output
from app.temporal.errors import TemporalError

PROG = "project-ai-temporal"


class _Parser(argparse.ArgumentParser):
    """Usage errors exit 2, as JSON when ``--json`` was given."""

    json_mode = False

    def error(self, message: str) -> NoReturn:
        if _Parser.json_mode:
            Output(True).error(CommandError(f"{self.prog}: {message}", USAGE))
            sys.exit(USAGE)
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=(
            "Operate the Project-AI Temporal integration: set up, run the embedded server "
            "and a worker, start and follow workflows, inspect them, check that a build "
            "replays the server's workflows, check the setup. "
            "Exit codes: 0 ok, 1 workflow failed (for replay: a history would fail on this "
            "build), 2 usage or config error, 3 cannot connect."
        ),
        epilog="Run `project-ai-temporal COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )
    parent = common_options()
    for module in (_init, _server, _worker, _run, _workflows, _replay, _doctor, _forget):
        module.register(commands, parent)
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    _Parser.json_mode = "--json" in arguments
    try:
        args = build_parser().parse_args(arguments)
    except SystemExit as e:  # --help, --version and usage errors: return, do not exit
        return e.code if isinstance(e.code, int) else USAGE
    out = Output(args.json)
    try:
        return int(args.handler(args, out))
    except KeyboardInterrupt:
        out.end_progress()
        out.note("interrupted")
        return 130
    except (CommandError, TemporalError) as e:
        return out.error(e)


__all__ = ["build_parser", "main"]
