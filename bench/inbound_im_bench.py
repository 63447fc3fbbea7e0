"""Inbound IM throughput (issue 17: 10,000 signed and encrypted WeCom callbacks end to end in under 2 minutes).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wb_inbound_bench .venv/bin/python bench/inbound_im_bench.py
    .venv/bin/python bench/inbound_im_bench.py [--n 10000]          # own SQLite file var/bench-inbound.sqlite3

The database named is dropped and re-created (its name must contain "bench"). 20 customers with one site and 10
contacts each (WeCom user ids) and one WeCom application are created (not timed). Then N callbacks go through the
whole Django stack (test client: URL routing, middleware, CSRF exemption) one after the other, each encrypted and
signed like WeCom does it (AES-256-CBC of random + length + XML + corp id, SHA-1 signature) at the moment it is sent:
85 % new fault reports from known contacts (work order with number, entitlement, SLA clocks, created event,
notification task and the reply delivery queued in the database task queue), 10 % messages naming an order of the
run (comment), 3 % unknown senders (triage), 2 % a message delivered a second time (one order, 200 again).
"""

import argparse
import os
import random
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("WEIBAO_DEBUG", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
SQLITE = ROOT / "var" / "bench-inbound.sqlite3"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{SQLITE}")
os.environ.setdefault("WEIBAO_LOG_LEVEL", "WARNING")

TARGET_SECONDS = 120
KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
CORP = "wwbenchcorp0001"
TOKEN = "benchtoken"  # noqa: S105 - a test token
SYMPTOMS = [
    "核心交换机端口大量丢包，财务系统无法访问",
    "监控录像无法回放，硬盘录像机报警",
    "门禁控制器离线，刷卡无反应",
    "程控交换机分机不通",
    "机房空调高温告警，温度 35℃",
    "大屏拼接墙左上角黑屏",
]


def fresh_database(i_know: bool) -> None:
    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[-1].split("?", 1)[0]
    if not i_know and "bench" not in name.lower():
        sys.exit(f"refusing to drop {name!r}: the database name must contain 'bench' (or pass --i-know)")
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--i-know", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of the timed loop")
    args = parser.parse_args()
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    fresh_database(args.i_know)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from weibao.accounts.services import own_company
    from weibao.customers.models import Contact, Site
    from weibao.customers.services import customer_create
    from weibao.inbound import crypto
    from weibao.inbound.models import InboundAccount, InboundReceipt
    from weibao.notifications.models import Delivery
    from weibao.workorders.models import WorkOrder, WorkOrderEvent
    from weibao.workorders.services import system_user

    call_command("migrate", verbosity=0)
    setup_test_environment()  # the test client's host name
    own_company()
    actor = system_user()
    users = []
    for c in range(20):
        customer = customer_create(actor=actor, code=f"IM{c:02d}", name=f"企业微信客户{c}")
        site = Site.objects.create(customer=customer, organisation=customer.organisation, name=f"客户{c}总部")
        for k in range(10):
            Contact.objects.create(
                customer=customer,
                organisation=customer.organisation,
                site=site,
                name=f"联系人{c}-{k}",
                wecom_userid=f"user{c}_{k}",
                mobile=f"139{c:04d}{k:04d}",
            )
            users.append(f"user{c}_{k}")
    InboundAccount.objects.create(
        provider="wecom",
        name="bench",
        slug="bench",
        corp_id=CORP,
        agent_id="1000002",
        token=TOKEN,
        aes_key=KEY,
        secret="x",  # noqa: S106
    )

    rng = random.Random(17)
    client = Client()
    sent, statuses, orders_by_user = [], {}, {}

    def post(user: str, text: str, msg_id: str):
        inner = (
            f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>"
        )
        encrypted = crypto.wecom_encrypt(inner.encode(), encoding_aes_key=KEY, receive_id=CORP)
        timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
        signature = crypto.sha1_signature(TOKEN, timestamp, nonce, encrypted)
        body = f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        response = client.post(
            f"/inbound/wecom/bench/?msg_signature={signature}&timestamp={timestamp}&nonce={nonce}",
            data=body.encode(),
            content_type="text/xml",
        )
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    post("user0_0", "预热", "warm-up")  # first request: URL configuration and imports (not timed)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(args.n):
        roll = rng.random()
        if roll < 0.02 and sent:  # the provider delivers a message again
            post(*rng.choice(sent))
            continue
        msg_id = str(10**18 + i)
        if roll < 0.05:
            user, text = f"stranger{i}", "你好，我们的网络坏了"
        elif roll < 0.15 and orders_by_user:
            user = rng.choice(list(orders_by_user))
            text = f"{orders_by_user[user]} 还是不行，请尽快处理"
        else:
            user, text = rng.choice(users), f"{rng.choice(SYMPTOMS)}（第{i}号）"
        post(user, text, msg_id)
        sent.append((user, text, msg_id))
        if roll >= 0.15 and i % 50 == 0:  # remember some order numbers for later comments (one query per 50)
            receipt = InboundReceipt.objects.filter(message_key=msg_id).select_related("workorder").first()
            if receipt is not None and receipt.workorder is not None:
                orders_by_user[user] = receipt.workorder.number
    seconds = time.perf_counter() - started
    cpu_ms = (time.process_time() - cpu_started) * 1000 / args.n
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(
            r"weibao|django/db/models/(query|base)|template", 60
        )

    receipts = InboundReceipt.objects.count()
    print(
        f"{args.n:,} WeCom callbacks (decrypt, verify, route, store) in {seconds:.1f} s = {args.n / seconds:,.0f}/s"
        f" — target {TARGET_SECONDS} s: {'PASS' if seconds <= TARGET_SECONDS else 'FAIL'}"
    )
    print(
        f"HTTP statuses {statuses}; receipts {receipts:,} (by status "
        f"{dict(InboundReceipt.objects.values_list('status').annotate(n=__import__('django.db.models', fromlist=['Count']).Count('pk')).values_list('status', 'n'))}); "  # noqa: E501
        f"orders {WorkOrder.objects.count():,}; comments "
        f"{WorkOrderEvent.objects.filter(kind='comment').count():,}; reply deliveries "
        f"{Delivery.objects.filter(channel='wecom').count():,}"
    )
    db = os.environ["DATABASE_URL"].split("://", 1)[0]
    print(f"database {db}; load average before the run {load}; Python CPU {cpu_ms:.1f} ms per callback")
    if statuses.get(200) != args.n + 1 or receipts != len({m for _u, _t, m in sent}) + 1:
        print("FAIL: a callback was not answered 200, or a duplicate made a second receipt", file=sys.stderr)
        return 1
    return 0 if seconds <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
