#!/usr/bin/env bash
# One command from a clean clone: install, migrate, load demo data, and run web + workers + scheduler
# on SQLite at http://127.0.0.1:8000. Ctrl-C stops all of it.
source "$(dirname "$0")/_common.sh"
ensure_venv ""
ensure_secret_key
# The PDFs (service form, work-order sheet) need Pango and the CJK font (WeasyPrint renders through them).
need_apt=()
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_apt+=(fonts-noto-cjk)
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || need_apt+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "==> installing Debian packages: ${need_apt[*]}"
    apt_install "${need_apt[@]}"
fi
export WEIBAO_DEBUG="${WEIBAO_DEBUG:-false}"
# The demo has no SMTP server: the notices (new A/B orders to the duty roster and the manager, the reporter's
# registered / resolved / closed mails) are written to var/mail/ and listed in the notification log. Set
# WEIBAO_EMAIL_BACKEND (and WEIBAO_SMTP_*) to send real mail.
export WEIBAO_EMAIL_BACKEND="${WEIBAO_EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}"
HOST="${WEIBAO_HOST:-127.0.0.1}"
PORT="${WEIBAO_PORT:-8000}"
# gunicorn listens on loopback only: behind a proxy (WEIBAO_PROXY_COUNT>0) the client address is read from
# X-Forwarded-For, which anybody reaching gunicorn directly could forge (unlimited login guesses, a false audit).
case "$HOST" in
    127.*|localhost|::1) ;;
    *)
        if [ "${WEIBAO_PROXY_COUNT:-0}" != "0" ]; then
            echo "refusing to bind gunicorn to $HOST with WEIBAO_PROXY_COUNT=${WEIBAO_PROXY_COUNT}:" \
                "behind a proxy gunicorn must listen on 127.0.0.1 only (the proxy is the only way in)" >&2
            exit 2
        fi
        ;;
esac

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

LOG_DIR="${WEIBAO_VAR_DIR:-$ROOT/var}/log"
mkdir -p "$LOG_DIR"
gunicorn weibao.wsgi:application --bind "$HOST:$PORT" --workers "${WEIBAO_WEB_WORKERS:-2}" \
    --access-logfile "$LOG_DIR/access.log" --error-logfile - --log-level warning &
pids+=($!)
# The workers log every task they run: to files, so that the terminal stays readable. One for the default queue
# (notices, SLA sweeps), one for spreadsheet imports, so that a slow import never holds up the other, and one
# that routes received IM/SMS messages (the callbacks only store them).
weibao db_worker --interval 1 >>"$LOG_DIR/worker.log" 2>&1 &
pids+=($!)
weibao db_worker --interval 1 --queue-name imports >>"$LOG_DIR/import-worker.log" 2>&1 &
pids+=($!)
weibao db_worker --interval 1 --queue-name inbound >>"$LOG_DIR/inbound-worker.log" 2>&1 &
pids+=($!)
weibao crontask >>"$LOG_DIR/scheduler.log" 2>&1 &
pids+=($!)
# The scheduler's first beat comes at the next full minute; one now keeps /healthz green after a restart.
weibao heartbeat >/dev/null

for _ in $(seq 60); do
    python -c "import urllib.request,sys; urllib.request.urlopen('http://$HOST:$PORT/accounts/login/', timeout=2)" \
        2>/dev/null && break
    sleep 0.5
done
echo
weibao demo_logins
echo "==> Weibao is running at http://$HOST:$PORT/  (Ctrl-C to stop; logs in $LOG_DIR, health at /healthz)"
if [ "$WEIBAO_EMAIL_BACKEND" = "django.core.mail.backends.filebased.EmailBackend" ]; then
    echo "==> demo mail: notices are written to ${WEIBAO_EMAIL_FILE_PATH:-${WEIBAO_VAR_DIR:-$ROOT/var}/mail}/ (and listed under 通知记录)"
fi
# Stop everything when any one of them exits.
wait -n
