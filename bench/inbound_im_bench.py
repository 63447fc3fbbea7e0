"""Inbound IM end to end (issue 17: 10,000 signed and encrypted WeCom callbacks in under 2 minutes).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wb_im_bench .venv/bin/python bench/inbound_im_bench.py
    .venv/bin/python bench/inbound_im_bench.py [--n 10000] [--senders 2]   # own SQLite file var/bench-inbound.sqlite3
    ... --profile     # no worker: send everything, then route in this process under cProfile (the top is printed)

The database named is dropped and re-created (its name must contain "bench"). 20 customers with one site and 10
contacts each (WeCom user ids) and one WeCom application are created (not timed). Then one worker process is
started, `weibao db_worker --queue-name inbound` (django-tasks-db with our lease), and N callbacks go through the
whole Django stack (test client: URL routing, middleware, CSRF exemption) from `--senders` threads, each with its own
client and database connection, each callback encrypted and signed like WeCom does it (AES-256-CBC of random +
length + XML + corp id, SHA-1 signature) at the moment it is sent. The callback stores the receipt and answers; the
worker routes: 85 % new fault reports from known contacts (work order with number, entitlement, SLA clocks, created
event, notification task and the reply delivery queued — the default queue's tasks are not run here), 10 % messages
naming an order already routed (comment), 3 % unknown senders (triage), 2 % a message delivered a second time (200,
nothing new).

Timed end to end: from the first callback sent until no receipt is pending. Then the counts are checked against
what was sent (0 lost, 0 duplicates, each routed as its kind says) and a PASS/FAIL line is printed against 120 s.
CPU: user+sys of this process (the senders: client, encryption, the whole request) and of the worker process, and
of the PostgreSQL backends serving them (read from /proc: the server runs on this machine).
"""

import argparse
import os
import random
import resource
import signal
import subprocess
import sys
import threading
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


def fresh_database(i_know: bool, template: str = "") -> None:
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
        # A migrated template (e.g. a kept test database) saves the migrations' minutes on a loaded machine.
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def pg_backend_cpu(pids: list[int]) -> float:
    """User+sys seconds of these processes so far (PostgreSQL backends, the worker; 0 for one that is gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def plan(n: int, senders: int) -> list[list[tuple[str, int]]]:
    """Each sender's list of (kind, message number); kinds drawn with the mix, dealt round-robin."""
    rng = random.Random(17)
    kinds = []
    for i in range(n):
        roll = rng.random()
        kind = "again" if roll < 0.02 else "stranger" if roll < 0.05 else "comment" if roll < 0.15 else "report"
        kinds.append((kind, i))
    return [kinds[s::senders] for s in range(senders)]


def main() -> int:  # noqa: C901, PLR0915 - one script, read top to bottom
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--i-know", action="store_true")
    parser.add_argument("--template", default="", help="PostgreSQL: copy this migrated, empty database")
    parser.add_argument("--profile", action="store_true", help="no worker: route in this process under cProfile")
    args = parser.parse_args()
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    fresh_database(args.i_know, args.template)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import setup_test_environment

    from weibao.accounts.services import own_company
    from weibao.core.models import WorkerLease
    from weibao.customers.models import Contact, Site
    from weibao.customers.services import customer_create
    from weibao.inbound import crypto
    from weibao.inbound.models import InboundAccount, InboundReceipt
    from weibao.notifications.models import Delivery
    from weibao.workorders.models import WorkOrder, WorkOrderEvent
    from weibao.workorders.services import system_user

    postgres = connection.vendor == "postgresql"
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

    worker = None
    if not args.profile:
        # The worker: a separate process, as deployed (one for the "inbound" queue), polling every 0.1 s when idle.
        worker = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, str(ROOT / "manage.py"), "db_worker", "--queue-name", "inbound", "--interval", "0.1"],
            cwd=ROOT,
            # One database connection for the whole run (not renewed after 60 s): its backend's CPU is measured.
            env={**os.environ, "PYTHONPATH": str(ROOT), "WEIBAO_DB_CONN_MAX_AGE": "3600"},
            stdout=subprocess.DEVNULL,
        )
        for _ in range(600):
            if WorkerLease.objects.exists():
                break
            time.sleep(0.1)
    connections.close_all()
    worker_backends: list[int] = []
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            worker_backends = [row[0] for row in cursor.fetchall()]
    worker_pg_started = pg_backend_cpu(worker_backends)
    # The worker's own CPU from here on (its start-up, Django and imports, is not routing).
    worker_cpu_started = pg_backend_cpu([worker.pid]) if worker is not None else 0.0

    lock = threading.Lock()
    routed_orders: dict[str, str] = {}  # a sender's user id → the number of an order already routed for them
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    expected = {"order_created": 0, "commented": 0, "triage": 0}
    unique_sent: set[str] = set()
    sender_pg_cpu: list[float] = []
    errors: list[BaseException] = []

    def post(client: Client, user: str, text: str, msg_id: str) -> None:
        inner = (
            f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>"
        )
        encrypted = crypto.wecom_encrypt(inner.encode(), encoding_aes_key=KEY, receive_id=CORP)
        timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
        signature = crypto.sha1_signature(TOKEN, timestamp, nonce, encrypted)
        body = f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        started = time.perf_counter()
        response = client.post(
            f"/inbound/wecom/bench/?msg_signature={signature}&timestamp={timestamp}&nonce={nonce}",
            data=body.encode(),
            content_type="text/xml",
        )
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    def sender(index: int, messages: list[tuple[str, int]], gate: threading.Barrier) -> None:
        rng = random.Random(index)
        client = Client()
        sent: list[tuple[str, str, str]] = []
        pid = None
        try:
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    pid = cursor.fetchone()[0]
            pg_started = pg_backend_cpu([pid]) if pid else 0.0
            gate.wait()
            for count, (kind, i) in enumerate(messages):
                if kind == "again" and sent:
                    post(client, *rng.choice(sent))
                    continue
                msg_id = str(10**18 + i)
                with lock:
                    known = list(routed_orders.items())
                if kind == "stranger":
                    user, text, outcome = f"stranger{i}", "你好，我们的网络坏了", "triage"
                elif kind == "comment" and known:
                    user, number = rng.choice(known)
                    text, outcome = f"{number} 还是不行，请尽快处理", "commented"
                else:  # a report (or a comment before any order is routed, or a repeat before anything was sent)
                    user, text = rng.choice(users), f"{rng.choice(SYMPTOMS)}（第{i}号）"
                    outcome = "order_created"
                post(client, user, text, msg_id)
                sent.append((user, text, msg_id))
                with lock:
                    expected[outcome] += 1
                    unique_sent.add(msg_id)
                if count % 50 == 0:  # learn an order routed meanwhile, for later comments (one query per 50)
                    receipt = (
                        InboundReceipt.objects.filter(status="order_created")
                        .select_related("workorder")
                        .order_by("-pk")
                        .first()
                    )
                    if receipt is not None:
                        with lock:
                            routed_orders[receipt.sender_id] = receipt.workorder.number
            if pid:
                sender_pg_cpu.append(pg_backend_cpu([pid]) - pg_started)
        except BaseException as exc:
            errors.append(exc)
            raise
        finally:
            connection.close()

    warm = Client()
    post(warm, "user0_0", "预热", "warm-up")  # URL configuration and imports (not timed)
    unique_sent.add("warm-up")
    expected["order_created"] += 1
    latencies.clear()
    statuses.clear()

    parts = plan(args.n, args.senders)
    gate = threading.Barrier(args.senders + 1)
    threads = [threading.Thread(target=sender, args=(s, parts[s], gate)) for s in range(args.senders)]
    for t in threads:
        t.start()
    usage_started = resource.getrusage(resource.RUSAGE_SELF)
    gate.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    sent_seconds = time.perf_counter() - started
    usage_sent = resource.getrusage(resource.RUSAGE_SELF)
    profiler = None
    if args.profile:
        import cProfile

        from weibao.inbound.services import receipts_route_pending

        profiler = cProfile.Profile()
        profiler.enable()
        while receipts_route_pending():
            pass
        profiler.disable()
    else:
        while InboundReceipt.objects.filter(status="pending").exists():
            time.sleep(0.05)
    seconds = time.perf_counter() - started
    usage_done = resource.getrusage(resource.RUSAGE_SELF)
    worker_pg = pg_backend_cpu(worker_backends) - worker_pg_started
    worker_cpu = 0.0
    if worker is not None:
        worker_cpu = pg_backend_cpu([worker.pid]) - worker_cpu_started
        worker.send_signal(signal.SIGTERM)
        worker.wait()
    if profiler is not None:
        import pstats

        pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"weibao|django/db/models/(query|base)", 60)

    def cpu(a, b) -> float:
        return (b.ru_utime - a.ru_utime) + (b.ru_stime - a.ru_stime)

    sender_cpu = cpu(usage_started, usage_sent)
    routing_cpu = cpu(usage_sent, usage_done) if args.profile else worker_cpu
    by_status = dict(InboundReceipt.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    receipts = sum(by_status.values())
    n = args.n
    print(
        f"{n:,} WeCom callbacks from {args.senders} senders, end to end (sent, stored, routed) in {seconds:.1f} s"
        f" = {n / seconds:,.0f}/s (all sent after {sent_seconds:.1f} s)"
    )
    print(
        f"request latency p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p95 {percentile(latencies, 0.95) * 1000:.1f}"
        f" ms, max {max(latencies) * 1000:.0f} ms; HTTP statuses {statuses}"
    )
    print(
        f"CPU per callback: senders+requests {sender_cpu * 1000 / n:.1f} ms, routing "
        f"{'(in process) ' if args.profile else '(worker process) '}{routing_cpu * 1000 / n:.1f} ms"
        + (
            f", PostgreSQL backends {(sum(sender_pg_cpu) + worker_pg) * 1000 / n:.1f} ms "
            f"(senders {sum(sender_pg_cpu) * 1000 / n:.1f}, worker {worker_pg * 1000 / n:.1f})"
            if postgres
            else ""
        )
        + f"; total {(sender_cpu + routing_cpu + sum(sender_pg_cpu) + worker_pg) * 1000 / n:.1f} ms"
    )
    print(
        f"receipts {receipts:,} by status {by_status}; expected {expected}; orders {WorkOrder.objects.count():,};"
        f" comments {WorkOrderEvent.objects.filter(kind='comment').count():,};"
        f" reply deliveries {Delivery.objects.filter(channel='wecom').count():,}"
    )
    db = os.environ["DATABASE_URL"].split("://", 1)[0]
    print(f"database {db}; load average before the run {load}, after {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    problems = []
    if errors:
        problems.append(f"a sender failed: {errors[0]!r}")
    if statuses.get(200) != n:
        problems.append("a callback was not answered 200")
    if receipts != len(unique_sent):
        problems.append(f"{len(unique_sent) - receipts} receipts lost or duplicated")
    if by_status != {k: v for k, v in expected.items() if v}:
        problems.append("receipts not routed as the mix says")
    if WorkOrder.objects.count() != expected["order_created"]:
        problems.append("orders ≠ reports")
    verdict = "PASS" if seconds <= TARGET_SECONDS and not problems else "FAIL"
    print(
        f"{verdict}: {seconds:.1f} s end to end against a target of {TARGET_SECONDS} s"
        + "".join(f"; {p}" for p in problems)
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
