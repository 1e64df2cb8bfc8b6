#!/usr/bin/env python3
"""Set up and run Temporal for Project-AI: the original script's commands, now without Docker.

    python scripts/setup_temporal.py init      # .env.temporal and the data folders
    python scripts/setup_temporal.py start     # the embedded dev server, in the background
    python scripts/setup_temporal.py worker    # a worker, in the foreground (Ctrl-C stops it)
    python scripts/setup_temporal.py status
    python scripts/setup_temporal.py stop

Each command is a thin call into the `project-ai-temporal` CLI (options after the command
pass through, e.g. `start --port 7234 --json`). With `--docker` the original docker-compose
path is kept: the services of docker-compose.yml instead of the embedded server.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
USAGE_ERROR = 2

# The CLI command behind each of the original commands.
CLI_COMMANDS = {
    "init": ["init"],
    "start": ["server", "start"],
    "stop": ["server", "stop"],
    "status": ["server", "status"],
    "worker": ["worker"],
}
# The original docker-compose calls (plus the Web UI container, which the original lacked).
COMPOSE_COMMANDS = {
    "start": ["up", "-d", "temporal-postgresql", "temporal", "temporal-ui"],
    "worker": ["up", "-d", "--build", "temporal-worker"],
    "stop": ["stop", "temporal-worker", "temporal-ui", "temporal", "temporal-postgresql"],
    "status": ["ps"],
}


def compose_command() -> Optional[list[str]]:
    """`docker compose` (v2) or `docker-compose` (v1), whichever works."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def run_docker(command: str, extra: list[str]) -> int:
    if command == "init":
        return run_cli(command, extra)
    compose = compose_command()
    if compose is None:
        print(
            "error: --docker needs Docker with the compose plugin (or docker-compose);"
            " without Docker, drop --docker to use the embedded server",
            file=sys.stderr,
        )
        return USAGE_ERROR
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode != 0:
        print("error: the Docker engine does not answer; start it first", file=sys.stderr)
        return USAGE_ERROR
    code = subprocess.run([*compose, *COMPOSE_COMMANDS[command], *extra], cwd=ROOT).returncode
    if code == 0 and command == "start":
        print("Web UI available at: http://localhost:8233")
        print("gRPC endpoint: localhost:7233")
    return code


def run_cli(command: str, extra: list[str]) -> int:
    try:
        from app.temporal.cli import main
    except ImportError:
        print(
            "error: the project-ai-temporal package is not installed in this Python;"
            " run `bash scripts/temporal_quickstart.sh` or `pip install '.[server]'`",
            file=sys.stderr,
        )
        return USAGE_ERROR
    return main([*CLI_COMMANDS[command], *extra])


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="Set up and run Temporal for Project-AI (embedded server, no Docker).",
        epilog="Options after the command go to `project-ai-temporal` "
        "(see `project-ai-temporal --help`).",
    )
    parser.add_argument(
        "command",
        choices=list(CLI_COMMANDS),
        help="init: .env.temporal and data folders; start/stop/status: the server; "
        "worker: run a worker",
    )
    parser.add_argument(
        "--docker",
        action="store_true",
        help="use the docker-compose services (PostgreSQL, Temporal, Web UI, worker) instead",
    )
    args, extra = parser.parse_known_args(argv)
    if args.docker:
        return run_docker(args.command, extra)
    return run_cli(args.command, extra)


if __name__ == "__main__":
    sys.exit(main())
