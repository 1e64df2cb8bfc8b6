"""The exceptions of ``app.temporal``: one hierarchy rooted in :class:`TemporalError`.

The Rust core raises these classes by name, so every error from the package can be
caught with ``except TemporalError``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class TemporalError(Exception):
    """Base class of every error raised by ``app.temporal``."""


class ConfigProblem(NamedTuple):
    """One problem found in the configuration."""

    field: str | None
    """The setting concerned, when there is one."""
    source: str | None
    """Where its value came from (an environment variable, a file and line, ...)."""
    message: str
    """What is wrong and what is allowed."""


class ConfigError(TemporalError, ValueError):
    """Invalid configuration; :attr:`problems` lists every problem found."""

    problems: tuple[ConfigProblem, ...]

    def __init__(
        self,
        message: str,
        problems: Iterable[tuple[str | None, str | None, str]] = (),
    ) -> None:
        super().__init__(message)
        self.problems = tuple(ConfigProblem(*p) for p in problems)


class TemporalConnectionError(TemporalError, ConnectionError):
    """The Temporal server could not be reached; the message names the address and cause."""


class DevServerError(TemporalError):
    """The embedded Temporal dev server could not start or stopped unexpectedly."""


class TemporalCLINotFoundError(DevServerError):
    """The ``temporal`` executable is missing; the message says how to install it."""


__all__ = [
    "ConfigError",
    "ConfigProblem",
    "DevServerError",
    "TemporalCLINotFoundError",
    "TemporalConnectionError",
    "TemporalError",
]
