"""The ``.env.temporal`` file: its example, generated from the settings table
(:func:`app.temporal.config.config_fields`) so it lists every setting and cannot drift, and
the first-run setup that writes it and creates the data folders."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from app.temporal._core import config_fields

ENV_FILE = ".env.temporal"
EXAMPLE_FILE = ".env.temporal.example"
# The folders the workflows write into, under the data dir, and inputs/, where data
# analysis reads files from.
DATA_FOLDERS = (
    "temporal",
    "memory",
    "learning_requests",
    "generated_images",
    "analysis",
    "inputs",
)

_HEADER = """\
# Every setting of project-ai-temporal (app.temporal.TemporalConfig) with its default.
# Copy to .env.temporal (`project-ai-temporal init` does) and uncomment what you change.
# They stay commented out on purpose: a set TEMPORAL_HOST here would disagree with a
# TEMPORAL_ADDRESS that the official `temporal` tools read from the environment.
# Precedence: constructor arguments, then the environment, then this file, then a
# temporal.toml profile, then the defaults. Generated from the settings table by
# scripts/generate_config_docs.py: do not edit by hand.
"""


def _allowed(field: dict[str, Any]) -> str:
    if "choices" in field:
        return "one of " + ", ".join(field["choices"])
    if "minimum" in field:
        number = "a decimal number" if field["type"] == "float" else "a whole number"
        return f"{number} >= {field['minimum']}"
    if field["type"].startswith("bool"):
        return "true or false"
    return ""


def render_env_example() -> str:
    """The text of ``.env.temporal.example``: every setting with its meaning, default, and
    the official Temporal variables that mean the same."""
    parts = [_HEADER]
    for field in config_fields():
        notes = [field["doc"]]
        allowed = _allowed(field)
        if allowed:
            notes.append(f"Allowed: {allowed}.")
        if field["aliases"]:
            notes.append("Also read from " + ", ".join(field["aliases"]) + ".")
        if field["secret"]:
            notes.append("Secret: never printed or logged.")
        lines = [f"# {note}" for note in notes]
        default = "" if field["default"] is None or field["secret"] else field["default"]
        lines.append(f"# {field['env']}={default}")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def write_env_file(directory: Path) -> tuple[Path, str]:
    """Writes ``.env.temporal`` in ``directory`` when it is absent: a copy of
    ``.env.temporal.example`` there, else the generated example. Returns the path and what
    happened ("exists", "copied" or "generated"); never overwrites."""
    target = directory / ENV_FILE
    if target.exists():
        return target, "exists"
    example = directory / EXAMPLE_FILE
    if example.is_file():
        shutil.copyfile(example, target)
        return target, "copied"
    target.write_text(render_env_example(), encoding="utf-8")
    return target, "generated"


def create_data_folders(data_dir: Path) -> list[Path]:
    """Creates the data dir and its folders (what the workflows write, inputs/ for data
    analysis); returns them."""
    folders = [data_dir / name for name in DATA_FOLDERS]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    return folders


__all__ = [
    "DATA_FOLDERS",
    "ENV_FILE",
    "EXAMPLE_FILE",
    "create_data_folders",
    "render_env_example",
    "write_env_file",
]
