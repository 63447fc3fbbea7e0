#!/usr/bin/env python3
"""In-process profile of Weibao pages: queries and time per page through Django's test client.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_wo WEIBAO_SECRET_KEY=bench \\
        WEIBAO_ALLOWED_HOSTS=testserver .venv/bin/python bench/weibao_pages_profile.py --runs 20 /ping/ /work-orders/
    ... --queries /work-orders/1000058/      # print every SQL statement of one request
    ... --pyinstrument /work-orders/          # call tree of one request (pip install pyinstrument; not a dependency)
    ... --cprofile 30 /on-site/1000063/       # the 30 costliest functions (own time) over --runs requests

`cpu` is the process's CPU time per request (user+sys), which a busy shared machine inflates far less than the wall
time (`p50`/`p95`).

Every request goes through the whole middleware stack with a logged-in session (user `--user`, default manager).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--user", default="manager")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--queries", action="store_true")
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N", help="print the N costliest functions")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from weibao.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=args.user))
    for raw in args.urls:
        headers = {"HTTP_HX_REQUEST": "true"} if raw.startswith("hx:") else {}
        url = raw.removeprefix("hx:")
        for _ in range(3):
            client.get(url, **headers)
        captured: list[tuple[float, str]] = []

        def record(execute, sql, params, many, context, captured=captured):
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                captured.append((time.perf_counter() - t, sql))

        # execute_wrapper rather than CaptureQueriesContext: the request_started signal clears the query log.
        with connection.execute_wrapper(record):
            response = client.get(url, **headers)
        times, cpu = [], []
        for _ in range(args.runs):
            t, c = time.perf_counter(), time.process_time()
            client.get(url, **headers)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        times.sort()
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        sql_ms = sum(t for t, _ in captured) * 1000
        print(
            f"{raw:<50} {response.status_code} q={len(captured):>3} sql={sql_ms:6.1f}ms "
            f"cpu={statistics.median(cpu):6.1f} p50={statistics.median(times):6.1f} p95={p95:6.1f} ms",
            flush=True,
        )
        if args.queries:
            for t, sql in captured:
                print(f"   {t * 1000:6.1f} {sql[:400]}")
        if args.cprofile:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.runs):
                client.get(url, **headers)
            profile.disable()
            stats = pstats.Stats(profile)
            stats.sort_stats("tottime").print_stats(args.cprofile)
            stats.sort_stats("cumulative").print_stats(args.cprofile)
        if args.pyinstrument:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(5):
                client.get(url, **headers)
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
