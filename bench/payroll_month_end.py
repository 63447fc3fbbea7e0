"""Month-end benchmark (issue 13): prepare one month's table for N engineers on the configured database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wb_payroll WEIBAO_DEBUG=true \
        .venv/bin/python bench/payroll_month_end.py --engineers 500 --visits 40 [--background 100000]

It needs one existing work order as a template (`weibao seed --demo` first). It adds, once (idempotent, kept for
re-runs): `--engineers` field engineers (username prefix "paybench"), `--background` closed orders of earlier
months with their signed forms (the database's size), and for last month `--visits` on-site orders per engineer with their signed service
forms (10 % incomplete, 5 % corrected by a second revision), a travel claim per 5 visits and, when the feedback app
is installed, one confirmed complaint per 20 visits. Then it times, each inside a transaction rolled back:
`services.compute` (the reads and the rules) and `services.paymonth_prepare` (the same plus storing every statement
and line). Prints the numbers that go into docs/performance.md."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from weibao.accounts.models import User  # noqa: E402
from weibao.accounts.services import own_company  # noqa: E402
from weibao.onsite.models import ServiceForm  # noqa: E402
from weibao.payroll import services  # noqa: E402
from weibao.payroll.models import PayMonth, PayRule, TravelClaim  # noqa: E402
from weibao.workorders.models import WorkOrder  # noqa: E402

PREFIX = "paybench"
SKIP = {
    "id",
    "number",
    "number_key",
    "assignee",
    "arrived_at",
    "status",
    "version",
    "reported_at",
    "closed_at",
    "resolved_at",
}


def _template() -> dict:
    wo = WorkOrder.objects.order_by("id").first()
    if wo is None:
        sys.exit("No work order to copy: run `weibao seed --demo` first.")
    return {f.attname: getattr(wo, f.attname) for f in WorkOrder._meta.concrete_fields if f.name not in SKIP}


def _engineers(n: int) -> list[User]:
    have = User.objects.filter(username__startswith=PREFIX).count()
    own = own_company()
    branches = list(apps.get_model("accounts", "Branch").objects.order_by("pk")) or [None]
    User.objects.bulk_create(
        [
            User(
                username=f"{PREFIX}{i:04d}",
                name=f"基准工程师{i:04d}",
                role="field_engineer",
                organisation=own,
                branch=branches[i % len(branches)],
                is_dedicated=i % 7 != 0,
                on_probation=i % 11 == 0,
                password=make_password(None),  # unusable: no login
            )
            for i in range(have, n)
        ],
        batch_size=1000,
    )
    return list(User.objects.filter(username__startswith=PREFIX).order_by("username")[:n])


def _copy(model, columns: list[str], rows) -> None:
    """COPY rows into the model's table (PostgreSQL; bench data only)."""
    table = model._meta.db_table
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor, cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def _orders(template: dict, engineers: list[User], count: int, month: dt.date, tag: str, status: str) -> list[int]:
    """`count` orders spread over the engineers and over `month`, numbered PB<tag>-<i>."""
    existing = WorkOrder.objects.filter(number__startswith=f"PB{tag}-").count()
    start = timezone.make_aware(dt.datetime.combine(month, dt.time(9)))
    columns = [*template, "number", "assignee_id", "arrived_at", "reported_at", "status", "version"]

    def rows():
        for i in range(existing, count):
            at = start + dt.timedelta(days=i % 27, minutes=i % 480)
            yield (
                *template.values(),
                f"PB{tag}-{i:07d}",
                engineers[i % len(engineers)].pk,
                at,
                at - dt.timedelta(hours=2),
                status,
                1,
            )

    if connection.vendor == "postgresql":
        _copy(WorkOrder, columns, rows())
    else:
        WorkOrder.objects.bulk_create(
            [WorkOrder(**dict(zip(columns, row, strict=True))) for row in rows()], batch_size=5000
        )
    return list(WorkOrder.objects.filter(number__startswith=f"PB{tag}-").order_by("id").values_list("id", flat=True))


FORM_COLUMNS = [
    "workorder_id",
    "revision",
    "previous_id",
    "status",
    "signed_at",
    "complete",
    "missing",
    "solved",
    "satisfaction",
    "updated_by_id",
    "version",
    "created_at",
    "updated_at",
    "symptom",
    "inspection",
    "cause",
    "cause_detail",
    "work_done",
    "replaced_devices",
    "customer_contact_name",
    "customer_contact_phone",
    "engineer_name",
    "engineer_phone",
    "customer_remark",
    "stamp_photo",
    "sha256",
]


def _form_row(pk, revision, previous, signed_at, complete, assignee, k):
    from psycopg.types.json import Jsonb

    return (
        pk,
        revision,
        previous,
        "signed",
        signed_at,
        complete,
        Jsonb([] if complete else ["inspection"]),
        True,
        5 - k % 3,
        assignee,
        1,
        signed_at,
        signed_at,
        "",
        "",
        "system",
        "",
        "",
        Jsonb([]),
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    )


def _forms(order_ids: list[int], engineers: dict[int, int]) -> None:
    """A signed first revision for every order without one (10 % incomplete); every 20th gets a corrected second."""
    done = set(
        ServiceForm.objects.filter(workorder_id__gte=min(order_ids, default=0)).values_list("workorder_id", flat=True)
    )
    todo = [pk for pk in order_ids if pk not in done]
    second = []

    orders = []  # read before the COPY: the connection runs nothing else while a COPY is open
    for start in range(0, len(todo), 20000):
        orders.extend(
            WorkOrder.objects.filter(pk__in=todo[start : start + 20000]).values_list("pk", "arrived_at", "assignee_id")
        )

    def rows():
        for k, (pk, arrived, assignee) in enumerate(orders):
            if k % 20 == 1:
                second.append((pk, arrived, assignee))
            yield _form_row(pk, 1, None, arrived + dt.timedelta(hours=2), k % 10 != 0, assignee, k)

    if connection.vendor == "postgresql":
        _copy(ServiceForm, FORM_COLUMNS, rows())
    else:
        ServiceForm.objects.bulk_create(
            [
                ServiceForm(
                    workorder_id=r[0],
                    revision=1,
                    status="signed",
                    signed_at=r[4],
                    complete=r[5],
                    missing=[] if r[5] else ["inspection"],
                    solved=True,
                    updated_by_id=r[9],
                )
                for r in rows()
            ],
            batch_size=5000,
        )
    firsts = {}
    ids = [p for p, _a, _e in second]
    for start in range(0, len(ids), 20000):
        firsts.update(
            ServiceForm.objects.filter(workorder_id__in=ids[start : start + 20000], revision=1).values_list(
                "workorder_id", "pk"
            )
        )
    ServiceForm.objects.bulk_create(
        [
            ServiceForm(
                workorder_id=pk,
                revision=2,
                previous_id=firsts[pk],
                status="signed",
                signed_at=arrived + dt.timedelta(days=1),
                complete=True,
                solved=True,
                updated_by_id=assignee,
            )
            for pk, arrived, assignee in second
            if pk in firsts
        ],
        batch_size=5000,
    )


def _claims_and_complaints(order_ids: list[int]) -> None:
    if TravelClaim.objects.filter(workorder_id__in=order_ids[:1000]).exists():
        return
    orders = list(WorkOrder.objects.filter(pk__in=order_ids[::5]).values_list("pk", "assignee_id", "arrived_at"))
    TravelClaim.objects.bulk_create(
        [
            TravelClaim(
                engineer_id=eng,
                workorder_id=pk,
                kind="public",
                trip_at=at - dt.timedelta(hours=1),
                amount=Decimal("12.50"),
                description="地铁",
                status="accepted",
            )
            for pk, eng, at in orders
        ],
        batch_size=5000,
    )
    if not apps.is_installed("weibao.feedback"):
        return
    Complaint = apps.get_model("feedback", "Complaint")
    own = own_company()
    desk = User.objects.filter(organisation=own).exclude(username__startswith=PREFIX).first()
    template = WorkOrder.objects.filter(pk=order_ids[0]).values("organisation_id").first()
    rows = list(WorkOrder.objects.filter(pk__in=order_ids[::20]).values_list("pk", "assignee_id", "arrived_at"))
    Complaint.objects.bulk_create(
        [
            Complaint(
                number=f"PBTS-{i:06d}",
                customer_id=template["organisation_id"],
                order_id=pk,
                engineer_id=eng,
                source="phone",
                category="attitude",
                complainant_name="客户",
                description="基准",
                registered_at=at + dt.timedelta(hours=5),
                registered_by=desk,
                confirmed_at=at + dt.timedelta(days=1),
                confirmed_by=desk,
            )
            for i, (pk, eng, at) in enumerate(rows)
        ],
        batch_size=5000,
    )


class Rollback(Exception):
    pass


def _timed(label: str, call, runs: int, setup=None) -> list[float]:
    times = []
    for _i in range(runs):
        try:
            with transaction.atomic():
                if setup is not None:
                    setup()  # inside the rolled-back transaction, before the clock starts
                started = time.perf_counter()
                result = call()
                times.append(time.perf_counter() - started)
                raise Rollback
        except Rollback:
            pass
    print(f"{label}: best {min(times):.2f} s, runs {', '.join(f'{t:.2f}' for t in times)}")
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engineers", type=int, default=500)
    parser.add_argument("--visits", type=int, default=40, help="on-site visits per engineer last month")
    parser.add_argument("--background", type=int, default=0, help="closed orders of earlier months to add")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    if not PayRule.objects.exists():
        PayRule.objects.create(
            valid_from=dt.date(2020, 1, 1),
            service_allowance=Decimal("30"),
            monthly_bonus=Decimal("500"),
            complaint_fine=Decimal("100"),
            forfeit_threshold=3,
            non_dedicated_visit_fee=Decimal("80"),
            base_salary=Decimal("4000"),
            probation_base_salary=Decimal("3200"),
            seniority_per_year=Decimal("50"),
            standard_days=Decimal("21.75"),
            created_by=User.objects.filter(role="admin").first() or User.objects.first(),
        )
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    engineers = _engineers(args.engineers)
    template = _template()
    started = time.perf_counter()
    if args.background:
        background = _orders(
            template, engineers, args.background, (month - dt.timedelta(days=200)).replace(day=1), "B", "closed"
        )
        _forms(background, {})  # earlier months' signed forms: the table a month end reads from is full-size
    order_ids = _orders(template, engineers, args.engineers * args.visits, month, "M", "closed")
    _forms(order_ids, {})
    _claims_and_complaints(order_ids)
    print(f"data ready in {time.perf_counter() - started:.1f} s")
    clerk = User.objects.filter(role__in=["service_admin", "admin"]).first()
    print(
        f"database: {connection.vendor}; work orders {WorkOrder.objects.count():,}; service forms "
        f"{ServiceForm.objects.count():,}; engineers {len(engineers)}; month {month:%Y-%m}: "
        f"{len(order_ids):,} on-site orders"
    )
    _t, results = _timed("compute (reads + rules)", lambda: services.compute(month), args.runs)
    print(
        f"  statements {len(results)}, services counted {sum(r.services for r in results.values()):,}, "
        f"lines {sum(len(r.lines) for r in results.values()):,}, total "
        f"{sum(r.total for r in results.values())}"
    )
    # The demo data may have prepared (or locked) this month already: the timed runs start from no table.
    _timed(
        "paymonth_prepare (compute + store)",
        lambda: services.paymonth_prepare(month=month, actor=clerk),
        args.runs,
        setup=lambda: PayMonth.objects.filter(month__gte=month).delete(),
    )


if __name__ == "__main__":
    main()
