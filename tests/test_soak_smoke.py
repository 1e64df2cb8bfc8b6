"""scripts/soak.py at a tiny size, so the script keeps working and its checks keep checking;
the figures in docs/RELIABILITY.md come from full-size runs, never from here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import subprocess_env

SOAK = Path(__file__).resolve().parent.parent / "scripts" / "soak.py"


def test_soak_runs_every_kind_across_two_workers_and_loses_nothing(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(SOAK), "--workflows", "16", "--json"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=subprocess_env(),
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads(out.stdout.splitlines()[-1])
    assert report["problems"] == [] and report["failed"] == []
    assert report["workers"] == 2 and len(report["by_kind"]) == 4
    assert report["knowledge_records"] == report["knowledge_json_entries"] == 4
    assert report["image_records"] == report["reports"] == 4
    assert all(samples for samples in report["rss_mb"].values())
