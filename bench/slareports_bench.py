"""SLA reports (issue 12, points 4–6): one contract's yearly report, all contracts' monthly generation, similar-fault
lookup. Targets at 1M orders on PostgreSQL: yearly report ≤ 1 s, 20,000 monthly reports ≤ 10 min, lookup p95 ≤ 100 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wb_slareports_bench \\
        .venv/bin/python bench/slareports_bench.py [yearly|monthly|similar|all] [--runs 20] [--lookups 200] [--keep]

Seed first: `manage.py migrate && manage.py seed --scale 100000` (the slareports seed gives every contract a
monthly schedule). `monthly` sets the period's existing regular reports aside, generates them all and rolls all of
it back at the end (`--keep` keeps the new reports): safe on a shared database such as wb_1m.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
os.environ.setdefault("WEIBAO_DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from weibao.contracts.models import Contract  # noqa: E402
from weibao.slareports import metrics, services, similar  # noqa: E402
from weibao.slareports.models import PeriodicReport  # noqa: E402
from weibao.workorders.models import WorkOrder  # noqa: E402


def pct(values, p):
    ordered = sorted(values)
    return ordered[max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1)]


def yearly(runs: int) -> None:
    row = WorkOrder.objects.exclude(contract=None).values("contract").annotate(n=Count("id")).order_by("-n").first()
    contract = Contract.objects.select_related("calendar", "customer").get(pk=row["contract"])
    end = timezone.localdate()
    start = end - datetime.timedelta(days=364)
    times = []
    for i in range(runs):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            began = time.perf_counter()
            data = metrics.build_report(contract=contract, start=start, end=end)
            times.append(time.perf_counter() - began)
        if i == 0:
            print(
                f"yearly: contract {contract.code}, {data['orders_total']} orders in {start}..{end}, "
                f"{len(ctx.captured_queries)} queries"
            )
    print(
        f"yearly: runs={runs} p50={statistics.median(times) * 1000:.0f} ms p95={pct(times, 95) * 1000:.0f} ms "
        f"max={max(times) * 1000:.0f} ms (target ≤ 1000 ms)"
    )


def monthly(keep: bool = False) -> None:
    """Generate last month's reports of every scheduled contract. Unless `keep`, all of it (the removal of earlier
    bench reports too) runs in one transaction that is rolled back: the benchmark leaves a shared database as it was."""
    today = timezone.localdate()
    start, end = services.last_complete_period("monthly", today)
    with transaction.atomic():
        deleted, _ = PeriodicReport.objects.filter(period_start=start, period_end=end).delete()
        print(
            f"monthly: period {start}..{end}; {deleted} earlier reports set aside"
            f"{'' if keep else ' (rolled back at the end)'}"
        )
        began = time.perf_counter()

        def progress(done, total):
            elapsed = time.perf_counter() - began
            print(f"  {done}/{total} contracts checked, {elapsed:.1f} s, load {os.getloadavg()[0]:.1f}", flush=True)

        counts = services.reports_generate_due(today=today, progress=progress)
        elapsed = time.perf_counter() - began
        rate = counts["generated"] / elapsed if elapsed else 0
        print(
            f"monthly: {counts} in {elapsed:.1f} s ({rate:.1f} reports/s; 20,000 would take "
            f"{20000 / rate / 60 if rate else 0:.1f} min; target ≤ 10 min)"
        )
        if not keep:
            transaction.set_rollback(True)


def lookups(n: int) -> None:
    rng = random.Random(12)  # noqa: S311 - benchmark sampling
    last = WorkOrder.objects.order_by("-id").values_list("id", flat=True).first() or 0
    texts = []
    while len(texts) < n and last:
        wo = WorkOrder.objects.filter(id__gte=rng.randint(1, last)).order_by("id").values("symptom").first()
        if wo and wo["symptom"]:
            words = wo["symptom"]
            cut = rng.randint(0, max(0, len(words) - 8))
            texts.append(words[cut : cut + rng.randint(8, 20)])  # a fragment, as typed at intake
    similar.similar_ids(text=texts[0])  # warm-up
    times, hits = [], 0
    for text in texts:
        began = time.perf_counter()
        found = similar.similar_ids(text=text)
        times.append(time.perf_counter() - began)
        hits += bool(found)
    print(
        f"similar: {len(texts)} lookups on {connection.vendor}, {hits} with matches; "
        f"p50={statistics.median(times) * 1000:.1f} ms p95={pct(times, 95) * 1000:.1f} ms "
        f"max={max(times) * 1000:.1f} ms (target p95 ≤ 100 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", nargs="?", default="all", choices=["yearly", "monthly", "similar", "all"])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the generated monthly reports (default: roll back)")
    args = parser.parse_args()
    print(
        f"{WorkOrder.objects.count()} orders, {Contract.objects.count()} contracts, {connection.vendor}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    if args.what in ("yearly", "all"):
        yearly(args.runs)
    if args.what in ("similar", "all"):
        lookups(args.lookups)
    if args.what in ("monthly", "all"):
        monthly(keep=args.keep)


if __name__ == "__main__":
    main()
