#!/bin/bash
# Server CPU time per request of one URL: the gunicorn workers' utime+stime (from /proc) around one
# bench/http_bench.py run, divided by its requests (N measured + 10 warm-up; its one login is included).
# A busy shared machine inflates wall times far more than CPU time.
#
#   bench/server_cpu_per_request.sh PORT GUNICORN_MASTER_PID N URL
#   bench/server_cpu_per_request.sh 8000 "$(cat /tmp/gunicorn.pid)" 150 /work-orders/61/
port=$1; master=$2; n=$3; url=$4
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-$here/../.venv/bin/python}
tick=$(getconf CLK_TCK)
cpu() { local t=0; for p in $(pgrep -P "$master"); do set -- $(cut -d' ' -f14,15 "/proc/$p/stat"); t=$((t + $1 + $2)); done; echo "$t"; }
a=$(cpu)
out=$("$python" "$here/http_bench.py" --base-url "http://127.0.0.1:$port" -n "$n" -c 2 --warmup 10 "$url" 2>&1 | tail -1)
b=$(cpu)
echo "$port cpu/req=$("$python" -c "print(round(($b - $a) * 1000 / $tick / ($n + 10), 1))") ms | $out"
