"""Shared fixtures: one real Temporal dev server per test session, a clean configuration
environment, and a fresh task queue per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from app.temporal import DevServer


@pytest.fixture(scope="session")
def dev_server() -> Iterator[DevServer]:
    """The real Temporal dev server (from the [server] extra), in memory, headless."""
    with DevServer(headless=True, namespaces=["project-ai-test"]) as server:
        yield server


@pytest.fixture
def task_queue(request: pytest.FixtureRequest) -> str:
    """A task queue no other test uses."""
    return f"test-{request.node.name[:40]}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No TEMPORAL_* variables, no user temporal.toml, and an empty working directory, so
    each configuration test sees only the sources it sets up."""
    for name in list(os.environ):
        if name.upper().startswith(("TEMPORAL_", "PROJECT_AI_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    return tmp_path
