"""Import of a 10,000-row equipment list (issue 3: under 10 s), end to end through the services the UI calls.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_estate WEIBAO_SECRET_KEY=bench \
        .venv/bin/python bench/estate_import_bench.py [--rows 10000]

Creates a throw-away customer with a site, project and subsystem, builds the .xlsx in memory (not timed), then times
upload check (read + every row validated + duplicate lookups) and commit (re-check + insert in one transaction).
Everything it created is deleted afterwards.
"""

import argparse
import datetime
import io
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from weibao.accounts.models import User  # noqa: E402
from weibao.assets.choices import ImportStatus  # noqa: E402
from weibao.assets.excel import COLUMNS  # noqa: E402
from weibao.assets.models import Device, DeviceEvent, ImportJob, Vendor  # noqa: E402
from weibao.assets.services import import_check, import_commit, import_start, project_create, subsystem_create  # noqa: E402
from weibao.customers.services import customer_create, site_create  # noqa: E402


def build(rows: int, tag: str) -> bytes:
    # A normal workbook, as Excel/WPS save it (with the sheet's <dimension>; openpyxl's write-only mode omits it,
    # which makes every reader scan the sheet twice).
    wb = Workbook()
    ws = wb.active
    ws.title = "设备清单"
    ws.append([c.header for c in COLUMNS])
    for i in range(rows):
        ws.append(
            [
                "总部大楼",
                "网络系统",
                "华为",
                "硬件",
                f"接入交换机-{i}",
                "S5735-L48T4X",
                f"B{tag}{i:07d}",
                f"{i % 30 + 1}F 弱电间 {i % 40 + 1}号机柜",
                f"10.{i // 65536}.{i // 256 % 256}.{i % 256}",
                "V200R019",
                datetime.date(2024, 1, 1),
                datetime.date(2027, 1, 1),
                "在用",
                "VLAN=100; 堆叠=否",
                "",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--target-s", type=float, default=10.0)
    args = parser.parse_args()
    actor = User.objects.get(username="manager")
    Vendor.objects.get(name="华为")
    tag = uuid.uuid4().hex[:6].upper()
    customer = customer_create(actor=actor, code=f"BENCH-{tag}", name=f"导入基准客户{tag}")
    site_create(actor=actor, customer=customer, name="总部大楼")
    project = project_create(actor=actor, customer=customer, code="P1", name="基准项目")
    subsystem_create(actor=actor, project=project, name="网络系统", kind="network")
    data = build(args.rows, tag)
    print(f"database: {connection.vendor}; file: {args.rows} rows, {len(data) / 1024:.0f} KiB")
    try:
        started = time.perf_counter()
        job = import_start(actor=actor, customer=customer, project=project, upload=SimpleUploadedFile("b.xlsx", data))
        job = import_check(job_id=job.pk)
        checked = time.perf_counter()
        if job.status != ImportStatus.VALID:
            raise SystemExit(f"check failed: {job.errors[:5]}")
        job = import_commit(job_id=job.pk, actor=actor)
        done = time.perf_counter()
        if job.status != ImportStatus.DONE or job.created_count != args.rows:
            raise SystemExit(f"commit failed: {job.status} {job.errors[:5]}")
        total = done - started
        print(
            f"check (preview): {checked - started:.2f} s; commit (re-check + insert): {done - checked:.2f} s; "
            f"total: {total:.2f} s (target < {args.target_s} s)"
        )
        return 0 if total < args.target_s else 1
    finally:
        DeviceEvent.objects.filter(device__customer=customer).delete()
        Device.objects.filter(customer=customer).delete()
        ImportJob.objects.filter(customer=customer).delete()
        project.subsystems.all().delete()
        project.delete()
        customer.sites.all().delete()
        org = customer.organisation
        customer.delete()
        org.delete()


if __name__ == "__main__":
    sys.exit(main())
