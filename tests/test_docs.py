"""The generated parts of the docs (configuration table, CLI reference, .env.temporal.example)
are current, and the hand-written docs link what exists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from app.temporal.config import config_fields

ROOT = Path(__file__).parent.parent


def test_generated_docs_are_current() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_config_docs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr


def test_setup_doc_has_every_setting_and_command() -> None:
    doc = (ROOT / "docs" / "TEMPORAL_SETUP.md").read_text(encoding="utf-8")
    for field in config_fields():
        assert f"| `{field['name']}` | `{field['env']}`" in doc, field["name"]
    for command in ("init", "server start", "server stop", "server status", "worker",
                    "run learning", "run image", "run data", "run memory", "workflows list",
                    "workflows describe", "workflows result", "workflows cancel",
                    "workflows terminate", "doctor"):  # fmt: skip
        assert f"#### `project-ai-temporal {command}`" in doc, command


def test_doc_links_point_at_files() -> None:
    for name in ("TEMPORAL_SETUP.md", "ARCHITECTURE.md"):
        path = ROOT / "docs" / name
        for target in re.findall(r"\]\(([^)#:]+)\)", path.read_text(encoding="utf-8")):
            assert (path.parent / target).exists(), f"{name} links {target}"


def test_benchmark_results_come_from_one_run_of_run_sh() -> None:
    """Every generated section of docs/BENCHMARKS.md names the run.sh run it came from, and
    it is the same run for all of them."""
    text = (ROOT / "docs" / "BENCHMARKS.md").read_text()
    names = re.findall(r"<!-- (.+?):start -->", text)
    runs = {
        name: re.search(
            rf"<!-- {re.escape(name)}:start -->\n## .+?\n\nRun .+?; part of run.sh run (\S+)\.\n",
            text,
        )
        for name in names
    }
    assert len(names) >= 12
    assert [name for name, found in runs.items() if found is None] == []
    assert len({found.group(1) for found in runs.values() if found}) == 1, runs
