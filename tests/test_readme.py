"""The README's Python snippets run as written: in order, in one session that allows
top-level ``await`` (as ``python -m asyncio`` does), in a fresh process configured only by
the environment, against the dev server with a worker on the configured task queue."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.temporal import DevServer, TemporalConfig, Worker
from tests.helpers import subprocess_env

README = Path(__file__).resolve().parent.parent / "README.md"

# Runs each block in one namespace: a block with top-level await as a coroutine on one
# event loop kept for the session, any other block as plain code between them. After each
# block it reports what `result` and `erased` are, for the test to check.
DRIVER = r"""
import ast, asyncio, inspect, json, re, sys
blocks = re.findall(r"```python\n(.*?)```", open(sys.argv[1]).read(), re.S)
loop = asyncio.new_event_loop()
namespace = {"__name__": "__readme__"}
seen = []
for number, block in enumerate(blocks):
    code = compile(block, f"README block {number}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    if code.co_flags & inspect.CO_COROUTINE:  # the block awaits
        loop.run_until_complete(eval(code, namespace))
    else:
        exec(code, namespace)
    seen.append({name: repr(namespace.get(name)) for name in ("result", "erased")})
print(json.dumps(seen))
"""


@pytest.fixture
async def configured(dev_server: DevServer, tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    """The environment the snippets run in, and a worker serving its task queue."""
    env = {
        "TEMPORAL_HOST": dev_server.address,
        "TEMPORAL_TASK_QUEUE": f"readme-{uuid.uuid4().hex[:8]}",
        "PROJECT_AI_DATA_DIR": str(tmp_path / "data"),
    }
    config = TemporalConfig(
        env_file=None,
        host=env["TEMPORAL_HOST"],
        task_queue=env["TEMPORAL_TASK_QUEUE"],
        data_dir=env["PROJECT_AI_DATA_DIR"],
    )
    async with Worker(config):
        yield env


@pytest.mark.timeout(240)
async def test_every_python_snippet_of_the_readme_runs(
    configured: dict[str, str], tmp_path: Path
) -> None:
    run = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", DRIVER, str(README)],
        env=subprocess_env(**configured),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=200,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.splitlines()[-1])
    results = [s["result"] for s in seen]
    assert "LearningResult(success=True" in results[0], results[0]
    assert results[1].startswith("{") and "'success': True" in results[1], results[1]
    memory = next(r for r in results if r.startswith("MemoryExpansionResult("))
    assert "success=True, memory_count=4" in memory, memory
    assert "ErasedUserData(memories=" in seen[-1]["erased"], seen[-1]
