#!/usr/bin/env python3
"""Weibao and django-helpdesk side by side, in one run, with the same client (bench/http_bench.py).

    python bench/compare.py --weibao-url http://127.0.0.1:8000 --helpdesk-url http://127.0.0.1:8100 \\
        -n 300 -c 2 --weibao /ping/ /work-orders/ --helpdesk /ping/ /helpdesk/dashboard/

Both servers must be running (see bench/helpdesk/README.md). The rounds alternate between the two servers so
that background load hits both alike. The verdict compares every Weibao page with the brief's bar: p95 within
`--bar` (10x) the helpdesk's login-required tiny view (`/ping/` there); the p50 ratio is shown too.
"""

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_bench import Result, Session, run_url  # noqa: E402

BAR = 10.0  # the brief's page budget: every page's p95 within 10x the helpdesk's tiny view


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weibao-url", default="http://127.0.0.1:8000")
    parser.add_argument("--helpdesk-url", default="http://127.0.0.1:8100")
    parser.add_argument("--weibao-user", default="admin")
    parser.add_argument("--weibao-password", default="Weibao#2026")
    parser.add_argument("--helpdesk-user", default="bench")
    parser.add_argument("--helpdesk-password", default="bench-pass-2026")
    parser.add_argument("--weibao", nargs="+", default=["/ping/"], help="Weibao paths")
    parser.add_argument("--helpdesk", nargs="+", default=["/ping/"], help="helpdesk paths (first = tiny view)")
    parser.add_argument("-n", "--requests", type=int, default=300)
    parser.add_argument("--bar", type=float, default=BAR, help="p95 budget as a multiple of the tiny view's p95")
    parser.add_argument("-c", "--concurrency", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument(
        "--paired",
        type=int,
        default=0,
        metavar="N",
        help="also time the helpdesk tiny view with N requests right before each Weibao page and judge the page "
        "against that adjacent floor too (fairer when the shared machine's load drifts during the run)",
    )
    args = parser.parse_args(argv)

    weibao = Session(args.weibao_url, 60)
    weibao.login(args.weibao_user, args.weibao_password)
    helpdesk = Session(args.helpdesk_url, 120)
    helpdesk.login(args.helpdesk_user, args.helpdesk_password, login_path="/helpdesk/login/")

    # "hx:/path" requests the page as htmx does (HX-Request header), e.g. the dashboard fragment of the home page.
    weibao_hx = Session(args.weibao_url, 60)
    weibao_hx.cookies = weibao.cookies
    weibao_hx.headers["HX-Request"] = "true"
    plan = [("helpdesk", helpdesk, url) for url in args.helpdesk] + [
        ("weibao", weibao_hx, url[3:]) if url.startswith("hx:") else ("weibao", weibao, url) for url in args.weibao
    ]
    # Helpdesk pages first (the first one is the tiny view), then the Weibao pages; --paired re-times the tiny view
    # next to every Weibao page.
    results: list[tuple[str, Result]] = []
    print(f"n={args.requests} c={args.concurrency}")
    print(f"{'server':<9} {'URL':<48} {'err':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7}")
    adjacent: dict[int, Result] = {}
    for name, session, url in plan:
        if args.paired and name == "weibao":
            adjacent[len(results)] = run_url(helpdesk, args.helpdesk[0], args.paired, args.concurrency, 0)
        n = args.requests if not url.startswith("/helpdesk/dashboard") else max(10, args.requests // 30)
        r = run_url(session, url, n, args.concurrency, args.warmup if n > 10 else 1)
        if session is weibao_hx:
            r.url = "hx:" + url
        results.append((name, r))
        print(
            f"{name:<9} {r.url[:48]:<48} {r.errors:>4} {r.p50_ms:>8.1f} {r.p95_ms:>8.1f} {r.p99_ms:>8.1f} "
            f"{r.throughput_rps:>7.1f}",
            flush=True,
        )

    floor = results[0][1]
    bar = args.bar
    print(f"\nbar: p95 within {bar:g}x the helpdesk tiny view's p95 = {bar * floor.p95_ms:.1f} ms")
    failed = 0
    for name, r in results:
        if name != "weibao":
            continue
        ok = r.p95_ms <= bar * floor.p95_ms and not r.errors
        failed += not ok
        print(
            f"  {'PASS' if ok else 'FAIL'}  {r.url:<48} p50 x{r.p50_ms / floor.p50_ms:.1f}  p95 x{r.p95_ms / floor.p95_ms:.1f}"
        )
    if adjacent:
        print(f"\nagainst the helpdesk tiny view timed right before each page ({args.paired} requests):")
        for i, (_name, r) in enumerate(results):
            f = adjacent.get(i)
            if f is None:
                continue
            ok = r.p95_ms <= bar * f.p95_ms and not r.errors
            print(
                f"  {'PASS' if ok else 'FAIL'}  {r.url:<48} floor p50 {f.p50_ms:5.1f} p95 {f.p95_ms:5.1f}  "
                f"p50 x{r.p50_ms / f.p50_ms:.1f}  p95 x{r.p95_ms / f.p95_ms:.1f}"
            )
    if args.json:
        Path(args.json).write_text(json.dumps([{"server": n, **asdict(r)} for n, r in results], indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
