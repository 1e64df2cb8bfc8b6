"""``init``: writes ``.env.temporal`` when absent and creates the data folders."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.temporal.cli._common import load_config
from app.temporal.cli._output import OK, Output
from app.temporal.envfile import create_data_folders, write_env_file


def register(commands: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "init",
        parents=[parent],
        help="write .env.temporal and create the data folders",
        description=(
            "Writes .env.temporal in the working directory from .env.temporal.example (or, "
            "without one, from the built-in list of settings) unless it exists, then creates "
            "the data dir, the folders the workflows write into and inputs/, where data "
            "analysis reads files from. Safe to run again."
        ),
    )
    parser.set_defaults(handler=run)


_WHAT = {
    "exists": "kept (already there)",
    "copied": "written from .env.temporal.example",
    "generated": "written with every setting and its default",
}


def run(args: argparse.Namespace, out: Output) -> int:
    env_file, what = write_env_file(Path.cwd())
    config = load_config(args)  # after writing it: the data dir may be set there
    folders = create_data_folders(config.data_dir)
    out.emit(
        {
            "ok": True,
            "env_file": env_file,
            "env_file_action": what,
            "data_dir": config.data_dir,
            "folders": folders,
        },
        [f"{env_file}: {_WHAT[what]}", f"data dir {config.data_dir}: ready"]
        + [f"  {folder}" for folder in folders]
        + ["next: project-ai-temporal server start"],
    )
    return OK
