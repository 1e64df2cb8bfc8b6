"""`app` is a namespace package shared with the host application's own `app` package."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def test_host_app_package_and_wheel_share_app(tmp_path: Path) -> None:
    host = tmp_path / "host"
    (host / "app" / "core").mkdir(parents=True)
    # The two lines Project-AI's app/__init__.py needs (docs/TEMPORAL_SETUP.md).
    (host / "app" / "__init__.py").write_text(
        "from pkgutil import extend_path\n__path__ = extend_path(__path__, __name__)\n"
    )
    (host / "app" / "core" / "__init__.py").write_text("")
    (host / "app" / "core" / "x.py").write_text("VALUE = 'host app'\n")
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(host)!r})
        import app.core.x
        from app.temporal import TemporalConfig
        assert app.core.x.VALUE == "host app"
        assert app.__file__.startswith({str(host)!r})
        print(TemporalConfig(env_file=None).task_queue)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "project-ai-tasks"


def test_wheel_ships_no_app_init() -> None:
    package_root = Path(__file__).parent.parent / "python" / "app"
    assert not (package_root / "__init__.py").exists()
