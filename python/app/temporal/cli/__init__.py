"""The operator's command line: ``project-ai-temporal`` (also ``python -m app.temporal``).

A thin layer over the public API: every command loads ``TemporalConfig`` (with the
``--host``/``--namespace``/``--task-queue``/``--data-dir``/``--env-file`` overrides), calls
the package and reports as text, or as one JSON document with ``--json``. The exit codes
are listed once, in the parser's description (``project-ai-temporal --help``).
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from typing import ClassVar, NoReturn, Optional

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
    """Usage errors exit 2, as JSON when ``--json`` was given; an unknown option is reported
    by the command it was given to, with the options meant."""

    json_mode = False
    arguments: ClassVar[list[str]] = []

    def error(self, message: str) -> NoReturn:
        parser: argparse.ArgumentParser = self
        if message.startswith("unrecognized arguments:"):
            parser = _command_parser(self, _Parser.arguments)
            message = _with_suggestions(parser, message)
        if _Parser.json_mode:
            Output(True).error(CommandError(f"{parser.prog}: {message}", USAGE))
            sys.exit(USAGE)
        parser.print_usage(sys.stderr)
        parser.exit(USAGE, f"{parser.prog}: error: {message}\n")


def _command_parser(
    parser: argparse.ArgumentParser, arguments: list[str]
) -> argparse.ArgumentParser:
    """The parser of the (sub)command the arguments name, e.g. that of `run learning`."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for i, word in enumerate(arguments):
                if word in action.choices:
                    return _command_parser(action.choices[word], arguments[i + 1 :])
    return parser


def _with_suggestions(parser: argparse.ArgumentParser, message: str) -> str:
    known = list(parser._option_string_actions)
    hints = []
    for word in message.split(":", 1)[1].split():
        option = word.split("=", 1)[0]
        close = (
            difflib.get_close_matches(option, known, n=1, cutoff=0.7)
            if option.startswith("-")
            else []
        )
        if close:
            hints.append(f"{option}: did you mean {close[0]}?")
    return "; ".join([message, *hints])


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=(
            "Operate the Project-AI Temporal integration: set up, run the embedded server "
            "and a worker, start and follow workflows, inspect them, check that a build "
            "replays the server's workflows, check the setup. "
            "Exit codes: 0 ok; 1 workflow failed, or not finished within --timeout (it keeps "
            "running; for replay: a history would fail on this build); 2 usage or config "
            "error, an unknown workflow id included; 3 cannot connect; 130 interrupted "
            "(Ctrl-C; a started workflow keeps running); 141 the output's reader went away "
            "(`| head`). With --json every ending is one JSON document, and once a workflow "
            "is started or followed it names its workflow_id and run_id."
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
    try:
        code = _command(sys.argv[1:] if argv is None else argv)
        sys.stdout.flush()  # what is still buffered may meet a closed pipe too
        return code
    except BrokenPipeError:
        return _reader_went_away()


def _command(arguments: list[str]) -> int:
    _Parser.json_mode = "--json" in arguments
    _Parser.arguments = arguments
    try:
        args = build_parser().parse_args(arguments)
    except SystemExit as e:  # --help, --version and usage errors: return, do not exit
        return e.code if isinstance(e.code, int) else USAGE
    out = Output(args.json)
    try:
        return int(args.handler(args, out))
    except KeyboardInterrupt:
        return out.interrupted()
    except (CommandError, TemporalError) as e:
        return out.error(e)


def _reader_went_away() -> int:
    """Output piped into a command that stopped reading (``| head``): end quietly, as Unix
    tools do, with the exit code of a SIGPIPE death (141), not a traceback. Later writes,
    such as the interpreter's final flush, go nowhere."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 128 + 13


__all__ = ["build_parser", "main"]
