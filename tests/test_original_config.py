"""``app.temporal.config`` as the original integration's code and tests use it."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.temporal.config import TemporalConfig, get_temporal_config, reload_temporal_config

# The original's fields and defaults (pydantic settings with the TEMPORAL_ prefix).
ORIGINAL_DEFAULTS = {
    "host": "localhost:7233",
    "namespace": "default",
    "task_queue": "project-ai-tasks",
    "cloud_namespace": None,
    "cloud_cert_path": None,
    "cloud_key_path": None,
    "cloud_api_key": None,
    "max_concurrent_activities": 50,
    "max_concurrent_workflows": 50,
    "worker_identity": "project-ai-worker",
    "workflow_execution_timeout": 3600,
    "workflow_run_timeout": 1800,
    "activity_start_to_close_timeout": 300,
    "max_retry_attempts": 3,
    "initial_retry_interval": 1,
    "max_retry_interval": 30,
}


def test_every_original_field_with_its_default(clean_env: Path) -> None:
    config = TemporalConfig()
    assert {name: getattr(config, name) for name in ORIGINAL_DEFAULTS} == ORIGINAL_DEFAULTS


def test_given_values_win(clean_env: Path) -> None:
    config = TemporalConfig(host="custom-host:7233", namespace="custom", task_queue="q")
    assert (config.host, config.namespace, config.task_queue) == ("custom-host:7233", "custom", "q")


def test_is_cloud(clean_env: Path) -> None:
    assert TemporalConfig().is_cloud is False
    assert TemporalConfig(cloud_namespace="my-namespace.a2b3c").is_cloud is True


def test_connection_string(clean_env: Path) -> None:
    local = TemporalConfig(host="localhost:7233").get_connection_string()
    assert "Temporal Server" in local and "localhost:7233" in local
    cloud = TemporalConfig(cloud_namespace="my-namespace.a2b3c").get_connection_string()
    assert "Temporal Cloud" in cloud and "my-namespace.a2b3c" in cloud


def test_shared_config_and_reload(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = reload_temporal_config()
    assert get_temporal_config() is first
    assert get_temporal_config() is get_temporal_config()
    monkeypatch.setenv("TEMPORAL_TASK_QUEUE", "after-reload")
    assert get_temporal_config().task_queue != "after-reload"  # loaded once...
    again = reload_temporal_config()  # ...until reloaded
    assert again is not first and again.task_queue == "after-reload"
    assert get_temporal_config() is again


def test_env_file_is_read_with_the_prefix(clean_env: Path) -> None:
    (clean_env / ".env.temporal").write_text("TEMPORAL_MAX_CONCURRENT_ACTIVITIES=7\n")
    assert TemporalConfig().max_concurrent_activities == 7
