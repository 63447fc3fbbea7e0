"""Spare-parts store at 1,000,000 ledger rows on PostgreSQL (issue 14): the stock page of a warehouse (target
p95 ≤ 100 ms) and an issue move to a work order (target p95 ≤ 20 ms).

Own database (the script migrates it and seeds demo accounts and customers, then builds the store):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wb_spares WEIBAO_SECRET_KEY=bench WEIBAO_ALLOWED_HOSTS=testserver \
        .venv/bin/python -u bench/spares_bench.py --moves 1000000 [--runs 60] [--issues 300]

Building: 40 warehouses (head office, branches, vans), 2,000 counted parts, the ledger streamed with COPY (receipts
and issues drawn at random, never below zero), then each Stock row set to the sum of its ledger rows (the invariant
the services keep). Re-running reuses a built store (`--rebuild` to start over).

Measured: the stock page (`/spares/warehouses/<id>/`, first page, a search, the low-stock filter) through Django's
test client — full middleware, session login, template rendering, no network — after two warm-ups; and
`spares.services.issue_to_order` (one transaction each: the order locked and its timeline event written, the stock
row locked and updated, the ledger row appended) from the busiest warehouse to an open order.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

WAREHOUSES, PARTS = 40, 2000


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)


def build(moves: int) -> None:
    from weibao.accounts.models import Branch, User
    from weibao.spares.models import Move, Part, Stock, Warehouse

    manager = User.objects.get(username="manager")
    engineers = list(User.objects.filter(organisation__kind="own").order_by("pk"))
    branch = Branch.objects.filter(is_head_office=True).first()
    started = time.monotonic()
    with transaction.atomic():
        whs = [Warehouse.objects.create(code="b-hq", name="基准总部库", kind="head_office", branch=branch)]
        for i in range(1, 10):
            whs.append(Warehouse.objects.create(code=f"b-br{i}", name=f"基准分公司库{i}", kind="branch", branch=branch))
        for i, user in enumerate(engineers[: WAREHOUSES - len(whs)]):
            whs.append(
                Warehouse.objects.create(code=f"b-van{i}", name=f"基准车载库{i}", kind="van", branch=branch, owner=user)
            )
        Part.objects.bulk_create(
            Part(
                part_number=f"B-{n:05d}",
                name=f"基准备件{n}",
                model=f"BM-{n % 97}-{n}",
                tracking="counted",
                min_level=n % 7,
                unit_cost=10 + n % 500,
                price=20 + n % 900,
            )
            for n in range(PARTS)
        )
    parts = list(Part.objects.filter(part_number__startswith="B-").values_list("pk", flat=True))
    wh_ids = [w.pk for w in whs]
    # The head office holds the widest range: a third of the moves land there.
    rng = random.Random(14)
    balance: dict[tuple[int, int], int] = {}
    now = timezone.now()
    with connection.cursor() as cursor, transaction.atomic():
        pg = cursor.cursor
        cols = (
            "at",
            "kind",
            "warehouse_id",
            "part_id",
            "on_hand_delta",
            "reserved_delta",
            "on_hand_after",
            "unit_cost",
            "serials",
            "reference",
            "note",
            "actor_id",
        )
        with pg.copy(f"COPY spares_move ({', '.join(cols)}) FROM STDIN") as copy:
            for i in range(moves):
                w = wh_ids[0] if rng.random() < 0.33 else rng.choice(wh_ids)
                p = rng.choice(parts)
                have = balance.get((w, p), 0)
                if have and rng.random() < 0.55:
                    delta, kind = -min(have, rng.randint(1, 3)), "issue"
                else:
                    delta, kind = rng.randint(1, 20), "receive"
                have += delta
                balance[(w, p)] = have
                at = now - timezone.timedelta(seconds=(moves - i) * 30)
                copy.write_row((at, kind, w, p, delta, 0, have, 10, "[]", "", "", manager.pk))
        Stock.objects.bulk_create(
            (Stock(warehouse_id=w, part_id=p, on_hand=n) for (w, p), n in balance.items()), batch_size=5000
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE spares_move; ANALYZE spares_stock; ANALYZE spares_part")
    print(
        f"built {moves:,} ledger rows, {len(balance):,} stock rows in {time.monotonic() - started:.0f}s "
        f"({Move.objects.filter(warehouse_id=wh_ids[0]).count():,} rows in the head office)"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--moves", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--issues", type=int, default=300)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Run on PostgreSQL: DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    call_command("seed", "--demo", "--only", "accounts", "customers", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115

    from weibao.accounts.models import User
    from weibao.customers.models import Site
    from weibao.spares import services
    from weibao.spares.models import Move, Part, Stock, Warehouse
    from weibao.workorders.services import workorder_create

    if args.rebuild or not Warehouse.objects.filter(code="b-hq").exists():
        if Warehouse.objects.filter(code="b-hq").exists():
            with connection.cursor() as cursor:
                cursor.execute(
                    "TRUNCATE spares_move, spares_stock, spares_stockalert, spares_stockunit, "
                    "spares_transfer, spares_partsaleline, spares_partsale, spares_stockimport, "
                    "spares_warehouse, spares_part RESTART IDENTITY CASCADE"
                )
        build(args.moves)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'spares_move'")
        print(f"database: postgresql, ledger rows ≈ {cursor.fetchone()[0]:,}")
    hq = Warehouse.objects.get(code="b-hq")
    manager = User.objects.get(username="manager")
    client = Client()
    client.force_login(manager)
    failed = False
    print(f"{'what':<48} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for label, url in [
        ("floor: /ping/ (login-required 'ok', for the load)", "/ping/"),
        ("stock page, head office (first page)", f"/spares/warehouses/{hq.pk}/"),
        ("stock page, page 10", f"/spares/warehouses/{hq.pk}/?page=10"),
        ("stock page, search 'BM-42'", f"/spares/warehouses/{hq.pk}/?q=BM-42"),
        ("stock page, low stock only", f"/spares/warehouses/{hq.pk}/?low=1"),
    ]:
        for _ in range(2):
            if client.get(url).status_code != 200:
                raise SystemExit(f"{url}: not 200")
        samples = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
        ok = p95(samples) <= 100
        if not label.startswith("floor"):
            failed |= not ok
        print(
            f"{label:<48} {statistics.median(samples):8.1f} {p95(samples):8.1f} {max(samples):8.1f} "
            f"{'PASS' if ok else 'FAIL'}"
        )

    # Issue moves: enough stock on a few parts of the head office, one open order, one transaction per issue.
    site = Site.objects.order_by("pk").first()
    order = workorder_create(
        actor=manager, customer=site.customer, site=site, channel="phone", symptom="基准：备件领用", severity="B"
    )
    parts = list(Part.objects.filter(part_number__startswith="B-").order_by("pk")[:20])
    for part in parts:
        services.receive(warehouse=hq, part=part, quantity=args.issues, actor=manager)
    for i in range(5):  # warm-up
        services.issue_to_order(warehouse=hq, part=parts[i % 20], workorder=order, quantity=1, actor=manager)
    samples = []
    for i in range(args.issues):
        started = time.perf_counter()
        services.issue_to_order(warehouse=hq, part=parts[i % 20], workorder=order, quantity=1, actor=manager)
        samples.append((time.perf_counter() - started) * 1000)
    ok = p95(samples) <= 20
    failed |= not ok
    print(
        f"{'issue_to_order (one transaction)':<48} {statistics.median(samples):8.1f} {p95(samples):8.1f} "
        f"{max(samples):8.1f} {'PASS' if ok else 'FAIL'}"
    )
    # The invariant after all of it: the head office's ledger sums equal its stock.
    from django.db.models import Sum

    ledger = Move.objects.filter(warehouse=hq).aggregate(n=Sum("on_hand_delta"))["n"]
    stock = Stock.objects.filter(warehouse=hq).aggregate(n=Sum("on_hand"))["n"]
    print(f"head office: ledger sum {ledger:,} = stock {stock:,}: {'OK' if ledger == stock else 'MISMATCH'}")
    return 1 if failed or ledger != stock else 0


if __name__ == "__main__":
    sys.exit(main())
