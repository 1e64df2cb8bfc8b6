"""The `project-ai-temporal` CLI against the real dev server and the real worker: every
command, its exit codes (0 ok, 1 workflow failed, 2 usage/config, 3 cannot connect), --json
and help text."""

from __future__ import annotations

import argparse
import http.server
import json
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from app.temporal import DevServer, KnowledgeStore, Worker
from app.temporal.background import read_state
from app.temporal.cli import build_parser, main
from tests.helpers import free_port
from tests.postgres import PASSWORD, USER, Postgres

CONTENT = "Use specific exception types, log with context and clean up with context managers."


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    """Runs the CLI in process with --json; returns the exit code, the JSON document and
    stderr."""
    code = main([*args, "--json"])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def on_worker(worker: Worker) -> list[str]:
    config = worker.config
    return ["--host", config.host, "--task-queue", worker.task_queue, "--data-dir",
            str(config.data_dir)]  # fmt: skip


@pytest.fixture
def cwd(clean_env: Path) -> Path:
    """An empty working directory and no TEMPORAL_* variables."""
    return clean_env


def test_every_command_and_option_has_help() -> None:
    def walk(parser: argparse.ArgumentParser, path: str) -> int:
        seen = 1
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help for a in action._choices_actions}
                for name, sub in action.choices.items():
                    assert helps.get(name), f"{path} {name} has no help"
                    seen += walk(sub, f"{path} {name}")
            elif not isinstance(action, argparse._HelpAction):
                assert action.help, f"{path} {action.option_strings or action.dest} has no help"
        return seen

    assert walk(build_parser(), "project-ai-temporal") >= 16


def test_module_console_script_and_help_exit_zero() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "app.temporal", "run", "data", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "--type" in out.stdout and "--json" in out.stdout
    script = Path(sys.executable).parent / "project-ai-temporal"  # [project.scripts]
    out = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and out.stdout.startswith("project-ai-temporal ")


def test_usage_errors_exit_2_and_name_the_problem(
    capsys: pytest.CaptureFixture[str], cwd: Path
) -> None:
    code, doc, _ = run_cli(capsys, "run", "learning", "--category", "tips")
    assert code == 2 and doc["exit_code"] == 2
    assert "needs content" in doc["error"] and "--content" in doc["fix"]

    (cwd / "req.json").write_text(json.dumps({"prompt": "x", "colour": "red"}))
    code, doc, _ = run_cli(capsys, "run", "image", "--input", "req.json")
    assert code == 2
    assert "no field colour" in doc["error"] and "prompt" in doc["error"]

    (cwd / "bad.json").write_text("{not json")
    code, doc, _ = run_cli(capsys, "run", "image", "--input", "bad.json")
    assert code == 2 and "not valid JSON" in doc["error"]

    code, doc, _ = run_cli(capsys, "server", "start", "--port", "seven")
    assert code == 2 and "invalid int value" in doc["error"]

    # A misspelt option: the command it was given to says so, with the option meant.
    code, doc, _ = run_cli(capsys, "run", "learning", "--contnet", "x", "--tiemout=3")
    assert code == 2 and doc["error"].startswith("project-ai-temporal run learning: "), doc
    assert "--contnet: did you mean --content?" in doc["error"]
    assert "--tiemout: did you mean --timeout?" in doc["error"]
    assert main(["server", "start", "--prot", "7233"]) == 2
    err = capsys.readouterr().err
    assert "usage: project-ai-temporal server start" in err and "did you mean --port?" in err


def test_config_error_exits_2(capsys: pytest.CaptureFixture[str], cwd: Path) -> None:
    (cwd / "bad.env").write_text("TEMPORAL_MAX_CONCURRENT_ACTIVITIES=zero\n")
    code, doc, _ = run_cli(capsys, "doctor", "--env-file", "bad.env")
    assert code == 2
    assert doc["checks"][0]["status"] == "fail"
    assert "max_concurrent_activities" in json.dumps(doc["checks"][0])
    code, doc, _ = run_cli(capsys, "workflows", "list", "--env-file", "bad.env")
    assert code == 2 and doc["problems"][0]["field"] == "max_concurrent_activities"


def test_cannot_connect_exits_3(capsys: pytest.CaptureFixture[str], cwd: Path) -> None:
    nowhere = f"127.0.0.1:{free_port()}"
    code, doc, _ = run_cli(capsys, "run", "learning", "--content", CONTENT, "--host", nowhere)
    assert code == 3 and "connection refused" in doc["error"]
    assert "server start" in doc["fix"]
    code, doc, _ = run_cli(capsys, "doctor", "--host", nowhere)
    assert code == 3
    connection = next(c for c in doc["checks"] if c["name"] == "connection")
    assert connection["status"] == "fail" and "server start" in connection["fix"]
    code, doc, _ = run_cli(capsys, "server", "status", "--host", nowhere)
    assert code == 3 and doc["reachable"] is False and doc["background_server"] is None
    # Text mode says the same on stderr.
    assert main(["workflows", "list", "--host", nowhere]) == 3
    assert "fix: start a server" in capsys.readouterr().err


def test_an_http_port_is_named_as_such(capsys: pytest.CaptureFixture[str], cwd: Path) -> None:
    """TEMPORAL_HOST at an HTTP server (the Web UI's port, say): the error says so."""

    class Quiet(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    try:
        code, doc, _ = run_cli(
            capsys, "workflows", "list", "--host", f"127.0.0.1:{web.server_port}"
        )
    finally:
        web.shutdown()
        web.server_close()
    assert code == 3, doc
    assert "this looks like the Web UI port; the gRPC port is usually 7233" in doc["error"]


def test_init_writes_env_file_once_and_creates_folders(
    capsys: pytest.CaptureFixture[str], cwd: Path
) -> None:
    code, doc, _ = run_cli(capsys, "init", "--data-dir", "state")
    assert code == 0 and doc["env_file_action"] == "generated"
    text = (cwd / ".env.temporal").read_text()
    assert "TEMPORAL_TASK_QUEUE=project-ai-tasks" in text
    for folder in ("temporal", "memory", "learning_requests", "generated_images", "analysis"):
        assert (cwd / "state" / folder).is_dir()
    (cwd / ".env.temporal").write_text("TEMPORAL_TASK_QUEUE=mine\n")
    code, doc, _ = run_cli(capsys, "init")
    assert code == 0 and doc["env_file_action"] == "exists"
    assert (cwd / ".env.temporal").read_text() == "TEMPORAL_TASK_QUEUE=mine\n"


def test_init_copies_the_example_when_there_is_one(
    capsys: pytest.CaptureFixture[str], cwd: Path
) -> None:
    (cwd / ".env.temporal.example").write_text("TEMPORAL_NAMESPACE=from-example\n")
    code, doc, _ = run_cli(capsys, "init")
    assert code == 0 and doc["env_file_action"] == "copied"
    assert (cwd / ".env.temporal").read_text() == "TEMPORAL_NAMESPACE=from-example\n"


def test_run_learning_prints_the_result_and_stores_it(
    capsys: pytest.CaptureFixture[str], rust_worker: Worker
) -> None:
    tag = uuid.uuid4().hex
    code, doc, _ = run_cli(
        capsys, "run", "learning", *on_worker(rust_worker), "--content", f"{CONTENT} {tag}",
        "--category", "programming", "--source", "cli-test",
    )  # fmt: skip
    assert code == 0, doc
    assert doc["ok"] is True and doc["type"] == "AILearningWorkflow"
    assert doc["workflow_id"].startswith("learning-")
    knowledge_id = doc["result"]["knowledge_id"]
    entry = KnowledgeStore(rust_worker.config.data_dir).get(knowledge_id)
    assert entry is not None and tag in entry.content


def test_run_shows_progress_in_text_mode(
    capsys: pytest.CaptureFixture[str], rust_worker: Worker, tmp_path: Path
) -> None:
    request = tmp_path / "image.json"
    request.write_text(json.dumps({"prompt": "a lighthouse at dusk", "size": "64x64"}))
    code = main(
        ["run", "image", *on_worker(rust_worker), "--input", str(request), "--backend", "local"]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "ImageGenerationWorkflow" in out.out and "succeeded" in out.out
    image_line = next(line for line in out.out.splitlines() if "image_path:" in line)
    assert Path(image_line.split("image_path:", 1)[1].strip()).is_file()
    # Every step numbered as it ends, and no number for the end itself.
    for line in ["[1/3] check_content_safety done", "[2/3] generate_image done",
                 "[3/3] store_image_metadata done"]:  # fmt: skip
        assert line in out.err, out.err
    assert "[0/" not in out.err and "] completed" not in out.err


def test_business_failure_exits_1(capsys: pytest.CaptureFixture[str], rust_worker: Worker) -> None:
    code, doc, _ = run_cli(
        capsys, "run", "image", *on_worker(rust_worker), "--prompt", "a gore scene",
        "--backend", "local",
    )  # fmt: skip
    assert code == 1
    assert doc["ok"] is False and "safety" in doc["result"]["error"]


def test_run_data_from_options(
    capsys: pytest.CaptureFixture[str], rust_worker: Worker, tmp_path: Path
) -> None:
    sample = rust_worker.config.data_dir / "inputs" / f"cli-{uuid.uuid4().hex[:6]}.csv"
    sample.write_text("x,y\n1,2\n2,4\n3,7\n4,8\n")
    code, doc, _ = run_cli(
        capsys, "run", "data", *on_worker(rust_worker), "--file", str(sample),
        "--type", "statistics",
    )  # fmt: skip
    assert code == 0, doc
    assert Path(doc["result"]["output_path"]).is_dir()
    assert doc["result"]["results"]["row_count"] == 4


def test_no_wait_then_workflows_commands(
    capsys: pytest.CaptureFixture[str], rust_worker: Worker
) -> None:
    workflow_id = f"cli-{uuid.uuid4().hex}"
    code, doc, _ = run_cli(
        capsys, "run", "learning", *on_worker(rust_worker), "--content", CONTENT,
        "--id", workflow_id, "--no-wait",
    )  # fmt: skip
    assert code == 0 and doc["started"] is True and doc["workflow_id"] == workflow_id
    assert "result" not in doc

    code, doc, _ = run_cli(capsys, "workflows", "result", workflow_id, *on_worker(rust_worker))
    assert code == 0 and doc["result"]["success"] is True

    code, doc, _ = run_cli(capsys, "workflows", "describe", workflow_id, *on_worker(rust_worker))
    assert code == 0
    assert doc["workflow"]["status"] == "completed"
    assert doc["workflow"]["workflow_type"] == "AILearningWorkflow"
    assert doc["progress"]["step"] == "completed"

    code, doc, _ = run_cli(
        capsys, "workflows", "list", *on_worker(rust_worker), "--query",
        f"WorkflowId='{workflow_id}'",
    )  # fmt: skip
    assert code == 0 and [w["id"] for w in doc["workflows"]] == [workflow_id]

    code, doc, _ = run_cli(capsys, "workflows", "describe", "no-such-id", *on_worker(rust_worker))
    assert code == 2 and "no-such-id" in doc["error"]


def test_cancel_and_terminate(capsys: pytest.CaptureFixture[str], dev_server: DevServer) -> None:
    # A task queue no worker polls: the workflows stay running until closed from here.
    where = ["--host", dev_server.address, "--task-queue", f"nobody-{uuid.uuid4().hex[:8]}"]
    ids = []
    for _ in range(2):
        code, doc, _ = run_cli(capsys, "run", "learning", *where, "--content", CONTENT,
                               "--no-wait")  # fmt: skip
        assert code == 0
        ids.append(doc["workflow_id"])
    code, doc, _ = run_cli(capsys, "workflows", "terminate", ids[0], *where, "--reason", "test")
    assert code == 0 and doc["action"] == "terminate"
    code, doc, _ = run_cli(capsys, "workflows", "describe", ids[0], *where)
    assert doc["workflow"]["status"] == "terminated"
    code, doc, _ = run_cli(capsys, "workflows", "result", ids[0], *where)
    assert code == 1 and "terminated" in doc["error"].lower()

    code, doc, _ = run_cli(capsys, "workflows", "cancel", ids[1], *where)
    assert code == 0 and doc["action"] == "cancel"
    code, doc, _ = run_cli(capsys, "workflows", "result", ids[1], *where, "--timeout", "1")
    assert code == 1 and "keeps running" in doc["fix"]
    run_cli(capsys, "workflows", "terminate", ids[1], *where)


def test_doctor_all_good(capsys: pytest.CaptureFixture[str], rust_worker: Worker) -> None:
    code, doc, _ = run_cli(capsys, "doctor", *on_worker(rust_worker))
    assert code == 0, doc
    names = {c["name"]: c["status"] for c in doc["checks"]}
    assert names["configuration"] == names["connection"] == names["data dir"] == "ok"
    assert names["temporal executable"] == "ok" and names["store"] == "ok"


def test_doctor_names_each_config_problem_with_its_source(
    capsys: pytest.CaptureFixture[str], cwd: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEMPORAL_MAX_RETRY_ATTEMPTS", "zero")
    (cwd / ".env.temporal").write_text("# settings\nTEMPORAL_CONNECT_TIMEOUT=soon\n")
    code, doc, _ = run_cli(capsys, "doctor")
    assert code == 2, doc
    failed = {c["name"]: c for c in doc["checks"] if c["status"] == "fail"}
    assert set(failed) == {"setting max_retry_attempts", "setting connect_timeout"}, failed
    retries = failed["setting max_retry_attempts"]
    assert "whole number of at least 1" in retries["detail"]
    assert "environment variable TEMPORAL_MAX_RETRY_ATTEMPTS" in retries["detail"]
    timeout = failed["setting connect_timeout"]
    assert ".env.temporal line 2" in timeout["detail"] and ".env.temporal" in timeout["fix"]


def test_doctor_checks_the_shared_store(
    capsys: pytest.CaptureFixture[str],
    rust_worker: Worker,
    postgres_server: Postgres,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A PostgreSQL store that answers is reported without its password; one that refuses
    the login is a failure naming the setting to fix, still without the password."""
    url = postgres_server.new_database()
    monkeypatch.setenv("PROJECT_AI_STORE_URL", url)
    code, doc, _ = run_cli(capsys, "doctor", *on_worker(rust_worker))
    store = {c["name"]: c for c in doc["checks"]}["store"]
    assert code == 0 and store["status"] == "ok", doc
    assert f"{USER}:***@127.0.0.1" in store["detail"] and "0 knowledge entries" in store["detail"]
    monkeypatch.setenv("PROJECT_AI_STORE_URL", url.replace(PASSWORD, "wrong-" + PASSWORD[::-1]))
    code, doc, _ = run_cli(capsys, "doctor", *on_worker(rust_worker))
    store = {c["name"]: c for c in doc["checks"]}["store"]
    assert code == 2 and store["status"] == "fail", doc
    assert "password authentication failed" in store["detail"] and "store_url" in store["fix"]
    assert PASSWORD[::-1] not in json.dumps(doc) and PASSWORD not in json.dumps(doc)


def test_doctor_names_bad_tls_files(
    capsys: pytest.CaptureFixture[str],
    cwd: Path,
    dev_server: DevServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (cwd / "cert.pem").write_text("not a certificate")
    (cwd / "key.pem").write_text("not a key either")
    monkeypatch.setenv("TEMPORAL_CLOUD_CERT_PATH", str(cwd / "cert.pem"))
    monkeypatch.setenv("TEMPORAL_CLOUD_KEY_PATH", str(cwd / "key.pem"))
    code, doc, _ = run_cli(capsys, "doctor", "--host", dev_server.address)
    assert code == 2
    by_name = {c["name"]: c for c in doc["checks"]}
    assert by_name["configuration"]["status"] == "ok"
    assert "is not PEM" in by_name["TLS file cloud_cert_path"]["detail"]
    assert by_name["TLS file cloud_key_path"]["status"] == "fail"
    assert by_name["connection"]["status"] == "fail"

    monkeypatch.setenv("TEMPORAL_CLOUD_KEY_PATH", str(cwd / "missing-key.pem"))
    code, doc, _ = run_cli(capsys, "doctor", "--host", dev_server.address)
    assert code == 2
    assert doc["checks"][0]["status"] == "fail" and "missing-key.pem" in doc["checks"][0]["detail"]


def test_server_start_status_stop_keeps_workflows(
    capsys: pytest.CaptureFixture[str], cwd: Path
) -> None:
    port = free_port()
    where = ["--data-dir", str(cwd / "data"), "--host", f"127.0.0.1:{port}"]
    code, doc, _ = run_cli(capsys, "server", "start", *where, "--ui-port", str(free_port()))
    try:
        assert code == 0, doc
        assert doc["address"] == f"127.0.0.1:{port}" and doc["ui_url"].startswith("http://")
        assert doc["db_filename"] == str(cwd / "data" / "temporal" / "dev.db")
        code, doc, _ = run_cli(capsys, "server", "status", *where)
        assert code == 0 and doc["reachable"] is True and doc["namespace"] == "default"
        pid = doc["background_server"]["pid"]
        code, doc, _ = run_cli(capsys, "server", "start", *where)
        assert code == 0 and doc["already_running"] is True and doc["pid"] == pid

        code, doc, _ = run_cli(capsys, "run", "learning", *where, "--content", CONTENT,
                               "--task-queue", "nobody", "--no-wait")  # fmt: skip
        workflow_id = doc["workflow_id"]
        code, doc, _ = run_cli(capsys, "server", "stop", *where)
        assert code == 0 and doc["stopped"] is True
        code, doc, _ = run_cli(capsys, "server", "status", *where)
        assert code == 3 and doc["background_server"] is None

        code, doc, _ = run_cli(capsys, "server", "start", *where, "--headless")
        assert code == 0 and doc["ui_url"] is None
        code, doc, _ = run_cli(capsys, "workflows", "describe", workflow_id, *where)
        assert code == 0 and doc["workflow"]["status"] == "running"
    finally:
        main(["server", "stop", *where])
    assert main(["server", "stop", *where]) == 0  # nothing to stop is fine
    assert "no background dev server" in capsys.readouterr().out


def test_server_start_refuses_a_port_in_use_and_other_ports_while_running(
    capsys: pytest.CaptureFixture[str], cwd: Path
) -> None:
    port = free_port()
    first = ["--data-dir", str(cwd / "a"), "--host", f"127.0.0.1:{port}"]
    second = ["--data-dir", str(cwd / "b"), "--host", f"127.0.0.1:{port}"]
    code, doc, _ = run_cli(capsys, "server", "start", *first, "--headless")
    try:
        assert code == 0, doc
        # Another folder on the same port: the port is taken; nothing reports success.
        code, doc, _ = run_cli(capsys, "server", "start", *second, "--headless")
        assert code == 2, doc
        assert f"the gRPC port 127.0.0.1:{port} is already in use" in doc["error"], doc
        assert read_state(cwd / "b") is None
        # The running server asked for other ports: said, not ignored.
        other = free_port()
        code, doc, _ = run_cli(capsys, "server", "start", *first, "--port", str(other))
        assert code == 2 and f"with --port {other}" in doc["error"], doc
        assert "server stop" in doc["fix"]
        code, doc, _ = run_cli(capsys, "server", "start", *first, "--port", str(port))
        assert code == 0 and doc["already_running"] is True
    finally:
        main(["server", "stop", *first])


def test_documents_after_a_start_name_the_workflow(
    capsys: pytest.CaptureFixture[str], dev_server: DevServer, cwd: Path
) -> None:
    """No worker polls this queue: the client-side timeout ends the command, and the answer
    names the workflow, which keeps running."""
    where = ["--host", dev_server.address, "--task-queue", f"nobody-{uuid.uuid4().hex[:6]}"]
    code, doc, _ = run_cli(capsys, "run", "learning", *where, "--content", CONTENT,
                           "--timeout", "1")  # fmt: skip
    assert code == 1, doc
    assert doc["workflow_id"].startswith("learning-") and doc["run_id"]
    assert f"`project-ai-temporal workflows result {doc['workflow_id']}`" in doc["fix"]
    workflow_id = f"cli-{uuid.uuid4().hex[:8]}"
    code = main(["run", "learning", *where, "--content", CONTENT, "--timeout", "1",
                 "--id", workflow_id])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert f"workflow: {workflow_id} (run " in err and "keeps running" in err, err


def test_list_is_newest_first_and_describe_says_when_no_worker_answers(
    capsys: pytest.CaptureFixture[str], dev_server: DevServer, cwd: Path
) -> None:
    queue = f"nobody-{uuid.uuid4().hex[:6]}"
    where = ["--host", dev_server.address, "--task-queue", queue]
    started = []
    for _ in range(3):
        code, doc, _ = run_cli(capsys, "run", "learning", *where, "--content", CONTENT,
                               "--no-wait")  # fmt: skip
        assert code == 0, doc
        started.append(doc["workflow_id"])
        time.sleep(0.05)  # distinct start times
    code, doc, _ = run_cli(capsys, "workflows", "list", *where, "--query", f"TaskQueue='{queue}'")
    assert code == 0 and [w["id"] for w in doc["workflows"]] == started[::-1]
    code, doc, _ = run_cli(capsys, "workflows", "describe", started[0], *where)
    assert code == 0 and doc["progress"] is None
    assert "no worker answered the status query" in doc["progress_unknown"]
    assert queue in doc["progress_unknown"]


def test_ctrl_c_in_json_mode_prints_a_document_naming_the_workflow(
    dev_server: DevServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workflow_id = f"cli-{uuid.uuid4().hex[:8]}"
    where = ["--host", dev_server.address, "--task-queue", f"nobody-{uuid.uuid4().hex[:6]}"]
    command = [sys.executable, "-m", "app.temporal", "run", "learning", *where,
               "--content", CONTENT, "--id", workflow_id, "--json"]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        deadline = time.monotonic() + 30
        while run_cli(capsys, "workflows", "describe", workflow_id, *where)[0] != 0:
            assert time.monotonic() < deadline, "the workflow was not started"
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130, err
    doc = json.loads(out)
    assert (doc["exit_code"], doc["error"], doc["workflow_id"]) == (130, "interrupted", workflow_id)
    assert doc["run_id"] and "keeps running" in doc["fix"]


def test_a_reader_that_stops_reading_ends_the_command_quietly(tmp_path: Path) -> None:
    """Like `project-ai-temporal ... --json | head -1`: the pipe closes before the output
    (here a usage error's document)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "app.temporal", "run", "learning", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    code = process.wait(timeout=30)
    err = process.stderr.read().decode()
    process.stderr.close()
    assert code == 141 and err == "", err


def test_worker_command_serves_until_ctrl_c(dev_server: DevServer, tmp_path: Path) -> None:
    queue = f"cli-worker-{uuid.uuid4().hex[:6]}"
    where = ["--host", dev_server.address, "--task-queue", queue, "--data-dir", str(tmp_path)]
    worker = subprocess.Popen(
        [sys.executable, "-m", "app.temporal", "worker", *where],
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        run = subprocess.run(
            [sys.executable, "-m", "app.temporal", "run", "learning", *where, "--content",
             CONTENT, "--json", "--timeout", "30"],
            capture_output=True, text=True, cwd=tmp_path, check=False,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout + run.stderr
        assert json.loads(run.stdout)["result"]["success"] is True
    finally:
        worker.send_signal(signal.SIGINT)
        started = time.monotonic()
        _, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    assert time.monotonic() - started < 15
    assert "worker shutdown complete" in err


def test_run_memory(capsys: pytest.CaptureFixture[str], rust_worker: Worker) -> None:
    code, doc, _ = run_cli(
        capsys, "run", "memory", *on_worker(rust_worker), "--conversation-id",
        f"cli-{uuid.uuid4().hex[:6]}", "--message",
        "user: I prefer dark mode in every editor I use, please remember that.",
        "--message", "assistant: Noted, I will remember that you prefer dark mode.",
    )  # fmt: skip
    assert code == 0, doc
    assert doc["result"]["success"] is True and doc["result"]["memory_count"] >= 1


def test_mistyped_request_fields_are_refused_before_sending(
    capsys: pytest.CaptureFixture[str], cwd: Path, dev_server: DevServer
) -> None:
    # A worker could not decode them, and the workflow would never start.
    (cwd / "request.json").write_text(
        json.dumps({"file_path": "x.csv", "analysis_type": "statistics", "n_clusters": "three"})
    )
    where = ["--host", dev_server.address, "--task-queue", "nobody"]
    code, doc, _ = run_cli(capsys, "run", "data", "--input", "request.json", *where)
    assert code == 2
    assert "DataAnalysisRequest.n_clusters must be int, not str" in doc["error"]
    (cwd / "request.json").write_text(json.dumps({"prompt": "x", "seed": True}))
    code, doc, _ = run_cli(capsys, "run", "image", "--input", "request.json", *where)
    assert code == 2 and "ImageGenerationRequest.seed must be" in doc["error"]
    (cwd / "request.json").write_text(json.dumps({"conversation_id": "c", "messages": "hi"}))
    code, doc, _ = run_cli(capsys, "run", "memory", "--input", "request.json", *where)
    assert code == 2 and "MemoryExpansionRequest.messages must be" in doc["error"]
    # Values the workflow's first steps would refuse: said before starting, with what is
    # allowed (the same rules as the workflows').
    refused = [
        (["learning", "--content", CONTENT, "--category", "gossip"],
         "category \"gossip\" is not one of security, programming"),
        (["image", "--prompt", "a fox", "--style", "sketch"], "style \"sketch\" is not one of"),
        (["image", "--prompt", "a fox", "--backend", "paint"],
         "backend \"paint\" is not one of local, openai, huggingface"),
        (["image", "--prompt", "a fox", "--size", "12x12"], "size \"12x12\" must be WIDTHxHEIGHT"),
        (["data", "--file", "x.csv", "--type", "magic"],
         "analysis_type \"magic\" is not one of statistics"),
    ]  # fmt: skip
    for arguments, problem in refused:
        code, doc, _ = run_cli(capsys, "run", *arguments, *where)
        assert code == 2 and problem in doc["error"], (arguments, doc)
        assert "no workflow was started" in doc["fix"]
    code, doc, _ = run_cli(capsys, "workflows", "list", *where, "--query", "TaskQueue='nobody'")
    assert code == 0 and doc["workflows"] == []
