"""``server start | stop | status``: the embedded dev server in the background, its state in
``<data_dir>/temporal`` (workflows in ``dev.db`` survive a restart)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Optional

from app.temporal.background import (
    DEFAULT_UI_PORT,
    ServerState,
    read_state,
    server_folder,
    start_background,
    stop_background,
)
from app.temporal.cli._common import load_config
from app.temporal.cli._output import OK, UNREACHABLE, CommandError, Output
from app.temporal.client import TemporalClientManager
from app.temporal.config import TemporalConfig
from app.temporal.errors import RPCError, TemporalConnectionError

_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"}


def register(commands: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    server = commands.add_parser(
        "server",
        help="start, stop or check the embedded Temporal dev server",
        description=(
            "The embedded Temporal dev server (`temporal server start-dev`, from the [server] "
            "extra) in the background. Its pid, address and Web UI are recorded in "
            "<data_dir>/temporal/dev-server.json and its workflows kept in "
            "<data_dir>/temporal/dev.db, so they survive a restart."
        ),
    )
    actions = server.add_subparsers(dest="action", metavar="ACTION", required=True)
    start = actions.add_parser(
        "start",
        parents=[parent],
        help="start the server in the background and print its addresses",
        description="Starts the dev server in the background; returns once it answers.",
    )
    start.add_argument(
        "--port",
        type=int,
        help="gRPC port (default: the port of --host/TEMPORAL_HOST when it is local, else 7233)",
    )
    start.add_argument("--ui-port", type=int, help=f"Web UI port (default {DEFAULT_UI_PORT})")
    start.add_argument(
        "--ip", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)"
    )
    start.add_argument("--headless", action="store_true", help="run without the Web UI")
    start.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for it to answer (60)"
    )
    start.set_defaults(handler=run_start)
    stop = actions.add_parser(
        "stop",
        parents=[parent],
        help="stop the background server",
        description="Stops the background dev server of the data dir gracefully.",
    )
    stop.set_defaults(handler=run_stop)
    status = actions.add_parser(
        "status",
        parents=[parent],
        help="tell whether the server is reachable, its namespace and pid",
        description=(
            "Tells whether the background server of the data dir runs (pid, addresses) and "
            "whether the configured Temporal address answers for the namespace. Exit code 0 "
            "when reachable, 3 when not."
        ),
    )
    status.set_defaults(handler=run_status)


def _default_port(config: TemporalConfig) -> int:
    host, _, port = config.host.rpartition(":")
    if host in _LOOPBACK and port.isdigit():
        return int(port)
    return 7233


def _ports_not_running(args: argparse.Namespace, running: ServerState) -> list[str]:
    """The ports asked for that the running server does not use."""
    asked = [("--port", args.port, running.address), ("--ui-port", args.ui_port, running.ui_url)]
    return [
        f"{option} {port}"
        for option, port, where in asked
        if port is not None and not (where or "").endswith(f":{port}")
    ]


def _state_lines(state: ServerState) -> list[str]:
    return [
        f"Temporal dev server at {state.address} (pid {state.pid})",
        f"Web UI: {state.ui_url or 'off (headless)'}",
        f"workflows kept in {state.db_filename}; server log {state.log_file}",
    ]


def run_start(args: argparse.Namespace, out: Output) -> int:
    config = load_config(args)
    running = read_state(config.data_dir)
    if running is not None and _ports_not_running(args, running):
        raise CommandError(
            f"a dev server already runs for {server_folder(config.data_dir)} at "
            f"{running.address} (Web UI: {running.ui_url or 'off'}); it was not started again "
            f"with {' and '.join(_ports_not_running(args, running))}",
            fix="stop it first (`project-ai-temporal server stop`), then start it with the ports",
        )
    if running is not None:
        out.emit(
            {"ok": True, "already_running": True, **running.to_dict()},
            ["already running:", *_state_lines(running)],
        )
        return OK
    port = args.port if args.port is not None else _default_port(config)
    out.note(f"starting the Temporal dev server on {args.ip}:{port} ...")
    namespaces = [] if config.namespace == "default" else [config.namespace]
    state = start_background(
        config.data_dir,
        port=port,
        ui_port=DEFAULT_UI_PORT if args.ui_port is None else args.ui_port,
        ip=args.ip,
        headless=args.headless,
        namespaces=namespaces,
        timeout=args.timeout,
    )
    out.emit(
        {"ok": True, "already_running": False, **state.to_dict()},
        [*_state_lines(state), "stop it with: project-ai-temporal server stop"],
    )
    return OK


def run_stop(args: argparse.Namespace, out: Output) -> int:
    config = load_config(args)
    state = stop_background(config.data_dir)
    if state is None:
        out.emit(
            {"ok": True, "stopped": False},
            [f"no background dev server runs for {server_folder(config.data_dir)}"],
        )
    else:
        out.emit(
            {"ok": True, "stopped": True, **state.to_dict()},
            [f"stopped the dev server at {state.address} (pid {state.pid})"],
        )
    return OK


async def _reachable(config: TemporalConfig, address: str) -> Optional[str]:
    """None when ``address`` answers for the namespace, else why not."""
    manager = TemporalClientManager(address, config=config)
    try:
        client = await manager.connect()
        await client.check_namespace()
        return None
    except (TemporalConnectionError, RPCError) as e:
        return str(e)
    finally:
        await manager.disconnect()


def run_status(args: argparse.Namespace, out: Output) -> int:
    config = load_config(args)
    state = read_state(config.data_dir)
    address = state.address if state is not None else config.host
    problem = asyncio.run(_reachable(config, address))
    data = {
        "ok": problem is None,
        "reachable": problem is None,
        "address": address,
        "namespace": config.namespace,
        "problem": problem,
        "background_server": state.to_dict() if state is not None else None,
    }
    lines = (
        _state_lines(state)
        if state is not None
        else [f"no background dev server runs for {server_folder(config.data_dir)}"]
    )
    if problem is None:
        lines.append(f"{address} is reachable; namespace {config.namespace!r} answers")
    else:
        lines.append(f"{address} is NOT reachable: {problem}")
    out.emit(data, lines)
    return OK if problem is None else UNREACHABLE
