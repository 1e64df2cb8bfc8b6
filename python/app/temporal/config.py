"""Configuration of the Temporal integration.

:class:`TemporalConfig` is implemented in Rust; this module adds the process-wide shared
instance that the original integration offered.
"""

from __future__ import annotations

import threading

from app.temporal._core import TemporalConfig, config_fields
from app.temporal.errors import ConfigError, ConfigProblem

_lock = threading.Lock()
_config: TemporalConfig | None = None


def get_temporal_config() -> TemporalConfig:
    """The shared configuration, loaded on first use."""
    global _config
    with _lock:
        if _config is None:
            _config = TemporalConfig()
        return _config


def reload_temporal_config() -> TemporalConfig:
    """Loads the configuration again (after the environment changed) and shares it."""
    global _config
    fresh = TemporalConfig()
    with _lock:
        _config = fresh
    return fresh


__all__ = [
    "ConfigError",
    "ConfigProblem",
    "TemporalConfig",
    "config_fields",
    "get_temporal_config",
    "reload_temporal_config",
]
