#!/usr/bin/env bash
# Install django-helpdesk in its own venv, create its PostgreSQL database and seed 100k tickets.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
source "$ROOT/scripts/_common.sh"
HD_VENV="$ROOT/var/bench/hd-venv"
if [ ! -x "$HD_VENV/bin/python" ]; then
    "$(find_python)" -m venv "$HD_VENV"
fi
"$HD_VENV/bin/pip" install -q --disable-pip-version-check "django>=5.2,<6" "django-helpdesk==2.6.1" gunicorn "psycopg[binary]"
psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='helpdesk_bench'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE helpdesk_bench" >/dev/null
cd "$HERE"
DJANGO_SETTINGS_MODULE=hd_settings "$HD_VENV/bin/python" -m django migrate -v0
"$HD_VENV/bin/python" hd_seed.py "${1:-100000}"
