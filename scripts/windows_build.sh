# The Windows build, checked on this Linux machine so that a Unix-only call cannot land:
# clippy for x86_64-pc-windows-gnu with the bindings (every cfg(windows) path type-checked
# and linted). scripts/test.sh sources it after dev_env.sh and runs `windows_check`;
# `bash scripts/windows_build.sh` runs it alone. The Windows wheel itself is built natively
# by the release workflow (docs/ARCHITECTURE.md, "Platforms", says why not here). When the
# target or mingw cannot be had, it says so and skips; it never fails silently.
windows_target=x86_64-pc-windows-gnu

windows_skip() {
    printf 'SKIPPED: the Windows build is not checked on this machine: %s\n' "$*" >&2
}

windows_tools() {
    command -v rustup >/dev/null || {
        windows_skip "no rustup to add the $windows_target target with"
        return 1
    }
    # grep without -q reads all of rustup's output (no SIGPIPE under pipefail).
    if ! rustup target list --installed | grep -x "$windows_target" >/dev/null; then
        rustup target add "$windows_target" >/dev/null 2>&1 || {
            windows_skip "rustup cannot fetch the $windows_target standard library"
            return 1
        }
    fi
    if ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            { DEBIAN_FRONTEND=noninteractive apt-get install -y -q gcc-mingw-w64-x86-64 ||
                { apt-get update -q && DEBIAN_FRONTEND=noninteractive \
                    apt-get install -y -q gcc-mingw-w64-x86-64; }; } >/dev/null 2>&1
        fi
        command -v x86_64-w64-mingw32-gcc >/dev/null || {
            windows_skip "no mingw-w64 C compiler (Debian: apt-get install gcc-mingw-w64-x86-64)"
            return 1
        }
    fi
}

windows_check() {
    windows_tools || return 0
    cargo clippy --quiet --target "$windows_target" --features python -- -D warnings
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    cd "$(dirname "$0")/.."
    source scripts/dev_env.sh
    windows_check
fi
