#!/usr/bin/env python3
"""Server-side latency percentiles per URL from a gunicorn access log (the time gunicorn spent on each request).

Start gunicorn with an access log whose fields are method, path, status and the request time in microseconds:

    gunicorn weibao.wsgi:application --workers 2 --access-logfile /tmp/access.log \\
        --access-logformat '%(m)s %(U)s %(s)s %(D)s'

then drive it (e.g. with bench/http_bench.py) and run:

    python bench/gunicorn_server_time.py /tmp/access.log

Numeric path segments are folded (`/work-orders/123/` → `/work-orders/<pk>/`); query strings are not logged by
`%(U)s`, so filtered variants of one page are pooled. Standard library only.
"""

import argparse
import collections
import re


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("logfile")
    parser.add_argument("--method", default="GET")
    args = parser.parse_args()
    samples: dict[str, list[float]] = collections.defaultdict(list)
    with open(args.logfile, encoding="utf-8") as log:
        for line in log:
            parts = line.split()
            if len(parts) < 4 or parts[0] != args.method or not parts[3].isdigit():
                continue
            samples[re.sub(r"/\d+/", "/<pk>/", parts[1])].append(int(parts[3]) / 1000)
    print(f"{'path':40s} {'n':>6s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'max ms':>8s}")
    for path, values in sorted(samples.items()):
        values.sort()
        print(
            f"{path:40s} {len(values):6d} {percentile(values, 0.5):8.1f} {percentile(values, 0.95):8.1f} "
            f"{percentile(values, 0.99):8.1f} {values[-1]:8.1f}"
        )


if __name__ == "__main__":
    main()
