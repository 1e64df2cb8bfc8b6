"""Every configuration source and the precedence order:
arguments > process env > .env.temporal > temporal.toml profile > defaults."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest

from app.temporal import TemporalConfig, get_temporal_config, reload_temporal_config
from app.temporal.config import config_fields

FIELDS = config_fields()

# A private key must be PEM text.
PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2Vw\n-----END PRIVATE KEY-----\n"

# A valid value other than the default, per kind, as an environment variable would hold it.
SAMPLE = {"str": "sample-value", "int": "7", "bool": "true", "Path": "some/dir"}


def sample_for(field: dict[str, Any]) -> tuple[str, Any]:
    """(text for the environment, the attribute value expected back)."""
    name, kind = field["name"], field["type"].replace(" | None", "")
    if name in ("host", "metrics_address"):
        return "example.org:7000", "example.org:7000"
    if name == "log_level":
        return "debug", "DEBUG"
    if name == "store_url":
        return "postgresql://ai:pw@db.example:5432/project_ai", (
            "postgresql://ai:pw@db.example:5432/project_ai"
        )
    if name == "tls_client_key_data":
        return PRIVATE_KEY, PRIVATE_KEY
    if name == "tls_disable_host_verification":  # only false is allowed (see validation tests)
        return "false", False
    if kind == "int":
        return "7", 7
    if kind == "float":
        return "1.25", 1.25
    if kind == "bool":
        return "true", True
    if kind == "Path":
        return "some/dir", Path("some/dir")
    return "sample-value", "sample-value"


def test_defaults_are_the_original_integrations(clean_env: Path) -> None:
    c = TemporalConfig()
    assert (c.host, c.namespace, c.task_queue) == ("localhost:7233", "default", "project-ai-tasks")
    assert (c.cloud_namespace, c.cloud_cert_path, c.cloud_key_path, c.cloud_api_key) == (
        None,
        None,
        None,
        None,
    )
    assert (c.max_concurrent_activities, c.max_concurrent_workflows) == (50, 50)
    assert c.worker_identity == "project-ai-worker"
    assert (c.workflow_execution_timeout, c.workflow_run_timeout) == (3600, 1800)
    assert c.activity_start_to_close_timeout == 300
    assert (c.max_retry_attempts, c.initial_retry_interval, c.max_retry_interval) == (3, 1, 30)
    assert (c.data_dir, c.connect_timeout, c.graceful_shutdown_timeout) == (Path("data"), 10, 30)
    assert c.log_level == "INFO"
    assert not c.is_cloud and not c.tls_enabled
    assert c.get_connection_string() == "Temporal Server: localhost:7233"
    assert all(c.origin(f["name"]) == "the default" for f in FIELDS)


@pytest.mark.parametrize("field", FIELDS, ids=[f["name"] for f in FIELDS])
def test_every_setting_reads_its_environment_variable(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, field: dict[str, Any]
) -> None:
    text, expected = sample_for(field)
    monkeypatch.setenv(field["env"], text)
    if field["name"] == "cloud_cert_path":  # a certificate needs its key, both readable
        (clean_env / "some").mkdir()
        (clean_env / "some/dir").write_text("cert")
        (clean_env / "key.pem").write_text("key")
        monkeypatch.setenv("TEMPORAL_CLOUD_KEY_PATH", "key.pem")
    elif field["name"] == "cloud_key_path":
        (clean_env / "some").mkdir()
        (clean_env / "some/dir").write_text("key")
        (clean_env / "cert.pem").write_text("cert")
        monkeypatch.setenv("TEMPORAL_CLOUD_CERT_PATH", "cert.pem")
    elif field["name"] == "tls_server_ca_cert_path":
        (clean_env / "some").mkdir()
        (clean_env / "some/dir").write_text("ca")
    elif field["name"] == "tls_client_cert_data":
        monkeypatch.setenv("TEMPORAL_TLS_CLIENT_KEY_DATA", PRIVATE_KEY)
    elif field["name"] == "tls_client_key_data":
        monkeypatch.setenv("TEMPORAL_TLS_CLIENT_CERT_DATA", "cert")
    config = TemporalConfig()
    assert getattr(config, field["name"]) == expected
    assert config.origin(field["name"]) == f"environment variable {field['env']}"


@pytest.mark.parametrize(
    ("variable", "field", "value"),
    [
        ("TEMPORAL_ADDRESS", "host", "temporal.example:7233"),
        ("TEMPORAL_API_KEY", "cloud_api_key", "key-123"),
        ("TEMPORAL_NAMESPACE", "namespace", "prod"),
    ],
)
def test_official_temporal_variables(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, variable: str, field: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    assert getattr(TemporalConfig(), field) == value


def test_official_tls_variables(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / "c.pem").write_text("cert")
    (clean_env / "k.pem").write_text("key")
    monkeypatch.setenv("TEMPORAL_TLS_CLIENT_CERT_PATH", "c.pem")
    monkeypatch.setenv("TEMPORAL_TLS_CLIENT_KEY_PATH", "k.pem")
    monkeypatch.setenv("TEMPORAL_TLS_SERVER_NAME", "srv.example")
    monkeypatch.setenv("TEMPORAL_TLS_DISABLE_HOST_VERIFICATION", "0")
    c = TemporalConfig()
    assert (c.cloud_cert_path, c.cloud_key_path) == (Path("c.pem"), Path("k.pem"))
    assert c.tls_server_name == "srv.example" and not c.tls_disable_host_verification
    assert c.tls_enabled and c.tls is None


def test_env_file_is_read(clean_env: Path) -> None:
    (clean_env / ".env.temporal").write_text(
        "# Project-AI\nTEMPORAL_HOST=from-file:7233\n\nTEMPORAL_MAX_RETRY_ATTEMPTS=5\nOTHER=x\n"
    )
    c = TemporalConfig()
    assert (c.host, c.max_retry_attempts) == ("from-file:7233", 5)
    assert c.origin("host").endswith(".env.temporal line 2")
    assert TemporalConfig(env_file=None).host == "localhost:7233"


PROFILE_FILE = """\
[profile.default]
address = "profile-default:7233"
namespace = "from-profile"

[profile.cloud]
address = "acme.a1b2c.tmprl.cloud:7233"
namespace = "acme.a1b2c"
api_key = "profile-secret-key"

[profile.cloud.tls]
server_name = "acme.a1b2c.tmprl.cloud"
"""


def test_profile_file_default_location(clean_env: Path) -> None:
    path = clean_env / "xdg" / "temporalio" / "temporal.toml"
    path.parent.mkdir(parents=True)
    path.write_text(PROFILE_FILE)
    c = TemporalConfig()
    assert (c.host, c.namespace) == ("profile-default:7233", "from-profile")
    assert c.origin("namespace") == f"key namespace of profile 'default' in {path} line 3"


def test_named_profile_from_config_file_variable(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_env / "t.toml").write_text(PROFILE_FILE)
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", "t.toml")
    monkeypatch.setenv("TEMPORAL_PROFILE", "cloud")
    c = TemporalConfig()
    assert c.host == "acme.a1b2c.tmprl.cloud:7233"
    assert c.cloud_api_key == "profile-secret-key"
    assert c.tls_server_name == "acme.a1b2c.tmprl.cloud"
    assert c.tls_enabled
    assert TemporalConfig(profile="default").host == "profile-default:7233"


def test_precedence_order(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / "t.toml").write_text('[profile.default]\naddress = "profile:1"\n')
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", "t.toml")
    assert TemporalConfig().host == "profile:1"
    (clean_env / ".env.temporal").write_text("TEMPORAL_HOST=envfile:2\n")
    assert TemporalConfig().host == "envfile:2"
    monkeypatch.setenv("TEMPORAL_HOST", "process:3")
    assert TemporalConfig().host == "process:3"
    c = TemporalConfig(host="argument:4")
    assert c.host == "argument:4" and c.origin("host") == "the constructor argument"


def test_a_higher_source_replaces_a_path_data_pair(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_env / "ca.pem").write_text("ca")
    (clean_env / ".env.temporal").write_text("TEMPORAL_TLS_SERVER_CA_CERT_PATH=ca.pem\n")
    monkeypatch.setenv("TEMPORAL_TLS_SERVER_CA_CERT_DATA", "PEM DATA")
    c = TemporalConfig()
    assert c.tls_server_ca_cert_data == "PEM DATA" and c.tls_server_ca_cert_path is None


def test_shared_instance_and_reload(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = reload_temporal_config()
    assert get_temporal_config() is first is get_temporal_config()
    monkeypatch.setenv("TEMPORAL_NAMESPACE", "reloaded")
    assert get_temporal_config().namespace == "default"
    assert reload_temporal_config().namespace == "reloaded"
    assert get_temporal_config().namespace == "reloaded"


def test_cloud_helpers(clean_env: Path) -> None:
    c = TemporalConfig(cloud_namespace="acme.a1b2c")
    assert c.is_cloud and c.tls_enabled
    assert c.get_connection_string() == "Temporal Cloud: acme.a1b2c"


def test_python_constructor_matches_the_settings_table() -> None:
    """Rust's settings table, the extension's constructor and the stub agree."""
    names = [f["name"] for f in FIELDS]
    params = list(inspect.signature(TemporalConfig).parameters)
    assert params == ["env_file", "config_file", "profile", *names]
    stub = (Path(__file__).parent.parent / "python/app/temporal/_core.pyi").read_text()
    for name in names:
        assert f"def {name}(self)" in stub and f"        {name}: " in stub
    assert set(TemporalConfig().to_dict()) == set(names)
