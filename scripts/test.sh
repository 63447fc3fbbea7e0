#!/usr/bin/env bash
# One command: install what the tests need (Python and Debian packages), make sure PostgreSQL and Redis
# run, then run lint, the whole suite on SQLite and on PostgreSQL, then the browser tests.
source "$(dirname "$0")/_common.sh"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fc-list 2>/dev/null | grep -qi "cjk" || need_apt+=(fonts-noto-cjk)
command -v msgfmt >/dev/null 2>&1 || need_apt+=(gettext)
command -v pg_dump >/dev/null 2>&1 || need_apt+=(postgresql-client)
command -v sqlite3 >/dev/null 2>&1 || need_apt+=(sqlite3)
command -v dovecot >/dev/null 2>&1 || need_apt+=(dovecot-imapd)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)  # self-signed certificate for the IMAPS tests
command -v pg_ctlcluster >/dev/null 2>&1 || need_apt+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)  # the PDF tests read text, fonts and pages
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || need_apt+=(libpango-1.0-0 libpangoft2-1.0-0)  # WeasyPrint
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "==> installing Debian packages: ${need_apt[*]}"
    apt_install "${need_apt[@]}"
fi

ensure_venv "[test]"

# Services: start PostgreSQL and Redis when they are not answering.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "==> starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! psql -h 127.0.0.1 -U postgres -Atc 'select 1' >/dev/null 2>&1; then
    # A freshly installed cluster asks for passwords on TCP; the tests connect as postgres without one.
    echo "==> allowing local test connections to PostgreSQL (trust for postgres on 127.0.0.1)"
    pg_version="$(ls /etc/postgresql | head -1)"
    sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' \
        "/etc/postgresql/$pg_version/main/pg_hba.conf"
    pg_ctlcluster --skip-systemctl-redirect "$pg_version" main reload
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "==> starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 30); do redis-cli ping >/dev/null 2>&1 && break; sleep 1; done
fi

export WEIBAO_SECRET_KEY="${WEIBAO_SECRET_KEY:-test-secret-key-not-for-production}"
PG_URL="${WEIBAO_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/weibao}"
WORKERS="${WEIBAO_TEST_WORKERS:-2}"

# The stages share one migrated template database per kind (weibao/core/tests/procs.py): `migrate` from zero runs
# once per kind and run, not once per xdist worker, stage and subprocess test. Removed when the script ends.
export WEIBAO_TEST_RUN="${WEIBAO_TEST_RUN:-ci_$$_$(date +%s)}"
remove_templates() {
    rm -f "${TMPDIR:-/tmp}/${WEIBAO_TEST_RUN}_tpl.sqlite3"{,.lock,.partial,.build,.build-wal,.build-shm}
    for db in "${WEIBAO_TEST_RUN}_tpl" "${WEIBAO_TEST_RUN}_tpl_build"; do
        psql "${PG_URL%/*}/postgres" -qAtc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
    done
}
trap remove_templates EXIT

echo "==> lint"
ruff check .
ruff format --check .
echo "==> migrations up to date"
DATABASE_URL="sqlite:///$ROOT/var/check.sqlite3" WEIBAO_DEBUG=true weibao makemigrations --check --dry-run >/dev/null

echo "==> tests on SQLite"
env -u DATABASE_URL pytest -n "$WORKERS" -q "$@"
echo "==> tests on PostgreSQL"
DATABASE_URL="$PG_URL" WEIBAO_REDIS_TESTS=1 REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/15}" pytest -n "$WORKERS" -q "$@"
echo "==> browser tests (Chromium)"
# With a narrowed selection ("$@") there may be no browser test in it: pytest's exit 5 is fine then, not otherwise.
rc=0
env -u DATABASE_URL pytest -m browser -q -p no:xdist "$@" || rc=$?
if [ "$rc" -eq 5 ] && [ $# -gt 0 ]; then
    echo "(no browser tests in this selection)"
    rc=0
fi
exit "$rc"
