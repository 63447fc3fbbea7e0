"""The cost of migration workorders 0022 (issue 17: service kind, maintenance type, pause reasons) at 1M orders.

    .venv/bin/python bench/kinds_migration_bench.py [--orders 1000000] [--dsn postgres://postgres@127.0.0.1/postgres]

Builds a scratch database (`wb_kinds_bench`, dropped afterwards) with a work-order table of N rows (the columns the
migration touches, plus a wide text column so the rows have a realistic size) and 4 clocks per order (1 % paused),
then runs the migration's statements as Django emits them for PostgreSQL: the two ADD COLUMN … DEFAULT … NOT NULL
(a catalogue change on PostgreSQL 11+, no rewrite: the time must not grow with N) and the two backfills (inspection
orders by source_ref prefix, open pauses take their order's wait reason).
"""

import argparse
import time

import psycopg

STEPS = [
    ("add service_kind", """ALTER TABLE wo ADD COLUMN service_kind varchar(16) DEFAULT 'fault_repair' NOT NULL"""),
    (
        "add maintenance_type",
        """ALTER TABLE wo ADD COLUMN maintenance_type varchar(12) DEFAULT 'corrective' NOT NULL""",
    ),
    ("add clock.pause_reason", """ALTER TABLE clock ADD COLUMN pause_reason varchar(20) DEFAULT '' NOT NULL"""),
    (
        "backfill inspection orders",
        """UPDATE wo SET service_kind = 'inspection' WHERE source_ref LIKE 'inspection:%'""",
    ),
    (
        "backfill open pauses",
        """UPDATE clock SET pause_reason = (SELECT wait_reason FROM wo WHERE wo.id = clock.wo_id)
                                WHERE paused_at IS NOT NULL AND stopped_at IS NULL""",
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--dsn", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with psycopg.connect(args.dsn, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS wb_kinds_bench")
        admin.execute("CREATE DATABASE wb_kinds_bench")
    dsn = args.dsn.rsplit("/", 1)[0] + "/wb_kinds_bench"
    try:
        with psycopg.connect(dsn, autocommit=True) as db:
            t = time.perf_counter()
            db.execute("""CREATE TABLE wo (id bigint PRIMARY KEY, source_ref varchar(200) NOT NULL,
                          wait_reason varchar(20) NOT NULL, symptom text NOT NULL)""")
            db.execute(
                """INSERT INTO wo SELECT g, CASE WHEN g %% 200 = 0 THEN 'inspection:' || g ELSE '' END,
                          CASE WHEN g %% 100 = 0 THEN 'parts' ELSE '' END, repeat('核心交换机端口大量丢包', 8)
                          FROM generate_series(1, %s) g""",
                [args.orders],
            )
            db.execute("""CREATE TABLE clock (id bigint PRIMARY KEY, wo_id bigint NOT NULL, paused_at timestamptz,
                          stopped_at timestamptz, pauses jsonb NOT NULL DEFAULT '[]')""")
            db.execute(
                """INSERT INTO clock SELECT g, (g + 3) / 4, CASE WHEN ((g + 3) / 4) %% 100 = 0 THEN now() END,
                          NULL, '[]' FROM generate_series(1, %s) g""",
                [args.orders * 4],
            )
            db.execute("VACUUM ANALYZE wo")
            db.execute("VACUUM ANALYZE clock")
            print(f"built {args.orders:,} orders, {args.orders * 4:,} clocks in {time.perf_counter() - t:.1f} s")
            for name, sql in STEPS:
                t = time.perf_counter()
                with db.transaction():
                    cur = db.execute(sql)
                print(f"{name:28} {time.perf_counter() - t:8.3f} s  ({cur.rowcount:,} rows)")
    finally:
        with psycopg.connect(args.dsn, autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS wb_kinds_bench")


if __name__ == "__main__":
    main()
