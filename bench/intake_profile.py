#!/usr/bin/env python3
"""Where one single-report API intake spends its time (issue 20 point 4), in-process, no network.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wb_intake WEIBAO_SECRET_KEY=bench \\
        WEIBAO_ALLOWED_HOSTS=testserver .venv/bin/python bench/intake_profile.py --runs 200
    ... --profile 20          # cProfile of 20 requests, the top functions by own and cumulative time
    ... --queries             # every statement of one request with its database time
    ... --events              # the events intake's request path instead (the alarm stored, 202)
    ... --events --process    # and then the task's part: the pending alarms into orders, then their notices
    ... --events --process --per-event   # the notices made event by event (`notify_events` before the batch path)

Each request is `POST /api/work-orders/` through Django's test client (whole middleware stack, Bearer token of the
duty engineer, the ninja schema, the service) for a different scale-seed site. Prints the Python CPU per order
(process time: client and server together; the test client itself costs ~0.3 ms), the wall time, and the
statements per order with their summed database time. The orders are tagged source_ref="bench-api" and deleted.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--profile", type=int, default=0, help="cProfile this many requests")
    parser.add_argument("--queries", action="store_true", help="print the statements of one request")
    parser.add_argument(
        "--events", action="store_true", help="POST /api/work-orders/events (the alarm's 202 path only, no order)"
    )
    parser.add_argument(
        "--process",
        action="store_true",
        help="with --events: time the task turning the stored alarms into orders (batches of 100), then the notice "
        "tasks those batches queued",
    )
    parser.add_argument(
        "--per-event",
        action="store_true",
        help="with --process: run the notice tasks' events one by one through deliveries_for_event (the old path)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from weibao.accounts.models import User
    from weibao.accounts.services import token_create
    from weibao.customers.models import Site

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from workorders_bench import _delete_bench_orders

    duty = User.objects.get(username="duty")
    _token, raw = token_create(user=duty, name="bench")
    scale_sites = Site.objects.filter(customer__code__startswith="S")
    sites = list((scale_sites if scale_sites.exists() else Site.objects).values_list("pk", "customer_id")[:2000])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    counter = [0]

    def post() -> None:
        counter[0] += 1
        site_id, customer_id = sites[counter[0] % len(sites)]
        body = {
            "customer_id": customer_id,
            "site_id": site_id,
            "severity": "B",
            "symptom": f"压测报修 {counter[0]}：交换机端口丢包",
            "source_ref": "bench-api",
        }
        path, expected = ("/api/work-orders/events", 202) if args.events else ("/api/work-orders/", 201)
        response = client.post(path, json.dumps(body), content_type="application/json")
        if response.status_code != expected:
            raise SystemExit(f"intake failed: {response.status_code} {response.content[:300]!r}")

    statements: list[tuple[str, float]] = []
    # How long the year's counter row stays locked: from the start of the statement that takes the number (the
    # order's INSERT on PostgreSQL, the counter upsert elsewhere) to the end of COMMIT.
    lock_started: list[float] = []
    lock_held: list[float] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        if 'INSERT INTO "workorders_workorder" ' in sql or "workorders_numbercounter" in sql:
            lock_started.append(started)
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((sql, (time.perf_counter() - started) * 1000))

    real_commit = connection._commit

    def commit():
        real_commit()
        if lock_started:
            lock_held.append((time.perf_counter() - lock_started.pop()) * 1000)
            lock_started.clear()

    connection._commit = commit

    try:
        for _ in range(5):  # warm-up: imports, connection, calendars
            post()
        if args.events and args.process:
            _process_alarms(per_event=args.per_event)  # the warm-up's alarms warm the task's path too
        if args.queries:
            with connection.execute_wrapper(timed):
                post()
            for sql, ms in statements:
                print(f"{ms:6.2f} ms  {sql[:220]}")
            statements.clear()
        if args.profile:
            profiler = cProfile.Profile(time.process_time)  # CPU, not waiting: the machine is shared
            profiler.enable()
            for _ in range(args.profile):
                post()
            profiler.disable()
            stats = pstats.Stats(profiler).strip_dirs()
            stats.sort_stats("tottime").print_stats(35)
            stats.sort_stats("cumulative").print_stats(60)
        walls, cpus = [], []
        lock_held.clear()
        with connection.execute_wrapper(timed):
            for _ in range(args.runs):
                w0, c0 = time.perf_counter(), time.process_time()
                post()
                cpus.append((time.process_time() - c0) * 1000)
                walls.append((time.perf_counter() - w0) * 1000)
        db_ms = sum(ms for _sql, ms in statements) / args.runs
        print(f"load average {os.getloadavg()[0]:.1f}; {args.runs} orders")
        print(f"wall p50 {statistics.median(walls):.1f} ms, p95 {statistics.quantiles(walls, n=20)[18]:.1f} ms")
        print(f"Python CPU per order: p50 {statistics.median(cpus):.2f} ms, mean {statistics.fmean(cpus):.2f} ms")
        print(
            f"statements per order {len(statements) / args.runs:.1f} (and COMMIT), database wall per order "
            f"{db_ms:.2f} ms"
        )
        if args.events and args.process:
            process_ms, notices_ms, orders, made = _process_alarms(per_event=args.per_event)
            print(
                f"task: {orders} alarms into orders, CPU per order {process_ms / max(orders, 1):.2f} ms; their notice "
                f"tasks {notices_ms / max(orders, 1):.2f} ms per order "
                f"({'event by event' if args.per_event else 'batch'}; deliveries: {made['deliveries']}; "
                f"{made['deliver']} deliver and {made['deliver_many']} deliver_many tasks queued)"
            )
        if lock_held:
            print(
                f"number counter row locked per order (number taken .. COMMIT done): p50 "
                f"{statistics.median(lock_held):.2f} ms, p95 {statistics.quantiles(lock_held, n=20)[18]:.2f} ms"
            )
    finally:
        _delete_bench_orders()
    return 0


def _process_alarms(*, per_event: bool = False) -> tuple[float, float, int, dict]:
    """The task's work in this process: pending alarms into orders (`alarms_process`), then the notice tasks the
    batches queued (run here, not by a worker; `per_event`: their events one by one, as `notify_events` did before
    the batch path). Returns the CPU ms of each part, the number of alarms, and the deliveries and send tasks made
    (the send tasks are then deleted unrun: nothing leaves the machine)."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from weibao.notifications.models import Delivery
    from weibao.notifications.services import deliveries_for_event
    from weibao.notifications.tasks import deliver, deliver_many, notify_events
    from weibao.workorders.services.alarms import alarms_process

    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    before = Delivery.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = time.process_time()
    handled = alarms_process()
    processed = time.process_time()
    queued = ready.filter(task_path=notify_events.module_path)
    for result in queued.order_by("enqueued_at"):
        event_ids = result.args_kwargs["kwargs"]["event_ids"]
        if per_event:
            for event_id in event_ids:
                deliveries_for_event(event_id=event_id)
        else:
            notify_events.call(event_ids=event_ids)
        result.delete()
    notices_ms = (time.process_time() - processed) * 1000
    made = {
        "deliveries": ", ".join(
            f"{n} {notice} by {channel}"
            for (notice, channel), n in Counter(
                Delivery.objects.filter(pk__gt=before).values_list("notice", "channel")
            ).most_common()
        )
        or "no",
        "deliver": ready.filter(task_path=deliver.module_path).count(),
        "deliver_many": ready.filter(task_path=deliver_many.module_path).count(),
    }
    ready.filter(task_path__in=[deliver.module_path, deliver_many.module_path]).delete()
    return (processed - started) * 1000, notices_ms, handled, made


if __name__ == "__main__":
    raise SystemExit(main())
