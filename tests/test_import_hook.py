"""The installed wheel imports as `app.temporal` whatever `app` is on the path.

Project-AI's `src/app/__init__.py` makes `app` a regular package and its scripts run with
`PYTHONPATH=src`; the wheel's import hook (`_project_ai_temporal_hook`, installed by
`project_ai_temporal_hook.pth`) maps `app.temporal` to the wheel. Every test runs Python in
a subprocess from a virtualenv with the BUILT wheel installed (not the editable install of
the test session), in a tree with Project-AI's layout: a regular `app/__init__.py`, an
`app/core/` package and a leftover `app/temporal/` of the original module whose files raise
when imported.
"""

from __future__ import annotations

import json
import os
import pkgutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import app.temporal
from app.temporal import DevServer
from tests.helpers import start_worker_process, subprocess_env

ROOT = Path(__file__).parent.parent
HOOK = "_project_ai_temporal_hook"
LEFTOVER = "the leftover app/temporal/ of the original module was imported"


@dataclass(frozen=True)
class Venv:
    python: str
    site_packages: Path

    @property
    def package(self) -> Path:
        return self.site_packages / "app" / "temporal"


def new_venv(path: Path) -> Venv:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = str(path / "bin" / "python")
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Venv(python, Path(purelib))


@pytest.fixture(scope="session")
def scratch() -> Iterator[Path]:
    """One folder for the session's wheel and virtualenvs, removed at the end: the debug
    wheel holds a library of over 500 MB."""
    with tempfile.TemporaryDirectory(prefix="import-hook-") as tmp:
        yield Path(tmp)


# Building the wheel (in the fixture, which the timeout counts) takes minutes on a cold
# cargo cache.
pytestmark = pytest.mark.timeout(1800)


@pytest.fixture(scope="session")
def wheel_venv(scratch: Path) -> Venv:
    """This checkout built as a wheel (debug profile, in the shared cargo target dir, so
    a warm cache only relinks) and installed, without dependencies, in a new virtualenv."""
    env = dict(os.environ)
    # The interpreter the dev install built with (scripts/dev_env.sh): another one would
    # change pyo3's build configuration and rebuild it.
    env.setdefault("PYO3_PYTHON", sys.executable)
    build = subprocess.run(
        # The debug library is over 500 MB: no manylinux audit, light compression.
        [
            *(sys.executable, "-m", "maturin", "build", "--out", str(scratch / "wheel")),
            *("--auditwheel", "skip", "--compression-level", "1"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr[-4000:]
    (wheel,) = (scratch / "wheel").glob("*.whl")
    venv = new_venv(scratch / "venv")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", venv.python, "install", "--quiet"),
            *("--disable-pip-version-check", "--no-deps", "--no-index", "--no-compile", str(wheel)),
        ],
        check=True,
    )
    wheel.unlink()
    return venv


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Project-AI's layout: `src/app/__init__.py` (a comment line, as in Project-AI), the
    app's own `app.core`, and a leftover `app/temporal/` whose modules raise if imported."""
    app_dir = tmp_path / "project-ai" / "src" / "app"
    (app_dir / "core").mkdir(parents=True)
    (app_dir / "temporal").mkdir()
    (app_dir / "__init__.py").write_text("# Project-AI application package\n")
    (app_dir / "core" / "__init__.py").write_text("")
    (app_dir / "core" / "ai_systems.py").write_text("VALUE = 'host app'\n")
    for name in ("__init__", "client", "worker", "config", "workflows", "activities"):
        (app_dir / "temporal" / f"{name}.py").write_text(f"raise ImportError({LEFTOVER!r})\n")
    return tmp_path / "project-ai"


def run(
    python: str, tree: Path, *args: str, pythonpath: str = "src"
) -> subprocess.CompletedProcess[str]:
    """``python *args`` in ``tree`` with ``PYTHONPATH`` (relative to ``tree``), as
    Project-AI's scripts run."""
    return subprocess.run(
        [python, *args],
        cwd=tree,
        env=subprocess_env(PYTHONPATH=pythonpath),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_json(
    python: str, tree: Path, script: str, *flags: str, pythonpath: str = "src"
) -> dict[str, Any]:
    out = run(python, tree, *flags, "-c", textwrap.dedent(script), pythonpath=pythonpath)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def dev_submodules() -> set[str]:
    """Every module of the package in this checkout (the test session's install)."""
    return {m.name for m in pkgutil.walk_packages(app.temporal.__path__, "app.temporal.")}


def test_app_temporal_and_every_submodule_import_from_the_wheel(
    wheel_venv: Venv, tree: Path
) -> None:
    result = run_json(
        wheel_venv.python,
        tree,
        """
        import importlib, importlib.util, json, pkgutil, sys
        import app.core.ai_systems
        from app.temporal import TemporalClientManager, TemporalConfig
        import app.temporal
        names = [m.name for m in pkgutil.walk_packages(app.temporal.__path__, "app.temporal.")]
        origins = {}
        for name in names:
            if name.endswith(".__main__"):  # runs a command: located, not executed
                origins[name] = importlib.util.find_spec(name).origin
            else:
                origins[name] = importlib.import_module(name).__file__
        print(json.dumps({
            "app": app.__file__,
            "core": app.core.ai_systems.VALUE,
            "temporal": app.temporal.__file__,
            "same": app.temporal is sys.modules["app.temporal"],
            "manager": TemporalClientManager.__module__,
            "task_queue": TemporalConfig(env_file=None).task_queue,
            "origins": origins,
        }))
        """,
    )
    assert result["app"] == str(tree / "src" / "app" / "__init__.py")
    assert result["core"] == "host app"
    assert result["temporal"] == str(wheel_venv.package / "__init__.py")
    assert result["same"] is True
    assert result["manager"] == "app.temporal.client"
    assert result["task_queue"] == "project-ai-tasks"
    assert set(result["origins"]) == dev_submodules()
    assert {"app.temporal.client", "app.temporal._core", "app.temporal.cli._run"} <= set(
        result["origins"]
    )
    for origin in result["origins"].values():
        assert Path(origin).is_relative_to(wheel_venv.package)


def test_start_up_adds_only_the_hook_and_installs_it_once(
    wheel_venv: Venv, tree: Path, scratch: Path
) -> None:
    """The .pth costs one small module at start-up: not `app` (the host's `__init__.py`
    does not run), not `importlib.abc`; installing again adds no second finder."""
    script = """
        import json, sys
        started = sorted(sys.modules)
        hook = sys.modules.get("_project_ai_temporal_hook")
        again = hook.install() if hook else None
        finders = [f for f in sys.meta_path if hasattr(f, "project_ai_temporal_package")]
        print(json.dumps({"modules": started, "again": again, "finders": len(finders),
                          "first": sys.meta_path[0] is (finders or [None])[0]}))
        """
    without = run_json(new_venv(scratch / "plain-venv").python, tree, script)
    with_hook = run_json(wheel_venv.python, tree, script)
    assert set(with_hook["modules"]) - set(without["modules"]) == {HOOK}
    assert without["finders"] == 0
    assert with_hook["again"] is False
    assert with_hook["finders"] == 1
    assert with_hook["first"] is True


def test_explicit_install_without_site(wheel_venv: Venv, tree: Path) -> None:
    """`python -S` processes no .pth file: without the explicit install the leftover
    folder is what imports; with it (twice: one finder) the wheel is."""
    pythonpath = f"src{os.pathsep}{wheel_venv.site_packages}"
    control = run(wheel_venv.python, tree, "-S", "-c", "import app.temporal", pythonpath=pythonpath)
    assert control.returncode != 0
    assert LEFTOVER in control.stderr
    result = run_json(
        wheel_venv.python,
        tree,
        """
        import json, sys
        import _project_ai_temporal_hook
        installed = [_project_ai_temporal_hook.install(), _project_ai_temporal_hook.install()]
        import app.core.ai_systems
        from app.temporal import TemporalClientManager
        import app.temporal.client
        print(json.dumps({"installed": installed, "site": sys.flags.no_site,
                          "temporal": app.temporal.__file__, "client": app.temporal.client.__file__,
                          "core": app.core.ai_systems.VALUE}))
        """,
        "-S",
        pythonpath=pythonpath,
    )
    assert result["site"] == 1
    assert result["installed"] == [True, False]
    assert result["temporal"] == str(wheel_venv.package / "__init__.py")
    assert result["client"] == str(wheel_venv.package / "client.py")
    assert result["core"] == "host app"


def test_worker_module_runs_from_the_tree(
    wheel_venv: Venv, tree: Path, dev_server: DevServer
) -> None:
    """`python -m app.temporal.worker` from Project-AI's tree: its help, then the worker
    itself polling the session's dev server until SIGTERM stops it cleanly."""
    usage = run(wheel_venv.python, tree, "-m", "app.temporal.worker", "--help")
    assert usage.returncode == 0, usage.stderr
    assert "usage: python -m app.temporal.worker" in usage.stdout
    log = tree / "worker.log"
    worker = start_worker_process(
        dev_server.address,
        tree,
        f"hook-{uuid.uuid4().hex[:8]}",
        log,
        python=wheel_venv.python,
        PYTHONPATH=str(tree / "src"),
    )
    try:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
    assert LEFTOVER not in log.read_text()
