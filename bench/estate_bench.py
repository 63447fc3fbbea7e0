"""Device list and search latency on a seeded database (issue 3: p95 < 100 ms at 1,000,000 devices on PostgreSQL).

Seed first (PostgreSQL, own database):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_estate WEIBAO_DEBUG=true \
        .venv/bin/python manage.py seed --scale 1000000 --only accounts customers assets
Then:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_estate WEIBAO_SECRET_KEY=bench \
        WEIBAO_ALLOWED_HOSTS=testserver .venv/bin/python bench/estate_bench.py [--runs 40]

Each URL is requested through Django's test client (full middleware stack, session login, template rendering, no
network), after two warm-up requests; the script prints p50/p95/max per URL and fails if any p95 >= the target.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# Static files are not what we measure: use the plain storage so no collectstatic manifest is needed.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from weibao.accounts.models import User  # noqa: E402
from weibao.assets.models import Device, Vendor  # noqa: E402
from weibao.customers.models import Customer  # noqa: E402


def timed(client: Client, url: str, runs: int) -> list[float]:
    for _ in range(2):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--target-ms", type=float, default=100.0)
    args = parser.parse_args()

    total = Device.objects.count() if connection.vendor == "sqlite" else _estimate("assets_device")
    print(f"database: {connection.vendor}, devices ≈ {total:,}")
    staff = User.objects.get(username="manager")
    customer_user = User.objects.get(username="customer")
    big_customer = Customer.objects.filter(code__startswith="S").order_by("code").first()
    sample = (
        Device.objects.filter(serial_number__startswith="SX")
        .order_by("-id")
        .values("serial_number", "ip_address", "site_id", "id")[1234]
    )
    vendor = Vendor.objects.get(name="华为")
    middle_id = sample["id"]

    cases = [
        ("staff", "list, first page", "/estate/devices/"),
        ("staff", "list, page deep (keyset)", f"/estate/devices/?after={middle_id}"),
        ("staff", "list, status=faulty", "/estate/devices/?status=faulty"),
        ("staff", "list, vendor + warranty expiring", f"/estate/devices/?vendor={vendor.pk}&warranty=expiring"),
        ("staff", "list, one customer", f"/estate/devices/?customer={big_customer.pk}"),
        ("staff", "list, one site", f"/estate/devices/?site={sample['site_id']}"),
        ("staff", "list, q=serial (exact)", f"/estate/devices/?q={sample['serial_number']}"),
        ("staff", "list, q=IP (exact)", f"/estate/devices/?q={sample['ip_address']}"),
        ("staff", "list, q=model fragment", "/estate/devices/?q=S6730"),
        ("staff", "list, q=Chinese location", "/estate/devices/?q=中心机房"),
        ("staff", "list, q=Chinese name (rare)", "/estate/devices/?q=核心交换机"),
        ("staff", "list, q=no match", "/estate/devices/?q=不存在的设备XYZ"),
        ("staff", "list, q=two characters, common", "/estate/devices/?q=机房"),
        ("staff", "list, q=two characters, no match", "/estate/devices/?q=火星"),
        ("staff", "search, Chinese customer", "/estate/search/?q=南京医院"),
        ("staff", "search, serial", f"/estate/search/?q={sample['serial_number']}"),
        ("staff", "search, IP", f"/estate/search/?q={sample['ip_address']}"),
        ("staff", "search, model", "/estate/search/?q=DS-2CD3T47"),
        ("customer", "list, customer user", "/estate/devices/"),
        ("customer", "search, customer user", "/estate/search/?q=交换机"),
        ("staff", "API list", "/api/estate/devices?limit=50"),
        ("staff", "API search", "/api/estate/search?q=中心机房"),
    ]
    clients = {"staff": Client(), "customer": Client()}
    clients["staff"].force_login(staff)
    clients["customer"].force_login(customer_user)
    failed = False
    print(f"{'case':38} {'p50':>8} {'p95':>8} {'max':>8}  (ms, {args.runs} runs)")
    for who, label, url in cases:
        samples = timed(clients[who], url, args.runs)
        value = p95(samples)
        flag = "" if value < args.target_ms else "  <-- over target"
        failed |= bool(flag)
        print(f"{label:38} {statistics.median(samples):8.1f} {value:8.1f} {max(samples):8.1f}{flag}")
    return 1 if failed else 0


def _estimate(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
        return int(cursor.fetchone()[0])


if __name__ == "__main__":
    sys.exit(main())
