"""scripts/setup_temporal.py (the original commands, as thin calls into the CLI) and
scripts/temporal_quickstart.sh (everything but the install, which is a release build)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import free_port, subprocess_env

ROOT = Path(__file__).parent.parent
SETUP = ROOT / "scripts" / "setup_temporal.py"


def setup(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SETUP), *args],
        cwd=cwd,
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_setup_script_original_commands(tmp_path: Path) -> None:
    host = f"127.0.0.1:{free_port()}"
    out = setup(tmp_path, "init")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / ".env.temporal").is_file() and (tmp_path / "data" / "memory").is_dir()

    out = setup(tmp_path, "status", "--json", TEMPORAL_HOST=host)
    assert out.returncode == 3 and json.loads(out.stdout)["reachable"] is False

    out = setup(tmp_path, "start", "--headless", "--json", TEMPORAL_HOST=host)
    try:
        assert out.returncode == 0, out.stdout + out.stderr
        assert json.loads(out.stdout)["address"] == host
        out = setup(tmp_path, "status", TEMPORAL_HOST=host)
        assert out.returncode == 0 and "reachable" in out.stdout
    finally:
        out = setup(tmp_path, "stop", TEMPORAL_HOST=host)
    assert out.returncode == 0 and "stopped the dev server" in out.stdout


def test_setup_script_usage_and_docker_errors(tmp_path: Path) -> None:
    out = setup(tmp_path, "launch")
    assert out.returncode == 2 and "invalid choice" in out.stderr
    # No Docker on PATH: --docker says what it needs instead of failing obscurely.
    out = setup(tmp_path, "start", "--docker", PATH=str(tmp_path))
    assert out.returncode == 2 and "Docker" in out.stderr


def test_quickstart_runs_every_example_and_stops(tmp_path: Path) -> None:
    # A copy of what the quickstart uses, so its .env.temporal and data stay in tmp_path.
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "temporal_quickstart.sh", tmp_path / "scripts")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    host = f"127.0.0.1:{free_port()}"
    env = subprocess_env(
        QUICKSTART_SKIP_INSTALL="1",  # the package is installed in this venv already
        QUICKSTART_VENV=sys.prefix,
        QUICKSTART_UI_PORT=str(free_port()),
        TEMPORAL_HOST=host,
    )
    out = subprocess.run(
        ["bash", "scripts/temporal_quickstart.sh", "--no-wait"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    for expected in ("knowledge entry: kn-", "PNG: ", "clusters_pca.png", "total: 3",
                     f"{host} is reachable", "Web UI: http://"):  # fmt: skip
        assert expected in out.stdout, expected
    data = tmp_path / "data"
    assert list((data / "generated_images").glob("*.png"))
    assert list((data / "analysis").glob("*/index.html"))
    # The store file the summary names.
    store = re.search(r"the store (\S+\.sqlite3)", out.stdout)
    assert store is not None and Path(store.group(1)).is_file()
    # --no-wait stopped the worker and the server.
    assert not (data / "temporal" / "worker.pid").exists()
    assert not (data / "temporal" / "dev-server.json").exists()
    assert "Stopping the worker" in out.stdout and "stopped the dev server" in out.stdout
