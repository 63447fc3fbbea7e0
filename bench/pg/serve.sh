#!/usr/bin/env bash
# Serve a benchmark database the way the page benchmarks expect: gunicorn (2 sync workers, DEBUG off) plus one
# task worker for the default queue (the report pages' figures are computed there, core.snapshots), at a lower CPU
# priority than the web workers, as docs/platform.md advises for a shared host. Mail goes to Django's dummy backend:
# the bench machine has no mail server, and the seed's pending notices would fail and come back on their back-off
# (1, 2, 4, 8, 16 min) as bursts of ~120 tasks in the middle of a run. Tasks queued for later are brought forward
# and run before the server is reported ready, so that none fires during a timed run. The cache is Redis, as in
# production (README: REDIS_URL), one prefix per port; WB_BENCH_CACHE_URL=locmem serves with a cache per process.
#   bash bench/pg/serve.sh start DB PORT     e.g. start wb_1m 8000; start wb_10k 8010
#   bash bench/pg/serve.sh stop PORT
#   bash bench/pg/serve.sh helpdesk          django-helpdesk on :8100 (bench/helpdesk)
# The servers run the code of the tree this script is in, and import some modules only when first used: to keep
# editing while a benchmark runs, serve from a copy (git worktree add --detach /tmp/wb_bench_code HEAD; ln -s
# "$PWD/.venv" /tmp/wb_bench_code/.venv; bash /tmp/wb_bench_code/bench/pg/serve.sh start …).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
RUN=/tmp/wb_bench_serve
mkdir -p "$RUN"
case "${1:-}" in
    start)
        db="$2" port="$3"
        # An older server still on the port would keep answering with its own code while this one fails to bind.
        if curl -s -o /dev/null "http://127.0.0.1:$port/ping/"; then
            echo "port $port is already served: bash $0 stop $port (and check ps) first" >&2
            exit 1
        fi
        export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" WEIBAO_SECRET_KEY=bench WEIBAO_DEBUG=false \
            WEIBAO_ALLOWED_HOSTS=127.0.0.1,localhost WEIBAO_VAR_DIR="$RUN/var_$port" \
            WEIBAO_EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend \
            WEIBAO_CACHE_URL="${WB_BENCH_CACHE_URL:-redis://127.0.0.1:6379/2}" WEIBAO_CACHE_PREFIX="bench$port"
        mkdir -p "$WEIBAO_VAR_DIR"
        .venv/bin/python manage.py collectstatic --noinput -v0
        .venv/bin/gunicorn weibao.wsgi:application --bind "127.0.0.1:$port" --workers 2 --log-level warning \
            >"$RUN/gunicorn_$port.log" 2>&1 &
        echo $! >"$RUN/$port.pids"
        psql "$DATABASE_URL" -qc "UPDATE django_tasks_database_dbtaskresult SET run_after = now()
            WHERE status = 'READY' AND run_after > now() AND run_after < '9999-01-01'"
        nice -n 10 .venv/bin/python manage.py db_worker --interval 1 >"$RUN/worker_$port.log" 2>&1 &
        echo $! >>"$RUN/$port.pids"
        for _ in $(seq 30); do curl -s -o /dev/null "http://127.0.0.1:$port/ping/" && break; sleep 1; done
        if ! kill -0 "$(head -1 "$RUN/$port.pids")" 2>/dev/null; then
            echo "gunicorn did not start on :$port, see $RUN/gunicorn_$port.log" >&2
            exit 1
        fi
        for _ in $(seq 120); do  # the queue drained (the seed's notices, report figures asked for before)
            ready=$(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM django_tasks_database_dbtaskresult
                WHERE queue_name = 'default' AND (status = 'RUNNING'
                    OR (status = 'READY' AND (run_after <= now() OR run_after >= '9999-01-01')))")
            [ "$ready" = 0 ] && break
            sleep 1
        done
        echo "serving $db on :$port (pids $(tr '\n' ' ' <"$RUN/$port.pids"))"
        ;;
    stop)
        [ -f "$RUN/$2.pids" ] && xargs -r kill <"$RUN/$2.pids" 2>/dev/null || true
        rm -f "$RUN/$2.pids"
        ;;
    helpdesk)
        cd bench/helpdesk
        DJANGO_SETTINGS_MODULE=hd_settings ../../var/bench/hd-venv/bin/gunicorn 'django.core.wsgi:get_wsgi_application()' \
            -b 127.0.0.1:8100 -w 2 --log-level warning >"$RUN/helpdesk.log" 2>&1 &
        echo $! >"$RUN/8100.pids"
        ;;
    *) echo "usage: serve.sh start DB PORT | stop PORT | helpdesk" >&2; exit 2 ;;
esac
