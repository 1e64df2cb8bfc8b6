"""Small helpers shared by the tests that run commands in subprocesses."""

from __future__ import annotations

import os
import socket


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def subprocess_env(**extra: str) -> dict[str, str]:
    """This process's environment without any Temporal or Project-AI setting, API key or
    user temporal.toml, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TEMPORAL_", "PROJECT_AI_")) and not k.endswith("_API_KEY")
    }
    env["XDG_CONFIG_HOME"] = "/nonexistent"
    env.update(extra)
    return env
