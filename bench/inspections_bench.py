"""Generating a year of inspection visits for 20,000 contracts (issue 15: ≤ 60 s on PostgreSQL).

Own database, migrated, then:
    createdb -h 127.0.0.1 -U postgres wb_planned_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wb_planned_bench WEIBAO_DEBUG=true \
        .venv/bin/python manage.py migrate -v0
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wb_planned_bench WEIBAO_DEBUG=true \
        .venv/bin/python bench/inspections_bench.py [--contracts 20000]

The script builds what it needs in bulk when missing (organisations, customers, sites, three calendars — 5x8 China,
7x24, 6x10 China — and the contracts, one inspection plan each: 40 % monthly, 35 % quarterly, 10 % half-yearly,
5 % yearly, 10 % every 15 working days), deletes earlier visits, then times `visits_generate_all` (a year ahead,
the nightly job) and a second run, which must create nothing (idempotent). Prints the numbers for
docs/performance.md and fails if the first run takes longer than the target.
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

TARGET_SECONDS = 60.0
PREFIX = "BENCH-XJ-"
FREQUENCIES = ["monthly"] * 8 + ["quarterly"] * 7 + ["half_yearly"] * 2 + ["yearly"] + ["working_days"] * 2


def build(n: int, today: dt.date) -> None:
    from weibao.accounts.models import Organisation
    from weibao.contracts.choices import CalendarKind
    from weibao.contracts.models import BusinessCalendar, Contract
    from weibao.customers.models import Customer, Site

    have = Contract.objects.filter(code__startswith=PREFIX).count()
    if have >= n:
        _plans(
            Contract.objects.filter(code__startswith=PREFIX, inspection_plans__isnull=True).select_related("customer")
        )
        return
    hours = "09:00-12:00,13:00-18:00"
    cals = [
        BusinessCalendar.objects.get_or_create(
            name="bench 5x8",
            defaults={
                "kind": CalendarKind.WEEKLY,
                "mon_hours": hours,
                "tue_hours": hours,
                "wed_hours": hours,
                "thu_hours": hours,
                "fri_hours": hours,
            },
        )[0],
        BusinessCalendar.objects.get_or_create(name="bench 7x24", defaults={"kind": CalendarKind.ALWAYS})[0],
        BusinessCalendar.objects.get_or_create(
            name="bench 6x10",
            defaults=dict(
                kind=CalendarKind.WEEKLY,
                **{f"{d}_hours": "08:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat")},
            ),
        )[0],
    ]
    todo = range(have, n)
    orgs = Organisation.objects.bulk_create([Organisation(kind="customer", name=f"{PREFIX}客户{i}") for i in todo])
    customers = Customer.objects.bulk_create(
        [Customer(organisation=o, code=f"{PREFIX}{i}", name=o.name) for i, o in zip(todo, orgs, strict=True)]
    )
    Site.objects.bulk_create(
        [Site(customer=c, organisation_id=c.organisation_id, name="总部") for c in customers], batch_size=5000
    )
    contracts = Contract.objects.bulk_create(
        [
            Contract(
                code=f"{PREFIX}{i}",
                name="维保合同",
                customer=c,
                calendar=cals[i % 3],
                start_date=today - dt.timedelta(days=i % 200),
                end_date=today + dt.timedelta(days=400 + i % 300),
            )
            for i, c in zip(todo, customers, strict=True)
        ],
        batch_size=5000,
    )
    _plans(contracts)


def _plans(contracts) -> None:
    """One plan per contract (frequencies mixed by the contract's number)."""
    from weibao.customers.models import Site
    from weibao.inspections.models import ChecklistItem, ChecklistTemplate, InspectionPlan

    template = ChecklistTemplate.objects.filter(name="bench checklist").first()
    if template is None:
        template = ChecklistTemplate.objects.create(name="bench checklist", subsystem_kind="network")
        ChecklistItem.objects.create(template=template, kind="yes_no", text="设备运行正常")
    contracts = list(contracts)
    sites = dict(
        Site.objects.filter(customer_id__in=[k.customer_id for k in contracts]).values_list("customer_id", "pk")
    )
    rows = []
    for k in contracts:
        frequency = FREQUENCIES[int(k.code.removeprefix(PREFIX)) % len(FREQUENCIES)]
        rows.append(
            InspectionPlan(
                contract=k,
                organisation_id=k.customer.organisation_id,
                site_id=sites[k.customer_id],
                template=template,
                name="巡检",
                frequency=frequency,
                interval_days=15 if frequency == "working_days" else None,
                starts_on=k.start_date,
            )
        )
    InspectionPlan.objects.bulk_create(rows, batch_size=5000)


def main() -> int:
    from weibao.inspections.models import InspectionPlan, InspectionVisit
    from weibao.inspections.services import visits_generate_all

    parser = argparse.ArgumentParser()
    parser.add_argument("--contracts", type=int, default=20000)
    args = parser.parse_args()
    today = dt.date(2026, 12, 7)
    started = time.monotonic()
    build(args.contracts, today)
    print(
        f"setup: {time.monotonic() - started:.1f} s; {connection.vendor}; "
        f"{InspectionPlan.objects.filter(contract__code__startswith=PREFIX).count()} plans"
    )
    InspectionVisit.objects.filter(plan__contract__code__startswith=PREFIX).delete()
    from weibao.inspections import services

    insert_seconds = [0.0]
    original = services._insert_visits

    def timed_insert(rows):
        t0 = time.monotonic()
        try:
            return original(rows)
        finally:
            insert_seconds[0] += time.monotonic() - t0

    services._insert_visits = timed_insert
    os.system("uptime")  # noqa: S605, S607 - the load the numbers were taken at
    started, cpu = time.monotonic(), time.process_time()
    created = visits_generate_all(today=today)
    first, first_cpu = time.monotonic() - started, time.process_time() - cpu
    started = time.monotonic()
    again = visits_generate_all(today=today)
    second = time.monotonic() - started
    stored = InspectionVisit.objects.filter(plan__contract__code__startswith=PREFIX).count()
    print(
        f"first run: {created} visits in {first:.1f} s ({created / first:.0f}/s); stored {stored}; "
        f"Python CPU {first_cpu:.1f} s; INSERTs (database) {insert_seconds[0]:.1f} s"
    )
    print(f"second run (idempotent): {again} new visits in {second:.1f} s")
    print(f"target {TARGET_SECONDS:.0f} s: {'PASS' if first <= TARGET_SECONDS and again == 0 else 'FAIL'}")
    return 0 if first <= TARGET_SECONDS and again == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
