"""Work-order benchmarks on a seeded PostgreSQL database (issue 5).

Seed first (own database; the estate and contracts scale data come with it):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_wo WEIBAO_DEBUG=true \
        .venv/bin/python manage.py seed --scale 1000000

Then, with the same DATABASE_URL and WEIBAO_SECRET_KEY=bench WEIBAO_ALLOWED_HOSTS=testserver,127.0.0.1:
    .venv/bin/python bench/workorders_bench.py queue  [--runs 40]   # selectors and pages: p95 < 100 ms
    .venv/bin/python bench/workorders_bench.py sweep                # SLA sweep over the open orders: < 5 s
    .venv/bin/python bench/workorders_bench.py api    [--seconds 15 --threads 8]   # API intake: >= 200/s
    .venv/bin/python bench/workorders_bench.py events [--seconds 15 --threads 8]   # events intake, end to end

`queue` times the selectors directly and the queue/detail pages through Django's test client (full middleware,
session login, templates; no network). `sweep` runs inside a transaction that is rolled back, so the database is
unchanged. `api` starts gunicorn with 2 workers on 127.0.0.1:8791 (`--port`), measures the /ping/ floor, then posts
orders from client threads (the orders it creates are tagged source_ref="bench-api" and deleted afterwards); it
needs `collectstatic` in WEIBAO_VAR_DIR for /ping/ and 127.0.0.1 in WEIBAO_ALLOWED_HOSTS.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import F, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from weibao.accounts.models import User  # noqa: E402
from weibao.workorders import selectors  # noqa: E402
from weibao.workorders.choices import ACTIVE_STATUSES  # noqa: E402
from weibao.workorders.models import Clock, WorkOrder  # noqa: E402


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)


def estimate(table: str) -> int:
    if connection.vendor != "postgresql":
        return WorkOrder.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
        return int(cursor.fetchone()[0])


def measure(fn, runs: int) -> list[float]:
    for _ in range(2):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def report(rows: list[tuple[str, list[float]]], target: float) -> bool:
    ok = True
    print(f"{'case':58} {'p50':>8} {'p95':>8} {'max':>8}")
    for name, samples in rows:
        mark = "" if p95(samples) < target else "  <-- over target"
        ok = ok and not mark
        print(f"{name:58} {statistics.median(samples):8.1f} {p95(samples):8.1f} {max(samples):8.1f}{mark}")
    return ok


def bench_queue(args) -> int:
    print(
        f"database: {connection.vendor}, work orders ≈ {estimate('workorders_workorder'):,}, "
        f"open = {WorkOrder.objects.filter(status__in=sorted(selectors.OPEN_STATUSES)).count():,}"
    )
    manager = User.objects.get(username="manager")
    customer = User.objects.get(username="customer")
    engineer = User.objects.filter(username__startswith="eng", role="field_engineer").first()
    sample = WorkOrder.objects.filter(source_ref="scale", status="closed").order_by("-id").values("id")[5000]["id"]
    open_sample = (
        WorkOrder.objects.filter(source_ref="scale", status__in=sorted(selectors.OPEN_STATUSES))
        .order_by("-id")
        .values("id", "customer_id", "branch_id")[100]
    )
    f = selectors.QueueFilters
    page = selectors.workorder_queue(user=manager, limit=50)

    def queue(user, filters=None, cursor=None):
        return lambda: list(selectors.workorder_queue(user=user, filters=filters, cursor=cursor, limit=50).items)

    def detail(user, pk):
        def run():
            wo = selectors.workorder_get_for_user(user=user, pk=pk)
            selectors.workorder_timeline(workorder=wo, user=user)
            selectors.workorder_clocks(workorder=wo)
            selectors.workorder_allowed_actions(workorder=wo, user=user)

        return run

    rows = [
        ("selector: open queue, nearest deadline", measure(queue(manager), args.runs)),
        ("selector: open queue, page 2 (keyset)", measure(queue(manager, cursor=page.next_cursor), args.runs)),
        ("selector: severity A, at risk", measure(queue(manager, f(severity=["A"], sla="at_risk")), args.runs)),
        ("selector: one branch", measure(queue(manager, f(branch_id=open_sample["branch_id"])), args.runs)),
        ("selector: one engineer", measure(queue(manager, f(assignee_id=engineer.pk)), args.runs)),
        (
            "selector: one customer, all states",
            measure(queue(manager, f(status=["all"], customer_id=open_sample["customer_id"])), args.runs),
        ),
        (
            "selector: channel email, dispatched",
            measure(queue(manager, f(status=["dispatched"], channel=["email"])), args.runs),
        ),
        ("selector: closed, newest first", measure(queue(manager, f(status=["closed"])), args.runs)),
        ("selector: customer user's queue", measure(queue(customer), args.runs)),
        (
            "selector: state counts (closed capped)",
            measure(lambda: selectors.workorder_state_counts(user=manager), args.runs),
        ),
        (
            "selector: state counts, severity A + at risk",
            measure(
                lambda: selectors.workorder_state_counts(user=manager, filters=f(severity=["A"], sla="at_risk")),
                args.runs,
            ),
        ),
        (
            "selector: state counts, one engineer",
            measure(
                lambda: selectors.workorder_state_counts(user=manager, filters=f(assignee_id=engineer.pk)), args.runs
            ),
        ),
        ("selector: detail (order, timeline, clocks, actions)", measure(detail(manager, sample), args.runs)),
        ("selector: detail of an open order", measure(detail(manager, open_sample["id"]), args.runs)),
        (
            "selector: legacy queue, first 50",
            measure(lambda: list(selectors.legacy_queue(user=manager)[:50]), args.runs),
        ),
    ]
    client = Client()
    client.force_login(manager)
    pages = [
        ("page: /work-orders/", "/work-orders/"),
        ("page: /work-orders/?severity=A&sla=at_risk", "/work-orders/?severity=A&sla=at_risk"),
        ("page: /work-orders/?status=closed", "/work-orders/?status=closed"),
        (f"page: /work-orders/{sample}/ (closed)", f"/work-orders/{sample}/"),
        (f"page: /work-orders/{open_sample['id']}/ (open)", f"/work-orders/{open_sample['id']}/"),
    ]
    for name, url in pages:
        try:
            status = client.get(url).status_code
        except Exception as exc:  # noqa: BLE001 - a broken page is reported, the selectors still count
            status = f"{type(exc).__name__}: {exc}"
        if status != 200:
            print(f"{url}: {status}, skipped")
            continue
        rows.append((name, measure(lambda url=url: client.get(url), args.runs)))
    return 0 if report(rows, args.target_ms) else 1


def bench_sweep(args) -> int:
    from weibao.workorders.clocks import sla_sweep

    open_orders = WorkOrder.objects.filter(status__in=sorted(ACTIVE_STATUSES)).count()
    running = Clock.objects.filter(stopped_at__isnull=True).count()
    print(f"database: {connection.vendor}; active orders {open_orders:,}; running clocks {running:,}")
    with transaction.atomic():
        started = time.perf_counter()
        steady = sla_sweep()
        steady_s = time.perf_counter() - started
        print(f"steady state (what comes due this minute): {steady} in {steady_s:.2f} s")
        # Worst case: a worker that was down for days — every running clock's warning and breach are due at once.
        # (A new cycle number gives the crossings new dedupe keys, as after a reopen.)
        reset = Clock.objects.filter(stopped_at__isnull=True).update(
            warned_at=None, breached_at=None, cycle=F("cycle") + 100
        )
        started = time.perf_counter()
        catch_up = sla_sweep()
        catch_s = time.perf_counter() - started
        print(f"catch-up after {reset:,} clocks were reset: {catch_up} in {catch_s:.2f} s")
        started = time.perf_counter()
        again = sla_sweep()
        print(f"immediate re-run: {again} in {time.perf_counter() - started:.2f} s")
        transaction.set_rollback(True)
    return 0 if steady_s < 5 and catch_s < 5 else 1


def _load(make_request, *, threads: int, seconds: float) -> tuple[int, int, list[float], float]:
    """Send requests from `threads` client threads for `seconds` (a new connection each: no keep-alive)."""
    done, failed, latencies = [0], [0], []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(k: int) -> None:
        i = k
        while time.monotonic() < stop_at:
            request = make_request(i)
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    response.read()
                    ok = response.status in (200, 201)
            except OSError:  # HTTP error status, timeout
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                (done if ok else failed)[0] += 1
                latencies.append(elapsed)
            i += threads

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return done[0], failed[0], latencies, time.monotonic() - started


def _server_times(log: Path, path: str) -> list[float]:
    """Per-request server time in ms from gunicorn's access log (format "%(U)s %(s)s %(D)s", D in microseconds)."""
    times = []
    for line in log.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == path:
            times.append(int(parts[2]) / 1000)
    return times


def _proc_cpu(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (Linux /proc; 0 where unreadable)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %.3f %.3f\\n", summary.requests,
    e.status + e.connect + e.read + e.write + e.timeout, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""
# POST fault reports for a different site each time (%-formatted: sites, token, batch): one report to
# /api/work-orders/, or `batch` of them to /api/work-orders/batch.
WRK_INTAKE = """
local sites = {%(sites)s}
local batch = %(batch)d
local path = "%(path)s"
local counter = 0
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer %(token)s"
wrk.headers["Content-Type"] = "application/json"
local function report()
  counter = counter + 1
  local pair = sites[(counter %% #sites) + 1]
  return '{"customer_id": ' .. pair[2] .. ', "site_id": ' .. pair[1] ..
    ', "severity": "B", "symptom": "压测报修 ' .. counter .. '：交换机端口丢包", "source_ref": "bench-api"}'
end
request = function()
  if batch == 1 then
    return wrk.format(nil, path, nil, report())
  end
  local reports = {}
  for i = 1, batch do reports[i] = report() end
  return wrk.format(nil, "/api/work-orders/batch", nil, '{"reports": [' .. table.concat(reports, ", ") .. ']}')
end
"""


def _wrk(
    url: str, lua: str, *, connections: int, seconds: float, nice: int = 0
) -> tuple[int, int, float, float, float]:
    """Load `url` with wrk (a C client: on a 2-core machine a Python client takes CPU the server needs), with the
    Lua `lua` plus the report hook. Returns (requests, failed, requests/s, p50 ms, p95 ms)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua + WRK_REPORT)
    cmd = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds:.0f}s", "-s", fh.name, url]
    if nice:
        cmd = ["nice", "-n", str(nice), *cmd]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout  # noqa: S603 - fixed arguments
    finally:
        os.unlink(fh.name)
    requests, failed, duration_us, p50, p95_ms = next(x for x in out.splitlines() if x.startswith("WRK ")).split()[1:]
    return int(requests), int(failed), int(requests) / (int(duration_us) / 1e6), float(p50), float(p95_ms)


def _backends() -> list[int]:
    """The PostgreSQL backends serving this database, other than our own connection (same machine: /proc)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' "
            "AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def _prioritise(pids: list[int], nice: int) -> None:
    """Give the benchmark's processes (gunicorn, and the PostgreSQL backends of this database, which the warm-up
    opened and CONN_MAX_AGE keeps) the scheduler's priority over whatever else shares the machine (root only):
    a shared 2-core machine then measures close to a quiet one. Reported with the results."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'"
        )
        pids = pids + [pid for (pid,) in cursor.fetchall()]
    for pid in pids:
        os.setpriority(os.PRIO_PROCESS, pid, nice)


def _gunicorn(args, log: Path) -> subprocess.Popen:
    """The benchmark's own gunicorn (`--workers` sync workers unless `--server-threads`), access log "%(U)s %(s)s
    %(D)s" in `log`."""
    env = {**os.environ, "WEIBAO_LOG_LEVEL": "WARNING"}
    return subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "weibao.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.server_threads),
            "--log-level",
            "warning",
            "--timeout",
            "120",  # the first request imports every app: slow on a busy machine
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(U)s %(s)s %(D)s",
        ],
        cwd=ROOT,
        env=env,
    )


def bench_api(args) -> int:
    """Order intake through POST /api/work-orders/ against gunicorn, with the /ping/ floor measured in the same
    run, per-request server time from the access log and the workers' CPU per order. The load comes from wrk
    (`apt install wrk`); `--client python` uses the older thread client instead."""
    from weibao.accounts.services import token_create
    from weibao.customers.models import Site

    duty = User.objects.get(username="duty")
    _token, raw = token_create(user=duty, name="bench")
    scale_sites = Site.objects.filter(customer__code__startswith="S")  # the scale seed's customers
    sites = list((scale_sites if scale_sites.exists() else Site.objects).values_list("pk", "customer_id")[:2000])
    base = f"http://127.0.0.1:{args.port}"
    log = Path(tempfile.gettempdir()) / f"workorders_bench_{args.port}.log"
    log.unlink(missing_ok=True)
    server = _gunicorn(args, log)
    use_wrk = args.client == "wrk"
    # The /ping/ floor is a login-required view: a real session for the duty engineer, sent as a cookie.
    session_client = Client()
    session_client.force_login(duty)
    session = session_client.cookies[settings.SESSION_COOKIE_NAME].value
    ping_lua = f'wrk.headers["Cookie"] = "{settings.SESSION_COOKIE_NAME}={session}"\n'
    intake_lua = WRK_INTAKE % {
        "sites": ", ".join(f"{{{s}, {c}}}" for s, c in sites),
        "token": raw,
        "batch": args.batch,
        "path": "/api/work-orders/",
    }
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/ping/", timeout=1)  # noqa: S310
                break
            except OSError:  # URLError, refused, timed out: not up yet
                time.sleep(0.2)

        def ping(_i: int) -> urllib.request.Request:
            return urllib.request.Request(  # noqa: S310
                f"{base}/ping/", headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}
            )

        def create(i: int) -> urllib.request.Request:
            site_id, customer_id = sites[i % len(sites)]
            body = json.dumps(
                {
                    "customer_id": customer_id,
                    "site_id": site_id,
                    "severity": "B",
                    "symptom": f"压测报修 {i}：交换机端口丢包",
                    "source_ref": "bench-api",
                }
            ).encode()
            return urllib.request.Request(  # noqa: S310
                f"{base}/api/work-orders/",
                data=body,
                method="POST",
                headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json"},
            )

        # Warm-up: every worker imports everything, opens its connection and builds the calendars.
        _load(create, threads=2, seconds=2)
        if args.nice:
            _prioritise([server.pid, *_children(server.pid)], args.nice)
        load_before = os.getloadavg()
        if use_wrk:
            p_done, p_failed, p_rate, p_p50, p_p95 = _wrk(
                f"{base}/ping/", ping_lua, connections=args.threads, seconds=min(args.seconds, 10), nice=args.nice
            )
        else:
            p_done, p_failed, p_lat, p_wall = _load(ping, threads=args.threads, seconds=min(args.seconds, 10))
            p_rate, p_p50, p_p95 = p_done / p_wall, statistics.median(p_lat), p95(p_lat)
        workers = _children(server.pid)
        backends = _backends()  # the workers' PostgreSQL connections (CONN_MAX_AGE keeps them)
        cpu_before, db_cpu_before = _proc_cpu(workers), _proc_cpu(backends)
        stored_before = WorkOrder.objects.filter(source_ref="bench-api").count()
        if use_wrk:
            requests, failed, request_rate, lat50, lat95 = _wrk(
                base, intake_lua, connections=args.threads, seconds=args.seconds, nice=args.nice
            )
            # What the database holds afterwards is the count (a batch request carries args.batch orders).
            done = WorkOrder.objects.filter(source_ref="bench-api").count() - stored_before
            rate = request_rate * done / requests if requests else 0.0
        else:
            done, failed, latencies, wall = _load(create, threads=args.threads, seconds=args.seconds)
            rate, lat50, lat95 = done / wall, statistics.median(latencies), p95(latencies)
        cpu_used = _proc_cpu(workers) - cpu_before
        db_cpu_used = _proc_cpu(backends) - db_cpu_before
        load_after = os.getloadavg()
    finally:
        _stop(server)
    client = f"wrk, {args.threads} connections" if use_wrk else f"{args.threads} Python client threads, no keep-alive"
    if args.nice:
        client += f"; server, its database backends and wrk at nice {args.nice}"
    print(
        f"gunicorn: {args.workers} workers x {args.server_threads} thread(s); {client}; "
        f"load average {load_before[0]:.1f} -> {load_after[0]:.1f}"
    )
    print(f"/ping/ floor: {p_rate:.0f} req/s (failed {p_failed}); latency p50 {p_p50:.1f} ms, p95 {p_p95:.1f} ms")
    per = f" in requests of {args.batch} (/api/work-orders/batch)" if args.batch > 1 else ""
    print(
        f"intake: {done} orders stored{per}, {rate:.0f} orders/s (failed requests {failed}); request latency "
        f"p50 {lat50:.1f} ms, p95 {lat95:.1f} ms"
    )
    ping_server = _server_times(log, "/ping/")
    api_server = _server_times(log, "/api/work-orders/batch" if args.batch > 1 else "/api/work-orders/")
    if ping_server and api_server:
        print(
            f"server time (gunicorn %(D)s): /ping/ p50 {statistics.median(ping_server):.1f} ms p95 "
            f"{p95(ping_server):.1f} ms; intake p50 {statistics.median(api_server):.1f} ms p95 "
            f"{p95(api_server):.1f} ms"
        )
    if done:
        print(
            f"gunicorn workers' CPU: {cpu_used * 1000 / done:.1f} ms per order; their PostgreSQL backends' CPU: "
            f"{db_cpu_used * 1000 / done:.1f} ms per order"
        )
    numbers = list(WorkOrder.objects.filter(source_ref="bench-api").values_list("number", flat=True))
    print(f"numbers unique: {len(numbers) == len(set(numbers))} ({len(numbers)} orders)")
    print(f"{'PASS' if rate >= 200 and not failed else 'FAIL'}: {rate:.0f} orders/s (target >= 200)")
    if not args.keep:
        _delete_bench_orders()
    return 0 if rate >= 200 and not failed else 1


def bench_events(args) -> int:
    """The events intake end to end (issue 20 point 4): gunicorn (2 sync workers) takes alarms from wrk at
    `--threads` connections on POST /api/work-orders/events (202 + receipt) while one `weibao db_worker` turns them
    into orders in batches; timed from wrk's start until the last alarm has its order. Prints the accept rate, the
    end-to-end orders/s (PASS at >= 200), and the CPU per order of the web workers, the task worker and their
    PostgreSQL backends."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from weibao.accounts.services import token_create
    from weibao.customers.models import Site
    from weibao.workorders.choices import AlarmStatus
    from weibao.workorders.models import AlarmEvent

    duty = User.objects.get(username="duty")
    _token, raw = token_create(user=duty, name="bench")
    scale_sites = Site.objects.filter(customer__code__startswith="S")
    sites = list((scale_sites if scale_sites.exists() else Site.objects).values_list("pk", "customer_id")[:2000])
    base = f"http://127.0.0.1:{args.port}"
    log = Path(tempfile.gettempdir()) / f"workorders_bench_{args.port}.log"
    log.unlink(missing_ok=True)
    lua = WRK_INTAKE % {
        "sites": ", ".join(f"{{{s}, {c}}}" for s, c in sites),
        "token": raw,
        "batch": 1,
        "path": "/api/work-orders/events",
    }
    bench_alarms = AlarmEvent.objects.filter(report__source_ref="bench-api")
    server = _gunicorn(args, log)
    worker = subprocess.Popen(  # noqa: S603 - our own task worker, fixed arguments
        [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        # The notices' mails are not intake: delivered to nowhere, so a missing mail server costs no retries.
        env={
            **os.environ,
            "WEIBAO_LOG_LEVEL": "WARNING",
            "WEIBAO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        },
    )
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/ping/", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        # Warm-up: both web workers and the task worker import everything and open their connections; the worker
        # first runs whatever tasks were queued before (a fresh seed queues hundreds of notices).
        backlog = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        print(f"tasks queued before the run: {backlog.count()} (the worker runs them first)")
        _wrk(base, lua, connections=2, seconds=3)
        _wait_for(lambda: not bench_alarms.filter(status=AlarmStatus.PENDING).exists(), timeout=900)
        due = Q(run_after__isnull=True) | Q(run_after__lte=timezone.now() + datetime.timedelta(seconds=5))
        _wait_for(lambda: not backlog.filter(due).exists(), timeout=900)
        stored_before = WorkOrder.objects.filter(source_ref="bench-api").count()
        alarms_before = bench_alarms.count()
        web, task_worker = _children(server.pid), [worker.pid]
        backends = _backends()
        cpu_before = [_proc_cpu(web), _proc_cpu(task_worker), _proc_cpu(backends)]
        load_before = os.getloadavg()
        started = time.monotonic()
        requests, failed, accept_rate, lat50, lat95 = _wrk(base, lua, connections=args.threads, seconds=args.seconds)
        sent = time.monotonic()
        _wait_for(lambda: not bench_alarms.filter(status=AlarmStatus.PENDING).exists(), timeout=600)
        finished = time.monotonic()
        backends = sorted({*backends, *_backends()})
        cpu_used = [
            _proc_cpu(web) - cpu_before[0],
            _proc_cpu(task_worker) - cpu_before[1],
            _proc_cpu(backends) - cpu_before[2],
        ]
        load_after = os.getloadavg()
    finally:
        _stop(server)
        _stop(worker)
    alarms = bench_alarms.count() - alarms_before
    orders = WorkOrder.objects.filter(source_ref="bench-api").count() - stored_before
    rejected = bench_alarms.filter(status=AlarmStatus.REJECTED).count()
    e2e = orders / (finished - started)
    print(
        f"gunicorn: {args.workers} workers x {args.server_threads} thread(s), one `weibao db_worker`; wrk, "
        f"{args.threads} connections, {args.seconds:.0f} s; load average {load_before[0]:.1f} -> {load_after[0]:.1f}"
    )
    print(
        f"accepted: {requests} requests, {accept_rate:.0f}/s (failed {failed}); 202 latency p50 {lat50:.1f} ms, "
        f"p95 {lat95:.1f} ms; {alarms} alarms stored, {rejected} rejected"
    )
    print(
        f"end to end: {orders} orders in {finished - started:.1f} s (last order {finished - sent:.1f} s after the "
        f"last request) = {e2e:.0f} orders/s"
    )
    server_times = _server_times(log, "/api/work-orders/events")
    if server_times:
        print(f"server time per alarm: p50 {statistics.median(server_times):.1f} ms, p95 {p95(server_times):.1f} ms")
    if orders:
        web_ms, task_ms, db_ms = (c * 1000 / orders for c in cpu_used)
        print(
            f"CPU per order: web workers {web_ms:.1f} ms + task worker {task_ms:.1f} ms + PostgreSQL backends "
            f"{db_ms:.1f} ms = {web_ms + task_ms + db_ms:.1f} ms"
        )
    numbers = list(WorkOrder.objects.filter(source_ref="bench-api").values_list("number", flat=True))
    print(f"numbers unique: {len(numbers) == len(set(numbers))} ({len(numbers)} orders)")
    ok = e2e >= 200 and not failed and not rejected and orders == alarms
    print(f"{'PASS' if ok else 'FAIL'}: {e2e:.0f} orders/s end to end (target >= 200)")
    if not args.keep:
        _delete_bench_orders()
    return 0 if ok else 1


def _stop(process: subprocess.Popen) -> None:
    """Stop a process the benchmark started (a loaded machine may need more than a few seconds)."""
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for(condition, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the task worker")
        time.sleep(0.05)


def _delete_bench_orders() -> None:
    """Benchmark rows only: the append-only guard is on the model, so remove them with SQL."""
    with connection.cursor() as cursor:
        ids = "SELECT id FROM workorders_workorder WHERE source_ref = 'bench-api'"
        cursor.execute("DELETE FROM workorders_alarmevent WHERE report ->> 'source_ref' = 'bench-api'")
        for table in (
            "notifications_delivery",  # the orders' notices, when the worker ran the notice tasks
            "workorders_alert",
            "workorders_attachment",
            "workorders_workorderevent",
            "workorders_clock",
            "workorders_workorder_devices",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE workorder_id IN ({ids})")  # noqa: S608 - fixed names
        cursor.execute("DELETE FROM workorders_workorder WHERE source_ref = 'bench-api'")
        cursor.execute("DELETE FROM accounts_apitoken WHERE name = 'bench'")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["queue", "sweep", "api", "events"])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--target-ms", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--server-threads", type=int, default=1, help="gunicorn --threads per worker (gthread)")
    parser.add_argument("--port", type=int, default=8791, help="port for the benchmark's own gunicorn")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--client", choices=["wrk", "python"], default="wrk", help="load generator (api mode)")
    parser.add_argument("--batch", type=int, default=1, help="api mode (wrk): reports per request (batch endpoint)")
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="api mode: run server, its backends and wrk at this nice "
        "value (negative = ahead of other work on a shared machine; needs root)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the orders the API benchmark created")
    args = parser.parse_args()
    print(f"{timezone.now():%Y-%m-%d %H:%M} UTC")
    return {"queue": bench_queue, "sweep": bench_sweep, "api": bench_api, "events": bench_events}[args.mode](args)


if __name__ == "__main__":
    raise SystemExit(main())
