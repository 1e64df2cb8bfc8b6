"""What every command shares: the options that pick the configuration, loading it, and a
client connected with it."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, Callable

from app.temporal.client import Client, TemporalClientManager
from app.temporal.config import TemporalConfig


def common_options() -> argparse.ArgumentParser:
    """A parent parser for every command: ``--json`` and the configuration overrides."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("common options")
    group.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document on stdout (errors too) instead of text",
    )
    group.add_argument(
        "--host", metavar="HOST:PORT", help="Temporal frontend address (TEMPORAL_HOST)"
    )
    group.add_argument("--namespace", help="Temporal namespace (TEMPORAL_NAMESPACE)")
    group.add_argument("--task-queue", help="task queue (TEMPORAL_TASK_QUEUE)")
    group.add_argument(
        "--data-dir",
        type=Path,
        help="the data dir: stores, results, server state (PROJECT_AI_DATA_DIR)",
    )
    group.add_argument(
        "--env-file",
        type=Path,
        help="settings file to read instead of ./.env.temporal",
    )
    return parent


def load_config(args: argparse.Namespace) -> TemporalConfig:
    """The configuration from the usual sources, with the command-line overrides on top.
    Raises ConfigError naming every problem."""
    overrides: dict[str, Any] = {
        name: getattr(args, name)
        for name in ("host", "namespace", "task_queue", "data_dir")
        if getattr(args, name, None) is not None
    }
    if getattr(args, "env_file", None) is not None:
        overrides["env_file"] = args.env_file
    return TemporalConfig(**overrides)


async def with_client(args: argparse.Namespace, body: Callable[[Client], Awaitable[int]]) -> int:
    """Runs ``body`` with a client connected by the command's configuration."""
    manager = TemporalClientManager(config=load_config(args))
    client = await manager.connect()
    try:
        return int(await body(client))
    finally:
        await manager.disconnect()
