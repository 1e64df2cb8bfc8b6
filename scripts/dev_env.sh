# Sourced by the scripts: a persistent cargo target dir and a virtualenv with the package
# built in debug mode plus its [dev,server] extras. Everything installs from the registries,
# so a fresh machine needs nothing by hand.
cache="${PROJECT_AI_CACHE:-$HOME/.cache/project-ai-temporal}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$cache/target}"
venv="${PROJECT_AI_VENV:-$cache/venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
export VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH"
export PYO3_PYTHON="$venv/bin/python"
python -m pip install --quiet --disable-pip-version-check 'maturin>=1.9,<2'
# Debug build, installed editable: quick to rebuild; `pip install .` makes the release wheel.
maturin develop --quiet --extras dev,server 2>&1 | grep -vE '^(📦|✏️|🛠|🔗|🐍|⚠️ Warning: Could not)' || true
python -c 'import app.temporal._core' || { echo "the extension did not build" >&2; exit 1; }
