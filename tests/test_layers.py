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
    "activities": 5,
    "workflows": 6,
    "worker": 7,
    "replay": 8,
    "python": 9,
}

USE = re.compile(r"\bcrate::(\w+)((?:::\w+)*)")


def module_of(parts: tuple[str, ...]) -> str:
    head = parts[0].removesuffix(".rs")
    if head == "domain" and len(parts) > 2:
        return f"domain/{parts[1].removesuffix('.rs')}"
    return head


def imports() -> dict[tuple[str, str], list[str]]:
    """(importer, imported) -> the files where it happens."""
    found: dict[tuple[str, str], list[str]] = {}
    for path in sorted(SRC.rglob("*.rs")):
        parts = path.relative_to(SRC).parts
        if parts in {("lib.rs",), ("domain", "mod.rs")} or path.name == "tests.rs":
            continue
        own = module_of(parts)
        for match in USE.finditer(path.read_text(encoding="utf-8")):
            rest = match.group(2).split("::")[1:]
            if "tests" in rest:
                continue
            target = match.group(1)
            if target == "domain" and rest:
                target = f"domain/{rest[0]}"
            if target != own:
                found.setdefault((own, target), []).append(str(path.relative_to(SRC)))
    return found


def test_every_folder_has_a_layer() -> None:
    modules = {module_of(p.relative_to(SRC).parts) for p in SRC.rglob("*.rs")}
    modules -= {"lib", "domain"}
    assert modules == set(LAYERS), "add the new folder to LAYERS and to docs/ARCHITECTURE.md"


def test_no_import_runs_up_a_layer() -> None:
    upward = {
        f"{own} -> {target} ({', '.join(sorted(set(files)))})"
        for (own, target), files in imports().items()
        if LAYERS[target] > LAYERS[own]
        or (LAYERS[target] == LAYERS[own] and not own.startswith("domain/"))
    }
    assert not upward, sorted(upward)


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


def test_the_check_sees_an_upward_import() -> None:
    # The checks above pass on nothing if the pattern stops matching.
    found = imports()
    assert ("activities", "store") in found
    assert ("domain/memory", "domain/learning") in found
