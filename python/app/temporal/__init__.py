"""Durable Temporal workflows for Project-AI, implemented in Rust.

``from app.temporal import ...`` gives the configuration, the embedded dev server and the
package's exceptions.
"""

from app.temporal._core import __version__
from app.temporal.config import TemporalConfig, get_temporal_config, reload_temporal_config
from app.temporal.devserver import DevServer
from app.temporal.errors import (
    ConfigError,
    ConfigProblem,
    DevServerError,
    TemporalCLINotFoundError,
    TemporalConnectionError,
    TemporalError,
)

__all__ = [
    "ConfigError",
    "ConfigProblem",
    "DevServer",
    "DevServerError",
    "TemporalCLINotFoundError",
    "TemporalConfig",
    "TemporalConnectionError",
    "TemporalError",
    "__version__",
    "get_temporal_config",
    "reload_temporal_config",
]
