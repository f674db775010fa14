# Sourced by scripts/test and scripts/demo: make .venv exist and be up to date.
#
# Creates .venv with Python 3.11+ if it is missing, and (re)installs both
# distributions of this repository, editable and pinned by constraints.txt:
# the library with its dev extra (`.[dev]`: every extra but msk, and the tools)
# and the demo (`./demo`, the game-balance agents and GUI), whenever
# pyproject.toml, demo/pyproject.toml or constraints.txt changed since the last install.

a2a_find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "error: Python 3.11 or newer is needed (none of python3.13, python3.12, python3.11, python3 is); set PYTHON=/path/to/python3.11" >&2
    return 1
}

a2a_ensure_venv() {
    local python stamp wanted
    if [ ! -x .venv/bin/python ]; then
        python="$(a2a_find_python)" || return 1
        echo "==> creating .venv with $("$python" --version 2>&1)"
        "$python" -m venv .venv || return 1
    fi
    stamp=.venv/.a2a-kafka-install
    wanted="$(cat pyproject.toml demo/pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        echo "==> installing a2a-kafka, its dev tools and the demo into .venv (pinned by constraints.txt)"
        .venv/bin/python -m pip install --quiet --disable-pip-version-check \
            -c constraints.txt -e '.[dev]' -e ./demo || return 1
        echo "$wanted" >"$stamp"
    fi
}
