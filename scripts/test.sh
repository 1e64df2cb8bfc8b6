#!/usr/bin/env bash
# The test command (README, CI): lint, Rust tests, then Python tests against a real
# Temporal dev server that the tests start themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/dev_env.sh
source scripts/windows_build.sh

# Each step shows when it started, in seconds since the command began (set-up included).
step() { printf '\n== %s (at %ds)\n' "$*" "$SECONDS"; }
step "cargo fmt --check";   cargo fmt --check
step "cargo clippy";        cargo clippy --quiet --all-targets -- -D warnings
step "cargo clippy (python bindings)"
cargo clippy --quiet --all-targets --features python -- -D warnings
step "ruff";                ruff check python tests benchmarks examples scripts
ruff format --check python tests benchmarks examples scripts
step "release workflow";    check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/release.yml
zizmor --offline --quiet .github/workflows/release.yml
step "mypy --strict";       mypy --strict python/app/temporal python/_project_ai_temporal_hook.py
step "stubtest _core";      (cd python && python -m mypy.stubtest app.temporal._core)
step "Windows build (clippy)"; windows_check
step "cargo test";          cargo test --quiet
step "pytest";              python -m pytest -q -p no:cacheprovider "$@"
step "done"
