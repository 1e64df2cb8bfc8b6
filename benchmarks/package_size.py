"""Benchmark: the size of what users download and install, against the official SDK: our
wheel, our installed extension module (`app/temporal/_core*`), and the official SDK's
installed Rust bridge (`temporalio/bridge/temporal_sdk_bridge*`), in this interpreter.

    python benchmarks/package_size.py --wheel-dir DIR --report   (within benchmarks/run.sh)
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from _common import add_report_option, publish

MB = 1_000_000


def extension(package: str, stem: str) -> Path:
    """The installed extension module `stem` of `package`."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{package} is not installed here")
    folder = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(folder.glob(f"{stem}*.so")) + sorted(folder.glob(f"{stem}*.pyd"))
    if not found:
        raise SystemExit(f"no {stem} extension module in {folder}")
    return found[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wheel-dir", type=Path, required=True, help="where our wheel is")
    add_report_option(parser)
    args = parser.parse_args()
    wheels = sorted(args.wheel_dir.glob("project_ai_temporal-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one project_ai_temporal wheel in {args.wheel_dir}")
    ours = extension("app.temporal", "_core")
    peer = extension("temporalio.bridge", "temporal_sdk_bridge")
    rows = [
        ("project-ai-temporal wheel", wheels[0].name, wheels[0].stat().st_size),
        ("project-ai-temporal installed extension", ours.name, ours.stat().st_size),
        ("temporalio installed bridge", peer.name, peer.stat().st_size),
    ]
    table = "\n".join(
        [
            "Release build as run.sh installs it (symbols stripped: `[profile.release]` in "
            "Cargo.toml; `--profile release-debug` keeps them).",
            "",
            "| what | file | MB |",
            "| --- | --- | --- |",
            *(f"| {what} | `{name}` | {size / MB:.1f} |" for what, name, size in rows),
            "",
            f"**Installed extension against the official bridge: "
            f"{rows[1][2] / rows[2][2]:.2f}x** (no goal; issue 24 asked for the figures).",
        ]
    )
    publish("Package size", table, args.report)


if __name__ == "__main__":
    main()
