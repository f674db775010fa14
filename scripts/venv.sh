# Sourced by scripts/test and scripts/demo: make .venv exist and be up to date.
#
# Creates .venv with Python 3.11+ if it is missing, and (re)installs the
# project with its dev extra, pinned by constraints.txt, whenever
# pyproject.toml or constraints.txt changed since the last install.

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
    wanted="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        echo "==> installing a2a-kafka and its dev tools into .venv (pinned by constraints.txt)"
        .venv/bin/python -m pip install --quiet --disable-pip-version-check \
            -c constraints.txt -e '.[dev]' || return 1
        echo "$wanted" >"$stamp"
    fi
}

# The A2A TCK's checkout: A2A_TCK_DIR, else ../shared/a2a-tck next to the repository,
# else /work/shared/a2a-tck (the same order as tests/tck/tck_sut.py).
a2a_tck_dir() {
    if [ -n "${A2A_TCK_DIR:-}" ]; then
        echo "$A2A_TCK_DIR"
    elif [ -d ../shared/a2a-tck ]; then
        (cd ../shared/a2a-tck && pwd)
    else
        echo /work/shared/a2a-tck
    fi
}

# The TCK in its own venv (.local/tck-venv): its pytest plugins and pins stay out of .venv.
# Installed from the checkout (never copied into this repository), pinned by
# tests/tck/constraints.txt; reinstalled when either changes.
a2a_ensure_tck_venv() {
    local dir stamp wanted python
    dir="$(a2a_tck_dir)"
    if [ ! -f "$dir/pyproject.toml" ]; then
        echo "==> warning: no A2A TCK at $dir (set A2A_TCK_DIR); its tests will not run"
        return 0
    fi
    stamp=.local/tck-venv/.a2a-tck-install
    wanted="$( { cat tests/tck/constraints.txt; (cd "$dir" && find pyproject.toml tck tests \
        -type f -name '*.py' -o -name pyproject.toml | sort | xargs sha256sum); } |
        sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
        return 0
    fi
    if [ ! -x .local/tck-venv/bin/python ]; then
        python="$(a2a_find_python)" || return 1
        mkdir -p .local && "$python" -m venv .local/tck-venv || return 1
    fi
    echo "==> installing the A2A TCK from $dir into .local/tck-venv"
    .local/tck-venv/bin/python -m pip install --quiet --disable-pip-version-check \
        -c tests/tck/constraints.txt --force-reinstall --no-deps "$dir" &&
        .local/tck-venv/bin/python -m pip install --quiet --disable-pip-version-check \
            -c tests/tck/constraints.txt "$dir" || return 1
    echo "$wanted" >"$stamp"
}
