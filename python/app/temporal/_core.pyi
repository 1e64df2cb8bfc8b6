# Type stubs of the Rust extension module; checked against it by stubtest.
import os
from collections.abc import Generator
from pathlib import Path
from typing import Any, Literal, TypedDict, final

from app.temporal._client.values import RetryPolicy, TLSConfig

_StrPath = str | os.PathLike[str]

# Records cross as plain dicts with these fields (the Rust structs' serde form);
# app.temporal.stores and app.temporal.replay build their dataclasses from them.

class _KnowledgeEntry(TypedDict):
    id: str
    category: str
    title: str
    summary: str
    content: str
    keywords: list[str]
    word_count: int
    content_hash: str
    source: str
    user_id: str | None
    workflow_id: str | None
    created_at: float

class _KnowledgeHit(TypedDict):
    id: str
    title: str
    category: str
    snippet: str
    rank: float

class _ImageRecord(TypedDict):
    workflow_id: str
    image_path: str
    prompt: str
    style: str
    size: str
    backend: str
    sha256: str
    bytes: int
    user_id: str | None
    metadata: dict[str, Any]
    created_at: float

class _ImageStatistics(TypedDict):
    total: int
    total_bytes: int
    by_backend: dict[str, int]
    by_style: dict[str, int]

class _StoredMemory(TypedDict):
    id: int
    conversation_id: str
    user_id: str | None
    kind: str
    text: str
    subject: str | None
    value: str | None
    role: str
    message_index: int
    timestamp: str | None
    confidence: float
    workflow_id: str | None
    created_at: float

class _MemoryHit(_StoredMemory):
    snippet: str
    rank: float

class _Erased(TypedDict):
    memories: int
    knowledge: int
    knowledge_json_entries: int
    images: int
    image_files: int
    analysis_outputs: int

class _Replayed(TypedDict, total=False):
    source: str
    workflow_type: str
    workflow_id: str
    events: int
    result: Literal["ok", "non_deterministic", "failed", "unreadable"]
    event_id: int | None
    message: str

__all__ = [
    "ActivitiesCore",
    "BlackVaultCore",
    "ClientCore",
    "DevServerProcess",
    "ImageStoreCore",
    "KnowledgeStoreCore",
    "MemoryStoreCore",
    "Pending",
    "TemporalConfig",
    "WorkerCore",
    "__version__",
    "canonical_text",
    "check_worker_hosting",
    "cloud_address",
    "config_fields",
    "content_hash",
    "error_classes",
    "forget_user",
    "locate_temporal_cli",
    "memory_kinds",
    "memory_limits",
    "replay_workflows",
    "request_problem",
    "serve_analysis_step",
    "set_log_level",
    "stop_calls_into_python",
    "worker_groups",
    "worker_workflow_types",
    "workflow_schemas",
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
        worker_build_id: str | None = None,
        worker_deployment_name: str | None = None,
        worker_versioning: bool | None = None,
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
        artifacts_dir: _StrPath | None = None,
        store_url: str | None = None,
        connect_timeout: int | None = None,
        graceful_shutdown_timeout: int | None = None,
        log_level: str | None = None,
        analysis_allowed_roots: str | None = None,
        analysis_max_file_bytes: int | None = None,
        analysis_max_cells: int | None = None,
        analysis_max_columns: int | None = None,
        analysis_max_numeric_columns: int | None = None,
        analysis_max_decompressed_bytes: int | None = None,
        analysis_isolation: bool | None = None,
        analysis_memory_limit: int | None = None,
        metrics_address: str | None = None,
        image_max_bytes: int | None = None,
        openai_api_key: str | None = None,
        openai_base_url: str | None = None,
        huggingface_api_key: str | None = None,
        huggingface_api_url: str | None = None,
        huggingface_model: str | None = None,
        image_api_max_retries: int | None = None,
        image_api_backoff_factor: float | None = None,
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
    def worker_build_id(self) -> str | None: ...
    @property
    def worker_deployment_name(self) -> str: ...
    @property
    def worker_versioning(self) -> bool: ...
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
    def artifacts_dir(self) -> Path | None: ...
    @property
    def store_url(self) -> str | None: ...
    @property
    def connect_timeout(self) -> int: ...
    @property
    def graceful_shutdown_timeout(self) -> int: ...
    @property
    def log_level(self) -> str: ...
    @property
    def analysis_allowed_roots(self) -> str | None: ...
    @property
    def analysis_max_file_bytes(self) -> int: ...
    @property
    def analysis_max_cells(self) -> int: ...
    @property
    def analysis_max_columns(self) -> int: ...
    @property
    def analysis_max_numeric_columns(self) -> int: ...
    @property
    def analysis_max_decompressed_bytes(self) -> int: ...
    @property
    def analysis_isolation(self) -> bool: ...
    @property
    def analysis_memory_limit(self) -> int: ...
    @property
    def metrics_address(self) -> str | None: ...
    @property
    def image_max_bytes(self) -> int: ...
    @property
    def openai_api_key(self) -> str | None: ...
    @property
    def openai_base_url(self) -> str: ...
    @property
    def huggingface_api_key(self) -> str | None: ...
    @property
    def huggingface_api_url(self) -> str: ...
    @property
    def huggingface_model(self) -> str: ...
    @property
    def image_api_max_retries(self) -> int: ...
    @property
    def image_api_backoff_factor(self) -> float: ...
    @property
    def is_cloud(self) -> bool: ...
    @property
    def tls_enabled(self) -> bool: ...
    def connection_target(self) -> tuple[str, str]: ...
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
        tls: TLSConfig | None = None,
    ) -> Pending: ...
    @property
    def address(self) -> str: ...
    @property
    def namespace(self) -> str: ...
    def close(self) -> None: ...
    def health_check(self) -> Pending: ...
    def describe_namespace(self) -> Pending: ...
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
        retry_policy: RetryPolicy | None = None,
        memo: list[tuple[str, bytes]] = ...,
        search_attributes: list[tuple[str, bytes]] = ...,
        request_eager_start: bool = False,
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
        self,
        workflow_id: str,
        run_id: str | None,
        query: str,
        args: list[bytes],
        reject_condition: str = "none",
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

@final
class WorkerCore:
    @staticmethod
    def start(
        client: ClientCore,
        config: TemporalConfig,
        task_queue: str | None = None,
        *,
        workflows: list[str] | None = None,
        activities: list[str] | None = None,
        max_concurrent_activities: int | None = None,
        max_concurrent_workflow_tasks: int | None = None,
    ) -> WorkerCore: ...
    @property
    def task_queue(self) -> str: ...
    def shutdown(self) -> None: ...
    def wait(self) -> Pending: ...
    def is_running(self) -> bool: ...

def worker_workflow_types() -> list[str]: ...
def worker_groups() -> list[tuple[str, str, list[str]]]: ...
def serve_analysis_step() -> int: ...
def check_worker_hosting(
    workflows: list[str] | None = None, activities: list[str] | None = None
) -> None: ...

@final
class ActivitiesCore:
    def __new__(cls, config: TemporalConfig) -> ActivitiesCore: ...
    def call(self, name: str, argument: str) -> Pending: ...
    @staticmethod
    def names() -> list[str]: ...

@final
class KnowledgeStoreCore:
    def __new__(cls, data_dir: Path, store_url: str | None = None) -> KnowledgeStoreCore: ...
    def get(self, id: str) -> _KnowledgeEntry | None: ...
    def search(
        self, text: str, category: str | None = None, limit: int = 10
    ) -> list[_KnowledgeHit]: ...
    def count(self) -> int: ...
    @property
    def location(self) -> str: ...
    def sync_knowledge_json(self) -> int: ...

@final
class ImageStoreCore:
    def __new__(cls, data_dir: Path, store_url: str | None = None) -> ImageStoreCore: ...
    def history(self, limit: int = 10) -> list[_ImageRecord]: ...
    def statistics(self) -> _ImageStatistics: ...

@final
class MemoryStoreCore:
    def __new__(cls, data_dir: Path, store_url: str | None = None) -> MemoryStoreCore: ...
    def search(
        self,
        query: str,
        user_id: str | None = None,
        kind: str | None = None,
        limit: int = 10,
    ) -> list[_MemoryHit]: ...
    def for_conversation(self, conversation_id: str) -> list[_StoredMemory]: ...
    def forget(
        self,
        conversation_id: str | None = None,
        user_id: str | None = None,
        timeout: float | None = None,
    ) -> int: ...
    def count(self) -> int: ...

def forget_user(
    data_dir: Path,
    user_id: str,
    timeout: float | None = None,
    store_url: str | None = None,
    artifacts_dir: Path | None = None,
) -> _Erased: ...
def error_classes() -> list[tuple[str, list[str]]]: ...
def memory_kinds() -> list[str]: ...
def memory_limits() -> list[tuple[str, int]]: ...

@final
class BlackVaultCore:
    def __new__(cls, data_dir: Path) -> BlackVaultCore: ...
    def add(self, content: str) -> bool: ...
    def remove(self, content: str) -> bool: ...
    def contains(self, content: str) -> bool: ...
    @property
    def database(self) -> Path: ...

def content_hash(content: str) -> str: ...
def canonical_text(content: str) -> str: ...
def workflow_schemas() -> list[tuple[str, list[str], dict[str, Any]]]: ...
def request_problem(workflow_type: str, request: str) -> str | None: ...
def set_log_level(level: str) -> None: ...
def stop_calls_into_python() -> None: ...
def replay_workflows(
    files: list[Path],
    client: ClientCore | None = None,
    workflow_types: list[str] | None = None,
    closed_since: int | None = None,
    limit: int = 100,
) -> Pending: ...
