"""The handover of a large delivery project (issue 16): N equipment lines become devices, in one transaction.

Own database, migrated (the demo seed is not needed), then:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wb_delivery WEIBAO_DEBUG=true \
        .venv/bin/python bench/delivery_handover_bench.py [--lines 2000]

Builds a customer, a project type and a project already at "accepted" with N equipment lines (the gates are the
service tests' business, not this measure's), then times `project_handover` and a second call, which must change
nothing. Also times the equipment-list import check of the same N rows from an .xlsx. Prints the numbers for
docs/performance.md. Rows it made carry the BENCH-DH- prefix and are left in place (a new code each run).
"""

import argparse
import datetime as dt
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=2000)
    n = parser.parse_args().lines

    from openpyxl import Workbook

    from weibao.accounts.choices import Role
    from weibao.accounts.models import User
    from weibao.accounts.services import own_company
    from weibao.assets.models import Device, Vendor
    from weibao.assets.services import vendor_create
    from weibao.contracts.models import BusinessCalendar
    from weibao.customers.services import customer_create
    from weibao.delivery import services
    from weibao.delivery.choices import Stage
    from weibao.delivery.excel import COLUMNS, check_equipment
    from weibao.delivery.handover import project_handover
    from weibao.delivery.models import DeliveryProject, EquipmentItem, ProjectType

    stamp = time.strftime("%H%M%S")
    actor = User.objects.filter(role=Role.ADMIN).first() or User.objects.create(
        username=f"bench-dh-{stamp}", name="bench", role=Role.ADMIN, organisation=own_company()
    )
    vendor = Vendor.objects.filter(name="BENCH-DH-厂商").first() or vendor_create(actor=actor, name="BENCH-DH-厂商")
    calendar = BusinessCalendar.objects.filter(kind="weekly").first() or BusinessCalendar.objects.create(
        name="BENCH-DH-5x8",
        mon_hours="09:00-18:00",
        tue_hours="09:00-18:00",
        wed_hours="09:00-18:00",
        thu_hours="09:00-18:00",
        fri_hours="09:00-18:00",
    )
    customer = customer_create(actor=actor, code=f"BENCH-DH-{stamp}", name=f"BENCH-DH-客户{stamp}")
    ptype = ProjectType.objects.filter(code="bench-dh").first() or services.project_type_create(
        actor=actor, code="bench-dh", name="BENCH-DH-类型"
    )
    project = services.delivery_project_create(
        actor=actor, customer=customer, project_type=ptype, code=f"DH{stamp}", name="BENCH 交付项目", calendar=calendar
    )
    today = dt.date.today()  # noqa: DTZ011 - a calendar date for the bench data
    EquipmentItem.objects.bulk_create(
        EquipmentItem(
            project=project,
            line=i,
            site_name=f"楼{i % 5}",
            subsystem_name=f"子系统{i % 8}",
            vendor=vendor,
            model="S5735",
            serial_number=f"DH{stamp}-{i:06d}",
            location=f"{i % 30}F 机柜 U{i % 42}",
            installed_on=today - dt.timedelta(days=100),
        )
        for i in range(1, n + 1)
    )
    DeliveryProject.objects.filter(pk=project.pk).update(stage=Stage.ACCEPTED, final_acceptance_on=today)

    # the import check of the same rows
    wb = Workbook()
    ws = wb.active
    ws.append([c.header for c in COLUMNS])
    for i in range(1, n + 1):
        ws.append(
            [
                f"楼{i % 5}",
                f"子系统{i % 8}",
                vendor.name,
                "硬件",
                "",
                "S5735",
                f"X{stamp}-{i:06d}",
                "机房",
                "",
                "",
                "2026-01-05",
                "",
                "",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    started = time.perf_counter()
    result = check_equipment(out.getvalue(), project=project)
    check_s = time.perf_counter() - started
    if not result.ok:
        raise SystemExit(f"import check refused the rows: {result.errors[:3]}")

    connection.force_debug_cursor = True
    reset_queries()
    started = time.perf_counter()
    project_handover(project=project, actor=actor)
    first_s = time.perf_counter() - started
    first_q = len(connection.queries)
    reset_queries()
    started = time.perf_counter()
    project_handover(project=project, actor=actor)
    second_s = time.perf_counter() - started
    second_q = len(connection.queries)
    devices = Device.objects.filter(customer=customer).count()
    if devices != n:
        raise SystemExit(f"expected {n} devices, found {devices}")
    load = os.getloadavg()[0]
    print(
        f"lines={n} import-check={check_s:.2f}s handover={first_s:.2f}s ({first_q} queries, "
        f"{1000 * first_s / n:.1f} ms/line) again={second_s:.3f}s ({second_q} queries) load={load:.1f} "
        f"db={connection.vendor}"
    )


if __name__ == "__main__":
    main()
