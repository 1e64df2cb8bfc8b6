"""The heavy analysis steps run in a child process with an address-space limit
(``analysis_isolation``, ``analysis_memory_limit``): a step that needs more memory than the
child may have fails for good, naming the setting, and the worker (itself under RLIMIT_AS,
as in the hostile-file tests) runs on and completes a normal analysis. Direct calls use the
same child."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.temporal import (
    DataAnalysisRequest,
    DataAnalysisWorkflow,
    DevServer,
    InvalidInputError,
    TemporalConfig,
)
from app.temporal import activities as acts
from tests.limited_worker import LimitedWorker, limited_worker

WORKER_ADDRESS_SPACE = 3 << 30
# Room for the interpreter and a small analysis, not for a table of 12,000,000 numbers.
CHILD_LIMIT = 256 << 20
SMALL_CSV = "a,b,c\n" + "".join(f"{i},{i * 2.5},{i % 3}\n" for i in range(50))


def large_csv(path: Path, rows: int) -> Path:
    """``rows`` rows of 4 numbers (16 bytes a row), well inside the default budgets."""
    path.write_text("w,x,y,z\n" + "1.5,2.5,3.5,4.5\n" * rows)
    return path


Target = LimitedWorker


@pytest.fixture(scope="module")
async def target(
    dev_server: DevServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Target]:
    """A worker process with an address-space limit whose analysis child may have 256 MiB."""
    data_dir = tmp_path_factory.mktemp("isolation")
    queue = f"isolation-{uuid.uuid4().hex[:8]}"
    async with limited_worker(
        dev_server.address,
        data_dir,
        queue,
        WORKER_ADDRESS_SPACE,
        TEMPORAL_ANALYSIS_MEMORY_LIMIT=str(CHILD_LIMIT),
    ) as worker:
        yield worker


async def run(target: Target, path: Path) -> tuple[bool, str | None]:
    """Runs a full analysis of ``path``: success and error."""
    handle = await target.client.start_workflow(
        DataAnalysisWorkflow.run,
        DataAnalysisRequest(str(path), "full", n_clusters=2),
        id=f"isolation-{uuid.uuid4().hex[:12]}",
    )
    result = await handle.result(timeout=180)
    return result.success, result.error


async def test_a_step_over_the_child_limit_fails_and_the_worker_lives(
    target: Target,
) -> None:
    path = large_csv(target.inputs / "large.csv", 3_000_000)
    success, error = await run(target, path)
    assert not success and error is not None
    for part in (
        "load_data needed more memory than the analysis process may have",
        "0.2 GiB",
        "analysis_memory_limit",
        "TEMPORAL_ANALYSIS_MEMORY_LIMIT",
        "the worker is unaffected",
    ):
        assert part in error, error
    assert target.process.poll() is None, "the worker died"
    (target.inputs / "small.csv").write_text(SMALL_CSV)
    success, error = await run(target, target.inputs / "small.csv")
    assert success, error
    assert target.process.poll() is None


def analysis_children(pid: int) -> list[int]:
    """The analysis processes ``pid`` started that are still running."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:  # it ended meanwhile
                continue
            if b"serve_analysis_step" in cmdline:
                found.append(int(child))
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
async def test_a_worker_starts_its_first_child_before_any_step(
    dev_server: DevServer, tmp_path: Path
) -> None:
    """The first step of a newly started worker takes a child that is already waiting, as
    the later steps do: it does not wait for an interpreter to start."""
    queue = f"isolation-ready-{uuid.uuid4().hex[:8]}"
    async with limited_worker(dev_server.address, tmp_path, queue, WORKER_ADDRESS_SPACE) as worker:
        for _ in range(100):
            if children := analysis_children(worker.process.pid):
                break
            await asyncio.sleep(0.1)
        assert len(children) == 1, "no analysis process waits for the first step"
        worker.inputs.mkdir(parents=True, exist_ok=True)
        (worker.inputs / "small.csv").write_text(SMALL_CSV)
        success, error = await run(worker, worker.inputs / "small.csv")
        assert success, error


def direct_config(tmp_path: Path, **settings: object) -> TemporalConfig:
    return TemporalConfig(env_file=None, data_dir=tmp_path / "data", **settings)  # type: ignore[arg-type]


async def test_direct_calls_run_in_the_same_child(tmp_path: Path) -> None:
    inputs = tmp_path / "data" / "inputs"
    inputs.mkdir(parents=True)
    path = large_csv(inputs / "mid.csv", 1_000_000)
    tight = direct_config(tmp_path, analysis_memory_limit=CHILD_LIMIT // 4)
    with pytest.raises(InvalidInputError, match="TEMPORAL_ANALYSIS_MEMORY_LIMIT"):
        await acts.load_data(str(path), config=tight)
    # The same limit in this process would not apply: with isolation off the call succeeds.
    here = direct_config(tmp_path, analysis_memory_limit=CHILD_LIMIT // 4, analysis_isolation=False)
    loaded = await acts.load_data(str(path), config=here)
    assert loaded["rows"] == 1_000_000
    isolated = await acts.load_data(str(path), config=direct_config(tmp_path))
    assert isolated["rows"] == 1_000_000 and isolated["schema"] == loaded["schema"]
