"""SLA deadline throughput on one core (issue 4: >= 200,000 deadline computations per second).

    .venv/bin/python bench/clock_deadline_bench.py [--n 1000000]

Pure clock engine, no database: a 5x8 China calendar (09:00-12:00, 13:00-18:00, statutory holidays off, make-up
days on). Start instants are spread over the holiday periods of 2025 and 2026 (Spring Festival, National Day,
+/- 10 days around each), durations are the SPEC targets (15 min ... 108 h). The process is pinned to one CPU.
The first pass over the inputs (building the interval tables) is a warm-up and not timed.
"""

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from weibao.contracts.clock import deadline, local_time, weekly_calendar  # noqa: E402

TARGET = 200_000
PERIODS = ["2025-01-28", "2025-10-01", "2026-02-16", "2026-10-01"]
DURATIONS = [datetime.timedelta(minutes=m) for m in (15, 120, 720, 1440, 2880, 4320, 6480)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000, help="deadline computations to time")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    rng = random.Random(4)
    cal = weekly_calendar("09:00-12:00,13:00-18:00")
    inputs = []
    for _ in range(10_000):
        centre = local_time(rng.choice(PERIODS) + " 12:00")
        start = centre + datetime.timedelta(seconds=rng.randrange(-10 * 86400, 10 * 86400))
        # As the work-order sweep sees them: UTC instants from the database.
        inputs.append((start.astimezone(datetime.UTC), rng.choice(DURATIONS)))
    for start, d in inputs:  # warm-up: expands the years involved
        deadline(cal, start, d)
    add = cal.add
    count = len(inputs)
    started = time.perf_counter()
    for i in range(args.n):
        start, d = inputs[i % count]
        add(start, d)
    seconds = time.perf_counter() - started
    rate = args.n / seconds
    print(
        f"{args.n:,} deadlines on a 5x8 China calendar over holiday periods: {seconds:.2f} s = {rate:,.0f}/s (1 core)"
    )
    started = time.perf_counter()
    for i in range(args.n // 5):
        start, d = inputs[i % count]
        deadline(cal, start, d)
    rate_fn = (args.n // 5) / (time.perf_counter() - started)
    print(f"via clock.deadline() (module function, no pauses): {rate_fn:,.0f}/s")
    ok = rate >= TARGET and rate_fn >= TARGET
    local_inputs = [(s.astimezone(cal.zone), d) for s, d in inputs]
    started = time.perf_counter()
    for i in range(args.n // 5):
        start, d = local_inputs[i % count]
        add(start, d)
    rate_local = (args.n // 5) / (time.perf_counter() - started)
    print(f"with Asia/Shanghai-zoned inputs (one zone conversion each): {rate_local:,.0f}/s")
    print("PASS" if ok else f"FAIL: below {TARGET:,}/s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
