"""`app` is a namespace package shared with the host application's own `app` package."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).parent.parent
GUIDE = ROOT / "docs" / "TEMPORAL_SETUP.md"


def host_app_lines() -> str:
    """The code block of the host-app guide in docs/TEMPORAL_SETUP.md: what Project-AI's
    src/app/__init__.py needs. The test uses exactly what the guide says."""
    guide = GUIDE.read_text(encoding="utf-8")
    section = guide[guide.index("### In the Project-AI app") :]
    block = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert block is not None, "the host-app guide has no python code block"
    return block.group(1)


def test_guide_and_readme_give_the_same_two_lines() -> None:
    lines = host_app_lines()
    assert len(lines.strip().splitlines()) == 2
    assert lines in (ROOT / "README.md").read_text(encoding="utf-8")


def test_host_app_package_and_wheel_share_app(tmp_path: Path) -> None:
    host = tmp_path / "host"
    (host / "app" / "core").mkdir(parents=True)
    (host / "app" / "__init__.py").write_text(host_app_lines())
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
