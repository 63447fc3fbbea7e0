"""Service-form PDF rendering (issue 11): p95 ≤ 1 s per PDF, 100 PDFs in a row without memory growth.

    .venv/bin/python bench/onsite_pdf_bench.py [--n 100]

Renders the signed service form (two copies, QR code, two signature PNGs, a replacement and a quote, Chinese text
in Noto Sans CJK) through `weibao.onsite.pdf.render_service_form`, the same code the download, the timeline
attachment and the e-mail use. The first render (loading WeasyPrint, fontconfig and the stylesheet) is a warm-up
and reported apart. Memory is the process's resident set size after render 10 and after the last one: growth
beyond MAX_GROWTH_MB over the run fails it (a leak of ~1 MB per PDF would show as ~90 MB).
"""

import argparse
import base64
import datetime as dt
import gc
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
os.environ.setdefault("WEIBAO_DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.utils import translation  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from weibao.onsite import pdf  # noqa: E402

TARGET_P95_S = 1.0
MAX_GROWTH_MB = 30.0


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def signature_png(seed: int) -> str:
    image = Image.new("RGBA", (700, 220), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(40 + i * 12, 110 + ((i * 37 + seed) % 80) - 40) for i in range(52)]
    draw.line(points, fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def context(i: int) -> dict:
    number = f"WO-2026-{i:06d}"
    return {
        "order": {
            "number": number,
            "customer": "南京某某科技有限公司",
            "site": "财务大楼三层机房",
            "address": "南京市鼓楼区中山路 100 号",
            "reported_at": dt.datetime(2026, 12, 6, 9, 15, tzinfo=dt.UTC),
            "severity": "A",
            "service_type": "保外服务",
            "chargeable": True,
            "chargeable_reason": "人为损坏",
            "engineer": "张工",
            "title": "核心交换机电源故障",
            "symptom": "财务室网络全部中断",
        },
        "form": {
            "symptom": "财务室网络全部中断，交换机指示灯不亮",
            "confirmed_by": "王经理（系统负责人）",
            "inspection": "检查发现交换机电源模块烧毁，其余端口正常。\n" * 3,
            "cause": "人为：雷雨天未断电",
            "work_done": "更换电源模块，恢复配置，测试全部端口通畅。",
            "solved": True,
            "customer_contact": "王经理",
            "customer_phone": "13912345678",
            "engineer_name": "张工",
            "engineer_phone": "13800000000",
            "rating": "非常满意",
            "remark": "响应及时，处理专业。",
            "signed_at": dt.datetime(2026, 12, 6, 15, 30, tzinfo=dt.UTC),
        },
        "replacements": [
            {
                "old_model": "S5720-28P",
                "old_serial": f"OLD{i:08d}",
                "new_model": "S5720-28P",
                "new_serial": f"NEW{i:08d}",
            }
        ],
        "quote": {
            "version": 1,
            "status": "已批准",
            "tax": "130.00",
            "total": "1130.00",
            "lines": [
                {"description": "电源模块 PSU-150W", "quantity": "1", "unit_price": "800.00", "amount": "800.00"},
                {"description": "人工费（按次）", "quantity": "1", "unit_price": "200.00", "amount": "200.00"},
            ],
        },
        "signatures": {"customer": signature_png(i), "engineer": signature_png(i + 7)},
        "qr": pdf.qr_data_uri(f"https://weibao.example.cn/work-orders/{i}/"),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100, help="PDFs to render in a row")
    args = parser.parse_args()
    translation.activate("zh-hans")
    started = time.perf_counter()
    first = pdf.render_service_form(context(0))
    warmup = time.perf_counter() - started
    times: list[float] = []
    cpu: list[float] = []
    rss_series: list[str] = []
    rss_at_10 = None
    for i in range(1, args.n + 1):
        ctx = context(i)
        t0, c0 = time.perf_counter(), time.process_time()
        data = pdf.render_service_form(ctx)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        if not data.startswith(b"%PDF"):
            raise SystemExit("not a PDF")
        if i == 10:
            gc.collect()
            rss_at_10 = rss_mb()
        if i % 25 == 0:
            gc.collect()
            rss_series.append(f"{i}: {rss_mb():.1f}")
    gc.collect()
    rss_end = rss_mb()
    times.sort()
    cpu.sort()
    p50 = statistics.median(times)
    p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
    cpu_p95 = cpu[max(0, int(round(0.95 * len(cpu))) - 1)]
    growth = rss_end - (rss_at_10 or rss_end)
    print(f"first render (warm-up) {warmup:.3f} s, {len(first) / 1024:.0f} kB")
    print(
        f"{len(times)} PDFs: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms"
        f" (target p95 ≤ {TARGET_P95_S * 1000:.0f} ms)"
    )
    # CPU time is what one render costs this process; wall time adds the wait for a core on a busy machine.
    print(
        f"CPU time per PDF: p50 {statistics.median(cpu) * 1000:.0f} ms, p95 {cpu_p95 * 1000:.0f} ms;"
        f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"RSS after 10: {rss_at_10:.1f} MB, after {len(times)}: {rss_end:.1f} MB, growth {growth:+.1f} MB"
        f" (limit {MAX_GROWTH_MB:.0f} MB); RSS by render (MB): {', '.join(rss_series)}"
    )
    ok = p95 <= TARGET_P95_S and growth <= MAX_GROWTH_MB
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
