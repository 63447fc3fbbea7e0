#!/usr/bin/env python3
"""Drive a running Weibao over HTTP with a logged-in session and report latency per URL.

    python bench/http_bench.py --base-url http://127.0.0.1:8000 --user admin --password 'Weibao#2026' \\
        -n 2000 -c 8 /ping/ /work-orders/

For every URL: a fixed number of GET requests at the given concurrency (threads, one connection per
request like a browser without keep-alive to gunicorn's sync workers), then p50/p95/p99/max latency,
throughput and the error count (non-2xx answers and network errors). `/ping/` is the floor: a
login-required view that does nothing, so it measures the stack (gunicorn, middleware, session) alone.
Standard library only, so it runs from any Python >= 3.12 without the project installed.
"""

import argparse
import contextlib
import http.client
import json
import re
import statistics
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field


@dataclass
class Result:
    url: str
    requests: int
    concurrency: int
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    mean_ms: float = 0.0
    throughput_rps: float = 0.0
    samples: list[float] = field(default_factory=list, repr=False)  # every latency (ms), in the order measured


class Session:
    """Cookies of one logged-in user (session + CSRF), shared read-only by all threads."""

    def __init__(self, base_url: str, timeout: float) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        self.https = parsed.scheme == "https"
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or (443 if self.https else 80)
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}

    def connection(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        return cls(self.host, self.port, timeout=self.timeout)

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict | None = None, *, keep_cookies: bool = True
    ):
        conn = self.connection()
        try:
            all_headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "weibao-http-bench", **self.headers}
            if self.cookies:
                all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            all_headers.update(headers or {})
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            for header, value in response.getheaders():
                # Only while logging in: the measured requests run in threads and must not race on the jar.
                if keep_cookies and header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, response.getheader("Location", ""), data
        finally:
            conn.close()

    def login(self, username: str, password: str, login_path: str = "/accounts/login/") -> None:
        status, _, page = self.request("GET", login_path)
        if status != 200:
            raise SystemExit(f"GET {login_path} answered {status}")
        token = self.cookies.get("csrftoken")
        if not token:
            match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            token = match.group(1).decode() if match else ""
        form = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
        referer = f"{'https' if self.https else 'http'}://{self.host}:{self.port}{login_path}"
        status, location, _ = self.request(
            "POST",
            login_path,
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": referer},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"login as {username!r} failed (status {status}); wrong password or locked out?")


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def run_url(session: Session, url: str, requests: int, concurrency: int, warmup: int) -> Result:
    for _ in range(warmup):
        with contextlib.suppress(OSError):
            session.request("GET", url, keep_cookies=False)
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def one(_: int) -> None:
        started = time.perf_counter()
        try:
            status, _, _ = session.request("GET", url, keep_cookies=False)
        except OSError:
            status = 0
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed)
            statuses.append(status)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(requests)))
    return summarise(url, concurrency, latencies, statuses, time.perf_counter() - started)


def summarise(url: str, concurrency: int, latencies: list[float], statuses: list[int], wall: float) -> Result:
    """One URL's figures from its requests' latencies (ms) and answers (0: no answer), taken in `wall` seconds."""
    result = Result(url=url, requests=len(latencies), concurrency=concurrency, samples=list(latencies))
    for status in statuses:
        result.statuses[status] = result.statuses.get(status, 0) + 1
        result.errors += not 200 <= status < 300
    ordered = sorted(latencies)
    result.p50_ms = round(percentile(ordered, 50), 2)
    result.p95_ms = round(percentile(ordered, 95), 2)
    result.p99_ms = round(percentile(ordered, 99), 2)
    result.max_ms = round(ordered[-1], 2) if ordered else 0.0
    result.mean_ms = round(statistics.fmean(ordered), 2) if ordered else 0.0
    result.throughput_rps = round(len(ordered) / wall, 1) if wall else 0.0
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="*", default=["/ping/"], help="paths to GET (default: /ping/, the floor)")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="admin", help="log in as this user (default: admin)")
    parser.add_argument("--password", default="Weibao#2026", help="(default: the demo password)")
    parser.add_argument("--token", help="use `Authorization: Bearer TOKEN` instead of logging in (API URLs)")
    parser.add_argument("-n", "--requests", type=int, default=1000, help="requests per URL (default 1000)")
    parser.add_argument("-c", "--concurrency", type=int, default=8, help="parallel clients (default 8)")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests per URL first (default 20)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)

    session = Session(args.base_url, args.timeout)
    if args.token:
        session.headers["Authorization"] = f"Bearer {args.token}"
    else:
        session.login(args.user, args.password)

    print(f"{args.base_url}  user={args.user if not args.token else 'token'}  n={args.requests}  c={args.concurrency}")
    print(f"{'URL':<40} {'n':>6} {'err':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'req/s':>8}")
    results = []
    for url in args.urls:
        r = run_url(session, url, args.requests, args.concurrency, args.warmup)
        results.append(r)
        print(
            f"{url:<40} {r.requests:>6} {r.errors:>5} {r.p50_ms:>8.1f} {r.p95_ms:>8.1f} {r.p99_ms:>8.1f} "
            f"{r.max_ms:>8.1f} {r.throughput_rps:>8.1f}"
        )
        if r.errors:
            print(f"{'':<40} statuses: {r.statuses}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump([asdict(r) for r in results], handle, indent=2)
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
