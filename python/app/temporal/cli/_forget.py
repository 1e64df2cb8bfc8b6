"""``forget-user``: erases everything the workflows stored for a user (the right to erasure)."""

from __future__ import annotations

import argparse

from app.temporal.cli._common import load_config
from app.temporal.cli._output import OK, USAGE, CommandError, Output
from app.temporal.errors import InvalidQueryError
from app.temporal.stores import forget_user


def register(commands: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "forget-user",
        parents=[parent],
        help="erase everything stored for a user",
        description=(
            "Erases the memories, knowledge entries (with their knowledge.json entries), "
            "image records and files, and analysis output folders of USER_ID in the data "
            "dir, and returns once their text is in no file of it any more. Temporal's "
            "workflow histories are not erased: they last until the namespace's retention "
            "period ends (`temporal operator namespace update --retention`)."
        ),
    )
    parser.add_argument("user_id", metavar="USER_ID", help="the user_id the workflows were given")
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds to wait for readers of an older snapshot of the store (default 30)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: Output) -> int:
    config = load_config(args)
    try:
        erased = forget_user(args.user_id, data_dir=config.data_dir, timeout=args.timeout)
    except InvalidQueryError as e:
        raise CommandError(str(e), USAGE) from e
    counts = {
        "memories": erased.memories,
        "knowledge entries": erased.knowledge,
        "knowledge.json entries": erased.knowledge_json_entries,
        "image records": erased.images,
        "image files": erased.image_files,
        "analysis output folders": erased.analysis_outputs,
    }
    out.emit(
        {"ok": True, "user_id": args.user_id, "data_dir": config.data_dir, "erased": erased},
        [f"erased for user {args.user_id!r} in {config.data_dir}:"]
        + [f"  {what}: {n}" for what, n in counts.items()]
        + ["not erased: the workflow histories on the Temporal server (see the README)"],
    )
    return OK
