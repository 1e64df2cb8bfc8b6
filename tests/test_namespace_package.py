"""`app` is a namespace package; the host application's own regular `app` package keeps
working beside it with the import hook that the host-app guide documents. The installed
wheel, whose .pth file installs the hook itself, is tested in test_import_hook.py."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).parent.parent
GUIDE = ROOT / "docs" / "TEMPORAL_SETUP.md"


def explicit_install_lines() -> str:
    """The code block of the host-app guide in docs/TEMPORAL_SETUP.md: the explicit hook
    install for frozen builds, `python -S` and the development install. The test uses
    exactly what the guide says."""
    guide = GUIDE.read_text(encoding="utf-8")
    section = guide[guide.index("### In the Project-AI app") :]
    block = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert block is not None, "the host-app guide has no python code block"
    return block.group(1)


def test_guide_and_readme_give_the_same_two_lines() -> None:
    lines = explicit_install_lines()
    assert len(lines.strip().splitlines()) == 2
    assert lines in (ROOT / "README.md").read_text(encoding="utf-8")


def run_in_host(host: Path, prelude: str) -> subprocess.CompletedProcess[str]:
    script = prelude + textwrap.dedent(
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
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=host, check=False
    )


def test_regular_host_app_package_with_the_guide_lines(tmp_path: Path) -> None:
    """Project-AI's `app/__init__.py` is one comment line, so `app` is a regular package
    that hides `app.temporal` from this (editable) install, which processes no hook .pth;
    the guide's two lines make it importable, with no edit to the host package."""
    host = tmp_path / "host"
    (host / "app" / "core").mkdir(parents=True)
    (host / "app" / "__init__.py").write_text("# Project-AI application package\n")
    (host / "app" / "core" / "__init__.py").write_text("")
    (host / "app" / "core" / "x.py").write_text("VALUE = 'host app'\n")

    without = run_in_host(host, "")
    assert without.returncode != 0
    assert "No module named 'app.temporal'" in without.stderr

    out = run_in_host(host, explicit_install_lines())
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "project-ai-tasks"


def test_wheel_ships_no_app_init() -> None:
    package_root = Path(__file__).parent.parent / "python" / "app"
    assert not (package_root / "__init__.py").exists()
