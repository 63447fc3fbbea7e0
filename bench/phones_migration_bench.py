"""The cost of the phone data migrations (issue 18 §11: `<app>.00xx_phones_normalised`).

    # on a seeded database (seed --scale N): the migration functions themselves, old shapes put back first
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wb_phones WEIBAO_DEBUG=true PYTHONPATH=$PWD \\
        .venv/bin/python bench/phones_migration_bench.py seeded [--dirty 0.05]
    # a scratch table of N orders (`wb_phones_bench`, dropped afterwards): the scan and the batched rewrite at 1M
    .venv/bin/python bench/phones_migration_bench.py scratch [--orders 1000000] [--dirty 0.01]

`seeded` turns a share of the work orders' reporter phones (and every contact's phone) back into old shapes
("+86 139-…", "010 6552 1234 转 8"), then times every app's migration function (wall and this process's CPU).
`scratch` builds a work-order-like table of N rows with canonical mobiles and a share of old shapes and runs the
migration's queries as `normalise_stored_phones` emits them (a regular-expression filter, primary-key batches of
2,000, the changed rows written per batch — executemany here, one CASE UPDATE per batch in bulk_update).
"""

import argparse
import importlib
import os
import time


def seeded(dirty: float) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
    django.setup()
    from django.apps import apps
    from django.db import connection

    from weibao.workorders.models import WorkOrder

    total = WorkOrder.objects.count()
    step = max(1, round(1 / dirty)) if dirty else 0
    with connection.cursor() as cur:
        if step:
            cur.execute(
                """UPDATE workorders_workorder SET reporter_phone = CASE WHEN id %% 2 = 0
                   THEN '+86 ' || substr(reporter_phone, 1, 3) || '-' || substr(reporter_phone, 4, 4) || '-'
                        || substr(reporter_phone, 8) ELSE '010 6552 ' || lpad((id %% 10000)::text, 4, '0') || ' 转 8' END
                   WHERE id %% %s = 0 AND reporter_phone ~ '^1[3-9][0-9]{9}$'""",
                [step],
            )
        cur.execute("UPDATE customers_contact SET phone = '(025) 5227 1001' WHERE phone <> ''")
    print(f"{total} orders, 1 in {step or '∞'} put back into an old shape; load {os.getloadavg()}")
    for module in [
        "accounts.migrations.0005_phones_normalised",
        "assets.migrations.0009_phones_normalised",
        "customers.migrations.0006_phones_normalised",
        "delivery.migrations.0002_phones_normalised",
        "feedback.migrations.0004_phones_normalised",
        "onsite.migrations.0003_phones_normalised",
        "planning.migrations.0002_phones_normalised",
        "rma.migrations.0005_phones_normalised",
        "workorders.migrations.0024_phones_normalised",
    ]:
        migration = importlib.import_module(f"weibao.{module}")
        wall, cpu = time.perf_counter(), time.process_time()
        migration.normalise(apps, None)
        print(f"{module:45s} wall {time.perf_counter() - wall:6.2f} s  client CPU {time.process_time() - cpu:6.2f} s")
    print(f"load {os.getloadavg()}")


def scratch(orders: int, dirty: float, dsn: str) -> None:
    import psycopg

    from weibao.core.phones import CANONICAL_NO_EXT_RE, canonical_phone, suffix_key

    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS wb_phones_bench")
        admin.execute("CREATE DATABASE wb_phones_bench")
    bench_dsn = dsn.rsplit("/", 1)[0] + "/wb_phones_bench"
    step = max(1, round(1 / dirty)) if dirty else 10 * orders
    try:
        with psycopg.connect(bench_dsn, autocommit=True) as db:
            t = time.perf_counter()
            db.execute("""CREATE TABLE wo (id bigint PRIMARY KEY, reporter_phone varchar(40) NOT NULL,
                          reporter_phone_key varchar(40) NOT NULL, symptom text NOT NULL)""")
            db.execute(
                """INSERT INTO wo SELECT g, CASE WHEN g %% %s = 0 THEN '+86 139-' || lpad((g %% 10000)::text, 4, '0')
                          || '-' || lpad((g %% 9999)::text, 4, '0') ELSE '139' || lpad(g::text, 8, '0') END, '',
                          repeat('核心交换机端口大量丢包', 8) FROM generate_series(1, %s) g""",
                [step, orders],
            )
            db.execute("UPDATE wo SET reporter_phone_key = reverse(regexp_replace(reporter_phone, '[^0-9]', '', 'g'))")
            db.execute("VACUUM ANALYZE wo")
            print(f"built {orders} rows (1 in {step} old) in {time.perf_counter() - t:.1f} s; load {os.getloadavg()}")
            t, cpu, last, rewritten = time.perf_counter(), time.process_time(), 0, 0
            while True:
                rows = db.execute(
                    """SELECT id, reporter_phone, reporter_phone_key FROM wo WHERE id > %s AND reporter_phone <> ''
                       AND NOT reporter_phone ~ %s ORDER BY id LIMIT 2000""",
                    [last, CANONICAL_NO_EXT_RE],
                ).fetchall()
                if not rows:
                    break
                last = rows[-1][0]
                changed = [(pk, canonical_phone(p), suffix_key(p)) for pk, p, _k in rows]
                with db.cursor() as cur:
                    cur.executemany(
                        "UPDATE wo SET reporter_phone = %s, reporter_phone_key = %s WHERE id = %s",
                        [(p, k, pk) for pk, p, k in changed],
                    )
                rewritten += len(changed)
            print(
                f"migration: {rewritten} rows rewritten, wall {time.perf_counter() - t:.2f} s, "
                f"client CPU {time.process_time() - cpu:.2f} s; load {os.getloadavg()}"
            )
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS wb_phones_bench")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["seeded", "scratch"])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--dirty", type=float, default=0.01)
    parser.add_argument("--dsn", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if args.mode == "seeded":
        seeded(args.dirty)
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
        scratch(args.orders, args.dirty, args.dsn)


if __name__ == "__main__":
    main()
