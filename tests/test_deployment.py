"""The deployment files agree with TemporalConfig and with each other: docker-compose.yml,
the Dockerfile, config/temporal/development.yaml and .env.temporal.example. No Docker
engine runs here, so the files are parsed and checked, and the dynamic config is given to
the real (embedded) Temporal server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import yaml

from app.temporal import DevServer, KnowledgeStore, TemporalConfig
from app.temporal.cli import build_parser
from app.temporal.config import config_fields
from tests.postgres import Postgres

ROOT = Path(__file__).parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = COMPOSE["services"]
DYNAMIC = ROOT / "config" / "temporal" / "development.yaml"
FIELDS = {f["name"]: f for f in config_fields()}
VARIABLES = {f["env"] for f in FIELDS.values()} | {a for f in FIELDS.values() for a in f["aliases"]}
# The original integration's dynamic config keys.
ORIGINAL_KEYS = {
    "frontend.enableClientVersionCheck", "frontend.enableServerVersionCheck",
    "history.persistenceMaxQPS", "matching.numTaskqueueReadPartitions",
    "matching.numTaskqueueWritePartitions", "worker.enableReplicator",
    "system.namespaceRefreshRate", "limit.maxIDLength", "limit.blobSizeLimitError",
    "limit.blobSizeLimitWarn", "retention.retentionDays",
}  # fmt: skip


def toml_value(file: str, key: str) -> str:
    """The string value of a `key = "value"` line (tomllib needs Python 3.11)."""
    text = (ROOT / file).read_text(encoding="utf-8")
    found = re.search(rf'^{re.escape(key)}\s*=\s*"([^"]*)"', text, flags=re.MULTILINE)
    assert found is not None, f"{key} in {file}"
    return found.group(1)


def ports(service: str) -> dict[int, int]:
    """Published port -> container port."""
    pairs = (str(p).split(":")[-2:] for p in SERVICES[service].get("ports", []))
    return {int(host): int(container) for host, container in pairs}


def default_port() -> int:
    return int(str(FIELDS["host"]["default"]).rsplit(":", 1)[1])


def test_services_and_ports() -> None:
    assert set(SERVICES) == {"temporal-postgresql", "temporal", "temporal-ui", "temporal-worker"}
    # The configured default address reaches the server's gRPC frontend...
    assert ports("temporal") == {default_port(): 7233}
    # ...and 8233 is the Web UI container (the original mapped it to the server: no UI there).
    assert SERVICES["temporal-ui"]["image"].startswith("temporalio/ui:")
    assert ports("temporal-ui") == {8233: 8080}
    assert SERVICES["temporal"]["image"].startswith("temporalio/auto-setup:")


def test_services_find_each_other() -> None:
    temporal = SERVICES["temporal"]["environment"]
    database = SERVICES["temporal-postgresql"]["environment"]
    assert temporal["DB"] == "postgres12" and temporal["POSTGRES_SEEDS"] == "temporal-postgresql"
    assert temporal["POSTGRES_USER"] == database["POSTGRES_USER"]
    assert temporal["POSTGRES_PWD"] == database["POSTGRES_PASSWORD"]
    assert SERVICES["temporal"]["depends_on"]["temporal-postgresql"]["condition"] == (
        "service_healthy"
    )
    server = f"temporal:{ports('temporal')[default_port()]}"
    assert SERVICES["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == server
    assert SERVICES["temporal-worker"]["environment"]["TEMPORAL_HOST"] == server
    for service in SERVICES.values():
        assert service["networks"] == ["project-ai-network"]
    # The dynamic config file the server is told to read is the one in this repository.
    mount = "./config/temporal:/etc/temporal/config/dynamicconfig"
    assert mount in SERVICES["temporal"]["volumes"]
    path = temporal["DYNAMIC_CONFIG_FILE_PATH"]
    assert path.startswith("config/dynamicconfig/")
    assert (DYNAMIC.parent / path.removeprefix("config/dynamicconfig/")).is_file()


def test_worker_environment_is_valid_configuration(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = SERVICES["temporal-worker"]
    settings = {
        k: str(v)
        for k, v in worker["environment"].items()
        if k.startswith(("TEMPORAL_", "PROJECT_AI_"))
    }
    assert set(settings) <= VARIABLES, set(settings) - VARIABLES
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    config = TemporalConfig(env_file=None)
    assert config.host == "temporal:7233"
    assert config.task_queue == FIELDS["task_queue"]["default"]
    assert config.namespace == FIELDS["namespace"]["default"]
    # The data dir is the mounted volume, so results outlive the container.
    assert f"./data:{config.data_dir}" in worker["volumes"]
    # The command is a CLI command; docker stop waits out the graceful shutdown.
    assert build_parser().parse_args(worker["command"]).command == "worker"
    grace = int(str(worker["stop_grace_period"]).removesuffix("s"))
    assert grace > config.graceful_shutdown_timeout
    assert worker["build"] == {"context": ".", "dockerfile": "Dockerfile"}


def test_worker_stores_use_their_own_database_which_the_init_script_makes(
    postgres_server: Postgres, tmp_path: Path
) -> None:
    """The worker's store_url names the compose PostgreSQL with a role and database other than
    Temporal's; config/postgres/init-stores.sql, run by that container at its first start,
    makes them, and a store opens with those credentials (run here on the test server)."""
    database = SERVICES["temporal-postgresql"]
    assert "./config/postgres:/docker-entrypoint-initdb.d:ro" in database["volumes"]
    url = urlsplit(SERVICES["temporal-worker"]["environment"]["PROJECT_AI_STORE_URL"])
    assert (url.hostname, url.port) == ("temporal-postgresql", 5432)
    assert url.username != database["environment"]["POSTGRES_USER"]
    assert url.path.lstrip("/") != database["environment"]["POSTGRES_DB"]
    depends = SERVICES["temporal-worker"]["depends_on"]
    assert depends["temporal-postgresql"]["condition"] == "service_healthy"
    init = (ROOT / "config" / "postgres" / "init-stores.sql").read_text(encoding="utf-8")
    for statement in filter(str.strip, init.split(";")):
        sql = "\n".join(line for line in statement.splitlines() if not line.startswith("--"))
        postgres_server.psql(sql)
    here = url._replace(netloc=f"{url.username}:{url.password}@127.0.0.1:{postgres_server.port}")
    store = KnowledgeStore(tmp_path, store_url=urlunsplit(here))
    assert store.count() == 0


def test_dockerfile_is_multi_stage_and_builds_with_maturin() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM\s+(\S+)\s+AS\s+(\w+)", text, flags=re.MULTILINE)
    assert [name for _, name in stages] == ["build", "runtime"]
    assert all("slim" in image for image, _ in stages)
    build, runtime = text.split("AS runtime")
    assert "maturin build --release --locked" in build
    assert "COPY --from=build /wheels" in runtime and "cargo" not in runtime
    # What the build copies exists, and covers what Cargo and maturin read.
    sources = {
        s for line in re.findall(r"^COPY (?!--from)(.+)$", build, flags=re.MULTILINE)
        for s in line.split()[:-1]
    }  # fmt: skip
    assert all((ROOT / s).exists() for s in sources), sources
    assert {"Cargo.toml", "Cargo.lock", "pyproject.toml", "src"} <= sources
    assert {
        toml_value("pyproject.toml", "readme"),
        toml_value("pyproject.toml", "python-source"),
    } <= (sources)
    # The toolchain is new enough for the crate.
    rust = re.search(r"RUST_VERSION=(\d+)\.(\d+)", text)
    assert rust is not None
    minimum = tuple(int(p) for p in toml_value("Cargo.toml", "rust-version").split("."))
    assert (int(rust.group(1)), int(rust.group(2))) >= minimum
    # The runtime runs the console script, with the data dir the compose file mounts.
    assert 'ENTRYPOINT ["project-ai-temporal"]' in runtime
    assert toml_value("pyproject.toml", "project-ai-temporal") == "app.temporal.cli:main"
    assert "PROJECT_AI_DATA_DIR=/app/data" in runtime


def test_dynamic_config_has_the_original_keys_in_temporal_format() -> None:
    config = yaml.safe_load(DYNAMIC.read_text(encoding="utf-8"))
    assert set(config) == ORIGINAL_KEYS
    allowed_constraints = {"namespace", "namespaceId", "taskQueueName", "taskType", "shardId"}
    for key, entries in config.items():
        assert isinstance(entries, list) and entries, key
        for entry in entries:
            assert set(entry) == {"value", "constraints"}, key
            assert set(entry["constraints"]) <= allowed_constraints, key
    assert config["limit.blobSizeLimitError"][0]["value"] == 2 * 1024 * 1024
    assert config["limit.blobSizeLimitWarn"][0]["value"] < 2 * 1024 * 1024


def test_dynamic_config_is_accepted_by_the_real_server(tmp_path: Path) -> None:
    config = yaml.safe_load(DYNAMIC.read_text(encoding="utf-8"))
    values = {key: entries[0]["value"] for key, entries in config.items()}
    with DevServer(headless=True, dynamic_config=values, log_file=tmp_path / "server.log") as s:
        assert s.is_running
    log = (tmp_path / "server.log").read_text(encoding="utf-8")
    assert "Failed to convert value" not in log, log


def test_env_example_lists_every_setting_with_its_default(clean_env: Path) -> None:
    text = (ROOT / ".env.temporal.example").read_text(encoding="utf-8")
    found = dict(re.findall(r"^# ([A-Z][A-Z0-9_]+)=(.*)$", text, flags=re.MULTILINE))
    assert set(found) == {f["env"] for f in FIELDS.values()}
    for field in FIELDS.values():
        expected = "" if field["default"] is None or field["secret"] else field["default"]
        assert found[field["env"]] == expected, field["name"]
    # Uncommented, every value with a default is a valid configuration, equal to the defaults.
    active = clean_env / ".env.temporal"
    active.write_text("".join(f"{k}={v}\n" for k, v in found.items() if v), encoding="utf-8")
    assert TemporalConfig(env_file=active).to_dict() == TemporalConfig(env_file=None).to_dict()


def test_setup_script_docker_path_names_real_services() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "setup_temporal", ROOT / "scripts" / "setup_temporal.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for command, arguments in module.COMPOSE_COMMANDS.items():
        named = {a for a in arguments if not a.startswith("-") and a not in {"up", "stop", "ps"}}
        assert named <= set(SERVICES), (command, named - set(SERVICES))
    assert set(module.COMPOSE_COMMANDS["stop"]) - {"stop"} == set(SERVICES)
