# Type stubs of the Rust extension module; checked against it by stubtest.
import os
from collections.abc import Generator
from pathlib import Path
from typing import Any, final

_StrPath = str | os.PathLike[str]

__all__ = [
    "ClientCore",
    "DevServerProcess",
    "Pending",
    "TemporalConfig",
    "__version__",
    "cloud_address",
    "config_fields",
    "locate_temporal_cli",
]

__version__: str

@final
class TemporalConfig:
    def __new__(
        cls,
        *,
        env_file: _StrPath | None = ...,
        config_file: _StrPath | None = None,
        profile: str | None = None,
        host: str | None = None,
        namespace: str | None = None,
        task_queue: str | None = None,
        cloud_namespace: str | None = None,
        cloud_cert_path: _StrPath | None = None,
        cloud_key_path: _StrPath | None = None,
        cloud_api_key: str | None = None,
        max_concurrent_activities: int | None = None,
        max_concurrent_workflows: int | None = None,
        worker_identity: str | None = None,
        workflow_execution_timeout: int | None = None,
        workflow_run_timeout: int | None = None,
        activity_start_to_close_timeout: int | None = None,
        max_retry_attempts: int | None = None,
        initial_retry_interval: int | None = None,
        max_retry_interval: int | None = None,
        tls: bool | None = None,
        tls_client_cert_data: str | None = None,
        tls_client_key_data: str | None = None,
        tls_server_ca_cert_path: _StrPath | None = None,
        tls_server_ca_cert_data: str | None = None,
        tls_server_name: str | None = None,
        tls_disable_host_verification: bool | None = None,
        data_dir: _StrPath | None = None,
        connect_timeout: int | None = None,
        graceful_shutdown_timeout: int | None = None,
        log_level: str | None = None,
    ) -> TemporalConfig: ...
    @property
    def host(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    @property
    def task_queue(self) -> str: ...
    @property
    def cloud_namespace(self) -> str | None: ...
    @property
    def cloud_cert_path(self) -> Path | None: ...
    @property
    def cloud_key_path(self) -> Path | None: ...
    @property
    def cloud_api_key(self) -> str | None: ...
    @property
    def max_concurrent_activities(self) -> int: ...
    @property
    def max_concurrent_workflows(self) -> int: ...
    @property
    def worker_identity(self) -> str: ...
    @property
    def workflow_execution_timeout(self) -> int: ...
    @property
    def workflow_run_timeout(self) -> int: ...
    @property
    def activity_start_to_close_timeout(self) -> int: ...
    @property
    def max_retry_attempts(self) -> int: ...
    @property
    def initial_retry_interval(self) -> int: ...
    @property
    def max_retry_interval(self) -> int: ...
    @property
    def tls(self) -> bool | None: ...
    @property
    def tls_client_cert_data(self) -> str | None: ...
    @property
    def tls_client_key_data(self) -> str | None: ...
    @property
    def tls_server_ca_cert_path(self) -> Path | None: ...
    @property
    def tls_server_ca_cert_data(self) -> str | None: ...
    @property
    def tls_server_name(self) -> str | None: ...
    @property
    def tls_disable_host_verification(self) -> bool: ...
    @property
    def data_dir(self) -> Path: ...
    @property
    def connect_timeout(self) -> int: ...
    @property
    def graceful_shutdown_timeout(self) -> int: ...
    @property
    def log_level(self) -> str: ...
    @property
    def is_cloud(self) -> bool: ...
    @property
    def tls_enabled(self) -> bool: ...
    def get_connection_string(self) -> str: ...
    def origin(self, name: str) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...

def config_fields() -> list[dict[str, Any]]: ...
def locate_temporal_cli(explicit: Path | None = None, from_extra: Path | None = None) -> Path: ...

@final
class DevServerProcess:
    @staticmethod
    def start(
        executable: Path,
        *,
        ip: str,
        port: int | None,
        ui_port: int | None,
        headless: bool,
        db_filename: Path | None,
        namespaces: list[str],
        dynamic_config: list[str],
        log_file: Path | None,
        log_level: str,
        start_timeout: float,
    ) -> DevServerProcess: ...
    @property
    def address(self) -> str: ...
    @property
    def ui_url(self) -> str | None: ...
    @property
    def pid(self) -> int: ...
    @property
    def log_file(self) -> Path: ...
    def is_running(self) -> bool: ...
    def stop(self, grace: float = 5.0) -> None: ...

@final
class Pending:
    """One call into the Rust core: ``await`` it, or ``wait()`` for it from any thread."""

    def __await__(self) -> Generator[Any, None, Any]: ...
    def wait(self) -> Any: ...

_Pem = bytes | Path

@final
class ClientCore:
    @staticmethod
    def connect(
        config: TemporalConfig,
        *,
        target_host: str | None = None,
        namespace: str | None = None,
        api_key: str | None = None,
        identity: str | None = None,
        tls: tuple[_Pem | None, _Pem | None, _Pem | None, str | None] | None = None,
    ) -> Pending: ...
    @property
    def address(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    def close(self) -> None: ...
    def health_check(self) -> Pending: ...
    def start_workflow(
        self,
        workflow_type: str,
        workflow_id: str,
        task_queue: str,
        args: list[bytes],
        *,
        execution_timeout: float | None = None,
        run_timeout: float | None = None,
        task_timeout: float | None = None,
        id_reuse_policy: str = "allow_duplicate",
        id_conflict_policy: str = "fail",
        retry_policy: tuple[float | None, float | None, float | None, int, list[str]] | None = None,
        memo: list[tuple[str, bytes]] = ...,
        search_attributes: list[tuple[str, bytes]] = ...,
    ) -> Pending: ...
    def result(
        self,
        workflow_id: str,
        run_id: str | None = None,
        *,
        follow_runs: bool = True,
        timeout: float | None = None,
    ) -> Pending: ...
    def query(
        self, workflow_id: str, run_id: str | None, query: str, args: list[bytes]
    ) -> Pending: ...
    def signal(
        self, workflow_id: str, run_id: str | None, signal: str, args: list[bytes]
    ) -> Pending: ...
    def cancel(
        self, workflow_id: str, run_id: str | None = None, reason: str | None = None
    ) -> Pending: ...
    def terminate(
        self, workflow_id: str, run_id: str | None = None, reason: str | None = None
    ) -> Pending: ...
    def describe(self, workflow_id: str, run_id: str | None = None) -> Pending: ...
    def history(self, workflow_id: str, run_id: str | None = None) -> Pending: ...
    def list_page(self, query: str, page_size: int, token: bytes) -> Pending: ...
    def count(self, query: str) -> Pending: ...

def cloud_address(namespace: str) -> str: ...
