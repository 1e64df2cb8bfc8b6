"""Every example in examples/temporal runs against the real dev server and worker, exits 0
and prints where its results are; and exits non-zero when it cannot work."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.temporal import Worker
from tests.helpers import free_port, subprocess_env

EXAMPLES = Path(__file__).parent.parent / "examples" / "temporal"
# What each example must show: where its results are.
EXPECTED = {
    "learning_workflow_example.py": r"knowledge entry: kn-\w+",
    "image_generation_example.py": r"PNG: /\S+\.png",
    "batch_workflows_example.py": r"total: 3  successful: 3  failed: 0",
    "data_analysis_example.py": r"clusters_pca\.png",
    "memory_expansion_example.py": r"memories: [1-9]\d* new",
}


def example_env(host: str, task_queue: str, data_dir: Path) -> dict[str, str]:
    return subprocess_env(
        TEMPORAL_HOST=host, TEMPORAL_TASK_QUEUE=task_queue, PROJECT_AI_DATA_DIR=str(data_dir)
    )


def test_every_example_is_covered() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} == set(EXPECTED)
    assert (EXAMPLES / "README.md").is_file()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs(name: str, rust_worker: Worker, tmp_path: Path) -> None:
    config = rust_worker.config
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        env=example_env(config.host, rust_worker.task_queue, config.data_dir),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(EXPECTED[name], out.stdout), out.stdout
    for path in re.findall(r"(/\S+\.(?:png|json|html))", out.stdout):
        assert Path(path).exists(), path


def test_example_exits_non_zero_without_a_server(tmp_path: Path) -> None:
    nowhere = f"127.0.0.1:{free_port()}"
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "learning_workflow_example.py")],
        env=example_env(nowhere, "nobody", tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode != 0
    assert "connection refused" in out.stderr
