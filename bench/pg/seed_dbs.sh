#!/usr/bin/env bash
# Build the PostgreSQL databases the page benchmarks use (compare.py, growth.py) on a fresh machine:
#   wb_1m           seed --scale 1000000, then seed --demo (the demo logins), VACUUM ANALYZE
#   wb_10k          seed --scale 10000,  then seed --demo, VACUUM ANALYZE
#   helpdesk_bench  django-helpdesk with 100,000 tickets (bench/helpdesk/setup.sh)
# Usage: bash bench/pg/seed_dbs.sh [wb_1m] [wb_10k] [helpdesk]   (default: all three; an existing database is kept)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PG=postgres://postgres@127.0.0.1:5432
export WEIBAO_SECRET_KEY=bench WEIBAO_VAR_DIR="${WEIBAO_VAR_DIR:-/tmp/wb_bench_var}"
targets=("$@"); [ ${#targets[@]} -eq 0 ] && targets=(wb_1m wb_10k helpdesk)

exists() { psql "$PG/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$1'" | grep -q 1; }

seed_weibao() {  # name scale
    if exists "$1"; then echo "==> $1 exists, kept"; return; fi
    psql "$PG/postgres" -qc "CREATE DATABASE $1"
    export DATABASE_URL="$PG/$1"
    echo "==> $1: migrate, seed --scale $2, seed --demo ($(date -u +%T))"
    .venv/bin/python manage.py migrate -v0
    .venv/bin/python manage.py seed --scale "$2"
    .venv/bin/python manage.py seed --demo
    psql "$PG/$1" -qc "VACUUM ANALYZE"
    echo "==> $1 done ($(date -u +%T))"
}

for t in "${targets[@]}"; do
    case "$t" in
        wb_1m) seed_weibao wb_1m 1000000 ;;
        wb_10k) seed_weibao wb_10k 10000 ;;
        helpdesk) exists helpdesk_bench && echo "==> helpdesk_bench exists, kept" || bash bench/helpdesk/setup.sh 100000 ;;
        *) echo "unknown target $t" >&2; exit 2 ;;
    esac
done
