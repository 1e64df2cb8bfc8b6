"""The Rust core's folders are layers (docs/ARCHITECTURE.md): each imports only from the
layers below it, and the domain folders, which may use one another, form no circle.
Test code (a `tests.rs` file, a path through a `tests` module) may reach anywhere."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

# Lower numbers are lower layers; the table in docs/ARCHITECTURE.md, folder by folder.
LAYERS: dict[str, int] = {
    "platform": 0,
    "config": 1,
    "wire": 1,
    "files": 1,
    "png": 1,
    "canonical": 1,
    "interrupt": 1,
    "client": 2,
    "devserver": 2,
    "store": 3,
    "domain/analysis": 4,
    "domain/image": 4,
    "domain/learning": 4,
    "domain/memory": 4,
    "domain/precheck": 4,
    "activities": 5,
    "workflows": 6,
    "worker": 7,
    "replay": 8,
    "python": 9,
}

PATH = re.compile(r"\bcrate::(\{|\w+(?:::\w+)*)")


def module_of(parts: tuple[str, ...]) -> str:
    head = parts[0].removesuffix(".rs")
    if head == "domain" and len(parts) >= 2 and parts[1] != "mod.rs":
        return f"domain/{parts[1].removesuffix('.rs')}"
    return head


def group_items(text: str, start: int) -> list[str]:
    """The top-level items of the `{...}` group opening at `start`."""
    items, depth, item = [], 0, ""
    for char in text[start:]:
        depth += char == "{"
        depth -= char == "}"
        if depth == 0:
            break
        if depth == 1 and char in "{,":
            items.append(item)
            item = ""
        else:
            item += char
    return [i.strip() for i in [*items, item] if i.strip()]


def paths_in(text: str) -> list[list[str]]:
    """Every `crate::` path, as its segments; a `crate::{a::X, b}` group gives one path
    per item."""
    found = []
    for match in PATH.finditer(text):
        if match.group(1) == "{":
            found += [item.split("::") for item in group_items(text, match.start(1))]
        else:
            found.append(match.group(1).split("::"))
    return found


def imports() -> dict[tuple[str, str], list[str]]:
    """(importer, imported) -> the files where it happens."""
    found: dict[tuple[str, str], list[str]] = {}
    for path in sorted(SRC.rglob("*.rs")):
        parts = path.relative_to(SRC).parts
        if parts in {("lib.rs",), ("domain", "mod.rs")} or path.name == "tests.rs":
            continue
        own = module_of(parts)
        for segments in paths_in(path.read_text(encoding="utf-8")):
            if "tests" in segments[1:]:
                continue
            target = segments[0]
            if target == "domain" and len(segments) > 1:
                target = f"domain/{segments[1]}"
            if target != own:
                found.setdefault((own, target), []).append(str(path.relative_to(SRC)))
    return found


def upward(found: dict[tuple[str, str], list[str]]) -> set[str]:
    """The imports that run up a layer, or sideways outside the domain folders."""
    return {
        f"{own} -> {target} ({', '.join(sorted(set(files)))})"
        for (own, target), files in found.items()
        if LAYERS[target] > LAYERS[own]
        or (LAYERS[target] == LAYERS[own] and not own.startswith("domain/"))
    }


def test_every_folder_has_a_layer() -> None:
    modules = {module_of(p.relative_to(SRC).parts) for p in SRC.rglob("*.rs")}
    modules -= {"lib", "domain"}
    assert modules == set(LAYERS), "add the new folder to LAYERS and to docs/ARCHITECTURE.md"


def test_no_import_runs_up_a_layer() -> None:
    found = upward(imports())
    assert not found, sorted(found)


def test_the_domain_folders_form_no_circle() -> None:
    edges = {(a, b) for (a, b) in imports() if a.startswith("domain/") and b.startswith("domain/")}

    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(
            b == goal or (b not in seen and reaches(b, goal, seen | {b}))
            for (a, b) in edges
            if a == start
        )

    circles = sorted(a for a in {a for (a, _) in edges} if reaches(a, a))
    assert not circles, circles


def test_the_check_sees_every_form_of_an_upward_import() -> None:
    # The checks above pass on nothing if the pattern stops matching.
    text = "use crate::worker::Worker;\nuse crate::{store::Store, workflows::{a, b}};"
    assert [p[0] for p in paths_in(text)] == ["worker", "store", "workflows"]
    found = imports()
    assert ("activities", "store") in found
    assert ("domain/memory", "domain/learning") in found
    assert upward({("store", "worker"): ["store/x.rs"]}) == {"store -> worker (store/x.rs)"}
