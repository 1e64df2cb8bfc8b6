"""Small helpers shared by the tests that run commands in subprocesses."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from app.temporal import TemporalConfig
from app.temporal.config import config_fields

# Ports the tests hand to servers come from below the kernel's ephemeral range (32768 and
# up on Linux, 49152 and up on macOS and Windows), from which outgoing connections and
# port-0 binds draw: between the check here and the server's bind, nothing else is given
# one of them. Each test session takes its own block (by process id), and hands each port
# out once, so a port is never reused while an earlier server's socket may linger.
_PORTS_LOW, _PORTS_HIGH, _BLOCK = 20_000, 32_000, 400
_block_start = _PORTS_LOW + (os.getpid() % ((_PORTS_HIGH - _PORTS_LOW) // _BLOCK)) * _BLOCK
_handed_out = itertools.count()


def free_port() -> int:
    """A TCP port free on loopback now, never handed out before in this session."""
    for _ in range(_BLOCK):
        port = _block_start + next(_handed_out) % _BLOCK
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port left in {_block_start}-{_block_start + _BLOCK - 1}")


_SETTING_VARIABLES = frozenset(v for f in config_fields() for v in [f["env"], *f["aliases"]])


def is_personal(name: str) -> bool:
    """Whether an environment variable is a developer's own setting that a test must not
    see: a variable of the settings table (the image backends' URLs and retries included),
    any Temporal or Project-AI variable, or an API key (image tests would make paid calls
    with a real one)."""
    upper = name.upper()
    return (
        upper in _SETTING_VARIABLES
        or upper.startswith(("TEMPORAL_", "PROJECT_AI_"))
        or upper.endswith("_API_KEY")
    )


def subprocess_env(**extra: str) -> dict[str, str]:
    """This process's environment without any Temporal or Project-AI setting, API key or
    user temporal.toml, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not is_personal(k)}
    env["XDG_CONFIG_HOME"] = "/nonexistent"
    env.update(extra)
    return env


def start_worker_process(
    address: str,
    data_dir: Path,
    task_queue: str,
    log: Path,
    args: tuple[str, ...] = ("-m", "app.temporal.worker"),
    python: str = sys.executable,
    preexec_fn: Callable[[], None] | None = None,
    **env: str,
) -> subprocess.Popen[bytes]:
    """`python -m app.temporal.worker` (or ``python`` with other ``args``) on ``task_queue`` with
    ``data_dir``, logging to ``log`` (a file, so a busy worker never blocks on a full pipe);
    returns once it polls. ``preexec_fn`` runs in the child before the worker starts (e.g. to
    set a resource limit)."""
    out = log.open("ab")
    process = subprocess.Popen(
        [python, *args],
        env=subprocess_env(
            TEMPORAL_HOST=address,
            TEMPORAL_TASK_QUEUE=task_queue,
            PROJECT_AI_DATA_DIR=str(data_dir),
            **env,
        ),
        cwd=data_dir,
        preexec_fn=preexec_fn,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    out.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the worker exited with {process.returncode}: {log.read_text()}")
        if "worker started" in log.read_text(errors="replace"):
            return process
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"the worker did not start: {log.read_text()}")


def small_csv(data_dir: Path) -> Path:
    """A 20-row CSV in ``data_dir``'s inputs folder, for analyses whose data does not matter."""
    inputs = data_dir / "inputs"
    inputs.mkdir(exist_ok=True)
    csv = inputs / "small.csv"
    csv.write_text("a,b\n" + "".join(f"{i},{i % 5}\n" for i in range(20)))
    return csv


def queue_config(address: str, data_dir: Path, prefix: str) -> TemporalConfig:
    """A configuration for ``address`` and ``data_dir`` on a task queue of its own."""
    return TemporalConfig(
        env_file=None,
        host=address,
        task_queue=f"{prefix}-{uuid.uuid4().hex[:8]}",
        data_dir=data_dir,
    )


def worker_for(config: TemporalConfig, log: str, **env: str) -> subprocess.Popen[bytes]:
    """`start_worker_process` on ``config``'s server, data dir and task queue, logging to
    ``log`` in the data dir."""
    data_dir = Path(config.data_dir)
    return start_worker_process(config.host, data_dir, config.task_queue, data_dir / log, **env)
