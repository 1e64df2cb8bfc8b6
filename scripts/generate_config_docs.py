#!/usr/bin/env python3
"""Writes the generated parts of the docs from their sources of truth, so they cannot drift:

- the configuration table in docs/TEMPORAL_SETUP.md, from the settings table
  (``app.temporal.config.config_fields()``, i.e. src/config/fields.rs);
- the CLI reference in docs/TEMPORAL_SETUP.md, from the CLI's own parser;
- .env.temporal.example, from the settings table.

    python scripts/generate_config_docs.py          # rewrite them
    python scripts/generate_config_docs.py --check  # exit 1 when one is out of date (tests)
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from app.temporal.cli import build_parser
from app.temporal.config import config_fields
from app.temporal.envfile import render_env_example

ROOT = Path(__file__).resolve().parent.parent
SETUP_DOC = ROOT / "docs" / "TEMPORAL_SETUP.md"
ENV_EXAMPLE = ROOT / ".env.temporal.example"
COMMON = {"--json", "--host", "--namespace", "--task-queue", "--data-dir", "--env-file"}


def _cell(text: str) -> str:
    """Markdown-safe: no table breaks, and <placeholders> are not taken for HTML tags."""
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\n", " ")


def _allowed(field: dict[str, Any]) -> str:
    if "choices" in field:
        return " One of " + ", ".join(f"`{c}`" for c in field["choices"]) + "."
    if "minimum" in field:
        return f" At least {field['minimum']}."
    return ""


def config_table() -> str:
    rows = [
        "| setting | environment variable | type | default | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for field in config_fields():
        variables = [f"`{field['env']}`"] + [f"`{a}`" for a in field["aliases"]]
        default = "unset" if field["default"] is None else f"`{field['default']}`"
        meaning = field["doc"] + _allowed(field)
        if field["profile_key"]:
            meaning += f" temporal.toml: `{field['profile_key']}`."
        if field["secret"]:
            meaning += " Secret: never shown."
        rows.append(
            f"| `{field['name']}` | {', '.join(variables)} | `{_cell(field['type'])}` "
            f"| {default} | {_cell(meaning)} |"
        )
    return "\n".join(rows)


def _leaves(parser: argparse.ArgumentParser, path: str) -> list[tuple[str, str, Any]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                below = _leaves(sub, f"{path} {name}")
                found += below or [(f"{path} {name}", helps.get(name) or "", sub)]
    return found


def _flags(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"`{action.metavar or action.dest.upper()}`"
    flags = ", ".join(action.option_strings)
    if action.nargs == 0:
        return f"`{flags}`"
    metavar = action.metavar or action.dest.upper()
    return f"`{flags} {metavar}`"


def cli_reference() -> str:
    parser = build_parser()
    description = parser.description or ""
    exit_codes = description[description.index("Exit codes:") :]
    parts = [
        "Every command takes the common options: "
        + ", ".join(f"`{c}`" for c in sorted(COMMON))
        + " (`--json` prints one JSON document on stdout, errors included). "
        + exit_codes
    ]
    for command, summary, sub in _leaves(parser, "project-ai-temporal"):
        parts.append(f"#### `{command}`\n\n{_cell(sub.description or summary)}")
        rows = [
            f"| {_flags(a)} | {_cell(a.help or '')} |"
            for a in sub._actions
            if not isinstance(a, argparse._HelpAction) and not set(a.option_strings) & COMMON
        ]
        if rows:
            parts.append("| option | meaning |\n| --- | --- |\n" + "\n".join(rows))
    return "\n\n".join(parts)


def _replace_section(text: str, name: str, body: str) -> str:
    pattern = re.compile(
        rf"(<!-- generated:{name} .*?-->\n)(?:.*?\n)?(<!-- end:{name} -->)", flags=re.DOTALL
    )
    if not pattern.search(text):
        raise SystemExit(f"{SETUP_DOC}: the markers of the {name} section are missing")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def generated() -> dict[Path, str]:
    doc = SETUP_DOC.read_text(encoding="utf-8")
    doc = _replace_section(doc, "config-table", config_table())
    doc = _replace_section(doc, "cli-reference", cli_reference())
    return {SETUP_DOC: doc, ENV_EXAMPLE: render_env_example()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only tell what is out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in generated().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if args.check and stale:
        names = ", ".join(str(p.relative_to(ROOT)) for p in stale)
        print(f"out of date: {names}; run python scripts/generate_config_docs.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
