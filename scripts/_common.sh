# Shared by scripts/run.sh and scripts/test.sh (sourced, not executed).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${WEIBAO_VENV:-$ROOT/.venv}"

find_python() {
    # Django 6 needs Python >= 3.12; Debian 12's python3 is 3.11, so look further.
    local candidates=(python3.13 python3.12 python3)
    local pyenv_root
    pyenv_root="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
    for dir in "$pyenv_root"/versions/3.13* "$pyenv_root"/versions/3.12* /usr/local/bin /usr/bin; do
        for name in python3.13 python3.12 python3; do
            [ -x "$dir/bin/$name" ] && candidates+=("$dir/bin/$name")
            [ -x "$dir/$name" ] && candidates+=("$dir/$name")
        done
    done
    for py in "${candidates[@]}"; do
        if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            command -v "$py"
            return 0
        fi
    done
    echo "error: Python >= 3.12 not found (tried PATH and pyenv). Install python3.12 or newer." >&2
    return 1
}

apt_install() {
    # Debian packages, as root or through sudo.
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_venv() {
    # $1: extras to install, e.g. "[test]" (empty for the app alone)
    local extras="${1:-}"
    if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
        local py
        py="$(find_python)"
        if ! "$py" -c 'import ensurepip' 2>/dev/null; then
            # Debian ships venv/ensurepip separately (python3.X-venv): without it `-m venv` fails.
            local venv_pkg
            venv_pkg="python$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"
            echo "==> installing Debian package $venv_pkg"
            apt_install "$venv_pkg"
        fi
        echo "==> creating virtual environment with $py"
        rm -rf "$VENV"
        "$py" -m venv "$VENV"
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
    fi
    # pip runs only when the dependencies (pyproject.toml) or the extras asked for changed since the last install:
    # a restart then takes seconds. The package itself is installed editable, so code changes need no reinstall.
    local stamp="$VENV/.weibao-installed" want
    want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1) $extras"
    if [ ! -f "$stamp" ] || ! grep -qxF -- "$want" "$stamp" || ! "$VENV/bin/python" -c 'import weibao' 2>/dev/null; then
        echo "==> installing Weibao$extras"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".$extras"
        # A test install also satisfies the app alone: remember both.
        echo "$want" > "$stamp"
        if [ -n "$extras" ]; then echo "$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1) " >> "$stamp"; fi
    else
        echo "==> Weibao$extras already installed (pyproject.toml unchanged)"
    fi
    export PATH="$VENV/bin:$PATH"
}

ensure_secret_key() {
    mkdir -p "$ROOT/var"
    if [ -z "${WEIBAO_SECRET_KEY:-}" ] && [ -z "${WEIBAO_SECRET_KEY_FILE:-}" ]; then
        if [ ! -s "$ROOT/var/secret_key" ]; then
            (umask 077 && "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))' > "$ROOT/var/secret_key")
        fi
        export WEIBAO_SECRET_KEY_FILE="$ROOT/var/secret_key"
    fi
}
