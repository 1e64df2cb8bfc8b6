"""Each validation problem gives a ConfigError naming the setting, its source and what is
allowed; secrets never show in repr, str, to_dict or errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from app.temporal import ConfigError, TemporalConfig, TemporalError


def problem_text(**kwargs: object) -> str:
    with pytest.raises(ConfigError) as info:
        TemporalConfig(**kwargs)  # type: ignore[arg-type]
    assert isinstance(info.value, (TemporalError, ValueError))
    return str(info.value)


@pytest.mark.parametrize(
    ("host", "says"),
    [
        ("", "host must not be empty"),
        ("localhost", "must be host:port"),
        ("local host:7233", "not a valid host name"),
        ("localhost:http", "is not a number"),
        ("localhost:0", "outside 1..65535"),
        ("localhost:65536", "outside 1..65535"),
        ("grpc://localhost:7233", "without a scheme"),
    ],
)
def test_bad_hosts(clean_env: Path, host: str, says: str) -> None:
    text = problem_text(host=host)
    assert says in text and "host" in text and "constructor argument" in text


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"worker_deployment_name": "project.ai"}, 'worker_deployment_name "project.ai" contains'),
        ({"worker_deployment_name": "a:b"}, "contains '.' or ':'"),
        ({"worker_build_id": "x" * 256}, "longer than 255 bytes"),
        ({"worker_build_id": "0.2 beta"}, "contains spaces or control characters"),
    ],
)
def test_bad_deployment_versions(clean_env: Path, settings: dict[str, object], says: str) -> None:
    text = problem_text(**settings)
    assert says in text and "use up to 255 visible characters" in text


def test_a_deployment_version_may_name_a_release(clean_env: Path) -> None:
    config = TemporalConfig(worker_build_id="0.2.0-rc.1+g1a2b", worker_deployment_name="pai_2")
    assert config.worker_build_id == "0.2.0-rc.1+g1a2b" and config.worker_deployment_name == "pai_2"
    assert "must not be empty" in problem_text(worker_deployment_name="")


def test_environment_source_is_named(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_MAX_CONCURRENT_ACTIVITIES", "lots")
    text = problem_text()
    assert "max_concurrent_activities must be a whole number of at least 1" in text
    assert '"lots"' in text and "environment variable TEMPORAL_MAX_CONCURRENT_ACTIVITIES" in text


def test_env_file_line_is_named(clean_env: Path) -> None:
    (clean_env / ".env.temporal").write_text("TEMPORAL_HOST=ok:1\n\nTEMPORAL_CONNECT_TIMEOUT=-3\n")
    text = problem_text()
    assert "connect_timeout" in text and ".env.temporal line 3" in text


def test_profile_line_is_named(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / "t.toml").write_text('[profile.default]\n\naddress = "nope"\n')
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", "t.toml")
    text = problem_text()
    assert "must be host:port" in text and "profile 'default'" in text and "t.toml line 3" in text


@pytest.mark.parametrize(
    "name",
    [
        "max_concurrent_activities",
        "max_concurrent_workflows",
        "workflow_run_timeout",
        "activity_start_to_close_timeout",
        "max_retry_attempts",
        "connect_timeout",
    ],
)
def test_non_positive_counts_and_timeouts(clean_env: Path, name: str) -> None:
    assert f"{name} must be at least 1, got 0" in problem_text(**{name: 0})
    assert f"{name} must be a whole number of at least 1" in problem_text(**{name: "-1"})


def test_wrong_python_type(clean_env: Path) -> None:
    assert "max_retry_attempts must be an int, got list" in problem_text(max_retry_attempts=[1])


def test_retry_interval_order(clean_env: Path) -> None:
    text = problem_text(initial_retry_interval=10, max_retry_interval=5)
    assert "max_retry_interval (5 s) must be at least initial_retry_interval (10 s)" in text


def test_certificate_and_key_go_together(clean_env: Path) -> None:
    (clean_env / "c.pem").write_text("c")
    assert "certificate is set without its private key" in problem_text(cloud_cert_path="c.pem")
    assert "private key is set without its certificate" in problem_text(cloud_key_path="c.pem")


def test_unreadable_certificate(clean_env: Path) -> None:
    (clean_env / "k.pem").write_text("k")
    text = problem_text(cloud_cert_path="missing.pem", cloud_key_path="k.pem")
    assert "cloud_cert_path missing.pem: cannot be read" in text


def test_path_and_data_both_set(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / "c.pem").write_text("c")
    monkeypatch.setenv("TEMPORAL_TLS_CLIENT_CERT_PATH", "c.pem")
    monkeypatch.setenv("TEMPORAL_TLS_CLIENT_CERT_DATA", "PEM")
    monkeypatch.setenv("TEMPORAL_TLS_CLIENT_KEY_DATA", "KEY")
    text = problem_text()
    assert "cloud_cert_path and tls_client_cert_data are both set" in text


def test_unknown_profile(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / "t.toml").write_text('[profile.default]\naddress = "a:1"\n')
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", "t.toml")
    text = problem_text(profile="staging")
    assert "profile 'staging' is not in t.toml; the profiles there: default" in text


def test_host_and_address_disagree(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_HOST", "a:1")
    monkeypatch.setenv("TEMPORAL_ADDRESS", "b:2")
    text = problem_text()
    assert "TEMPORAL_HOST" in text and "TEMPORAL_ADDRESS" in text and "disagree" in text


def test_host_verification_cannot_be_disabled(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEMPORAL_TLS_DISABLE_HOST_VERIFICATION", "true")
    text = problem_text()
    assert "tls_disable_host_verification is not supported" in text
    assert "TEMPORAL_TLS_SERVER_NAME" in text


def test_every_problem_is_reported(clean_env: Path) -> None:
    with pytest.raises(ConfigError) as info:
        TemporalConfig(host="bad", max_retry_attempts=0, log_level="loud")
    fields = {p.field for p in info.value.problems}
    assert fields == {"host", "max_retry_attempts", "log_level"}
    assert all(p.source == "the constructor argument" for p in info.value.problems)


def test_typo_in_env_file(clean_env: Path) -> None:
    (clean_env / ".env.temporal").write_text("TEMPORAL_TASK_QUEU=q\n")
    assert "did you mean TEMPORAL_TASK_QUEUE?" in problem_text()


SECRET = "sk-live-0123456789abcdef"
PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEsecret\n-----END PRIVATE KEY-----\n"


def test_secrets_never_show(clean_env: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    c = TemporalConfig(
        cloud_api_key=SECRET, tls_client_cert_data="CERT", tls_client_key_data=PRIVATE_KEY
    )
    shown = [repr(c), str(c), str(c.to_dict())]
    assert c.to_dict()["cloud_api_key"] == "**********"
    logging.getLogger("app.temporal").info("config: %s", c)
    shown.append(caplog.text)
    for text in shown:
        assert SECRET not in text and "MIIEsecret" not in text
    assert c.cloud_api_key == SECRET  # the client still gets the real value


def test_secrets_never_show_in_errors(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_API_KEY", SECRET)
    monkeypatch.setenv("TEMPORAL_CLOUD_API_KEY", SECRET + "-other")
    text = problem_text()
    assert "TEMPORAL_API_KEY" in text and SECRET not in text
