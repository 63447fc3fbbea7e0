#!/usr/bin/env bash
# One command from a clean clone: install, migrate, load demo data, and run web + worker + scheduler
# on SQLite at http://127.0.0.1:8000. Ctrl-C stops all of it.
source "$(dirname "$0")/_common.sh"
ensure_venv ""
ensure_secret_key
export WEIBAO_DEBUG="${WEIBAO_DEBUG:-false}"
HOST="${WEIBAO_HOST:-127.0.0.1}"
PORT="${WEIBAO_PORT:-8000}"

echo "==> migrating the database"
weibao migrate --noinput -v0
echo "==> collecting static files"
weibao collectstatic --noinput -v0
echo "==> loading demo data"
weibao seed --demo

pids=()
cleanup() {
    trap - INT TERM EXIT
    echo "==> stopping"
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

gunicorn weibao.wsgi:application --bind "$HOST:$PORT" --workers "${WEIBAO_WEB_WORKERS:-2}" \
    --access-logfile - --log-level warning &
pids+=($!)
weibao db_worker --interval 1 &
pids+=($!)
weibao crontask &
pids+=($!)

sleep 2
weibao demo_logins
echo "==> Weibao is running at http://$HOST:$PORT/  (Ctrl-C to stop)"
# Stop everything when any one of the three exits.
wait -n
