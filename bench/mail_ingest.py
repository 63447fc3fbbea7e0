"""Email intake throughput (issue 6: 10,000 queued mails ingested in under 2 minutes).

    .venv/bin/python bench/mail_ingest.py [--n 10000]                 # own SQLite file var/bench-mail.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weibao_mailbench .venv/bin/python bench/mail_ingest.py

The database named is dropped and re-created (SQLite: the file is replaced); so that a mistyped DATABASE_URL cannot
wipe real data, the script refuses a database whose name does not contain "bench" unless --i-know is given. A real Dovecot is started on loopback
(as in the tests) and loaded with N mails over IMAP APPEND (not timed): 80 % new fault reports from 20 known
customers in mixed encodings (UTF-8 base64, GB2312 quoted-printable that is really GBK, raw GBK 8-bit, HTML only,
some with a PNG attachment), 10 % replies to earlier mails of the run (In-Reply-To → comment), 5 % unknown senders
(triage), 3 % machine mail (bulk alarms, no auto-reply), 2 % the same mail twice (duplicates). Then one
`mailbox_poll` — the code path of the periodic task: IMAP fetch in batches, raw source to storage, parse, decode,
work order or comment through the work-order services (numbers, entitlement, SLA clocks, events), auto-reply
deliveries and the notification tasks enqueued in the database task queue — is timed end to end.
"""

import argparse
import base64
import os
import quopri
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("WEIBAO_DEBUG", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
MEDIA = Path(tempfile.mkdtemp(prefix="weibao-mailbench-media-"))
os.environ["WEIBAO_MEDIA_ROOT"] = str(MEDIA)
SQLITE = ROOT / "var" / "bench-mail.sqlite3"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{SQLITE}")
os.environ.setdefault("WEIBAO_LOG_LEVEL", "WARNING")

TARGET_SECONDS = 120
LOAD = ""
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
SYMPTOMS = [
    "核心交换机端口大量丢包，财务系统无法访问",
    "监控录像无法回放，硬盘录像机报警",
    "门禁控制器离线，刷卡无反应",
    "程控交换机分机不通，朱镕堃办公室电话无声",
    "机房空调高温告警，温度 35℃",
    "大屏拼接墙左上角黑屏",
]


def refusal(url: str, *, i_know: bool) -> str | None:
    """Why the database in `url` must not be dropped (None when it may): its name must contain "bench"."""
    name = url.rsplit("/", 1)[-1].split("?", 1)[0]
    if i_know or "bench" in name.lower():
        return None
    return (
        f"refusing to run: this benchmark DROPS and re-creates the database named in DATABASE_URL ({name!r}), "
        'whose name does not contain "bench". Point DATABASE_URL at a scratch database such as '
        "postgres://postgres@127.0.0.1:5432/weibao_mailbench, or pass --i-know to drop it anyway."
    )


def fresh_database() -> None:
    url = os.environ["DATABASE_URL"]
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def enc(text: str, charset: str = "utf-8") -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def make_mails(n: int, domains: list[str]) -> list[bytes]:
    rng = random.Random(6)
    mails: list[bytes] = []
    new_ids: list[str] = []
    for i in range(n):
        roll = rng.random()
        msgid = f"<bench-{i}@mail.example>"
        sender = f"user{rng.randrange(50)}@{rng.choice(domains)}"
        head = f"From: {enc('客户联系人')} <{sender}>\r\nTo: service@weibao.test\r\nMessage-ID: {msgid}\r\n"
        head += "Date: Wed, 25 Nov 2026 09:30:00 +0800\r\nMIME-Version: 1.0\r\n"
        symptom = rng.choice(SYMPTOMS) + f"（第 {i} 号）"
        if roll < 0.02 and mails:
            mails.append(mails[rng.randrange(len(mails))])  # the same mail delivered twice
            continue
        if roll < 0.12 and new_ids:
            head += f"In-Reply-To: {rng.choice(new_ids)}\r\nSubject: {enc('回复：报修已登记')}\r\n"
            body = f"补充情况：{symptom}\n\n-----原始邮件-----\n发件人: 维保服务中心\n\n您的报修已登记。\n"
            mails.append((head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode())
            continue
        if roll < 0.17:
            head = head.replace(sender, f"someone{i}@unknown{i % 7}.example.com")
        if 0.17 <= roll < 0.20:
            head += "Precedence: bulk\r\nAuto-Submitted: auto-generated\r\n"
        kind = i % 5
        if kind == 0:
            head += f"Subject: {enc(symptom[:12])}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            mails.append(
                (head + "Content-Transfer-Encoding: base64\r\n\r\n").encode()
                + base64.encodebytes((symptom + "\n请尽快处理。\n").encode())
            )
        elif kind == 1:  # declared GB2312, really GBK (镕, 堃)
            head += f"Subject: {enc(symptom[:12], 'gbk')}\r\nContent-Type: text/plain; charset=gb2312\r\n"
            mails.append(
                (head + "Content-Transfer-Encoding: quoted-printable\r\n\r\n").encode()
                + quopri.encodestring((symptom + "\n").encode("gbk"))
            )
        elif kind == 2:  # raw 8-bit GBK
            mails.append(
                (head + "Content-Type: text/plain; charset=gbk\r\nContent-Transfer-Encoding: 8bit\r\n").encode()
                + b"Subject: "
                + symptom[:12].encode("gbk")
                + b"\r\n\r\n"
                + (symptom + "\n").encode("gbk")
            )
        elif kind == 3:  # HTML only
            head += f"Subject: {enc(symptom[:12])}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            mails.append((head + f"<html><body><p>{symptom}</p><ul><li>位置：机房</li></ul></body></html>").encode())
        else:  # with a photo
            b = f"b{i}"
            head += f'Subject: {enc(symptom[:12])}\r\nContent-Type: multipart/mixed; boundary="{b}"\r\n\r\n'
            body = (
                f"--{b}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{symptom}\r\n--{b}\r\n"
                f"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
                f"Content-Disposition: attachment; filename*=UTF-8''%E7%8E%B0%E5%9C%BA.png\r\n\r\n"
                f"{base64.b64encode(PNG).decode()}\r\n--{b}--\r\n"
            )
            mails.append((head + body).encode())
        new_ids.append(msgid)
    return mails


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--i-know", action="store_true", help="drop the database even if its name lacks 'bench'")
    args = parser.parse_args()
    if reason := refusal(os.environ["DATABASE_URL"], i_know=args.i_know):
        print(reason, file=sys.stderr)
        return 2

    global LOAD
    LOAD = " ".join(f"{x:.1f}" for x in os.getloadavg())
    fresh_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from weibao.accounts.services import own_company
    from weibao.customers.models import Site
    from weibao.customers.services import customer_create
    from weibao.notifications.intake import mailbox_poll
    from weibao.notifications.models import Delivery, InboundMessage, Mailbox
    from weibao.notifications.tests import servers
    from weibao.workorders.models import WorkOrder, WorkOrderEvent
    from weibao.workorders.services import system_user

    call_command("migrate", verbosity=0)
    own_company()
    actor = system_user()
    domains = []
    for c in range(20):
        domain = f"customer{c}.example.cn"
        customer = customer_create(actor=actor, code=f"MB{c:02d}", name=f"邮件客户{c}", email_domains=domain)
        Site.objects.create(customer=customer, organisation=customer.organisation, name=f"邮件客户{c}总部")
        domains.append(domain)

    dovecot = servers.start_dovecot()
    try:
        mails = make_mails(args.n, domains)
        folder = dovecot.new_folder("bench")
        started = time.perf_counter()
        conn = dovecot.connect()
        for raw in mails:
            conn.append('"bench"', None, None, raw)
        conn.logout()
        print(f"loaded {len(mails)} mails into Dovecot in {time.perf_counter() - started:.1f} s (not timed)")
        os.environ["WEIBAO_BENCH_IMAP_PASSWORD"] = servers.IMAP_PASSWORD
        mailbox = Mailbox.objects.create(
            name="bench",
            host="127.0.0.1",
            port=dovecot.imap_port,
            security="plain",
            username=servers.IMAP_USER,
            password_env="WEIBAO_BENCH_IMAP_PASSWORD",  # noqa: S106 - a variable name
            folder=folder,
        )

        from weibao.notifications import intake

        fetch_real, fetch_seconds = intake._fetch_new, []

        def fetch_timed(mb):  # the first phase of the poll: IMAP fetch, raw source stored, rows registered
            t0 = time.perf_counter()
            try:
                return fetch_real(mb)
            finally:
                fetch_seconds.append(time.perf_counter() - t0)

        intake._fetch_new = fetch_timed
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        children_before = before.ru_utime + before.ru_stime
        started, cpu_started = time.perf_counter(), time.process_time()
        if os.environ.get("WEIBAO_BENCH_PROFILE"):
            import cProfile
            import pstats

            profile = cProfile.Profile()
            result = profile.runcall(mailbox_poll, mailbox=mailbox)
            stats = pstats.Stats(profile).sort_stats("cumulative")
            stats.print_callees("_handle|open_order_from_mail|inbound_store|_process_one|delivery_auto_reply")
        else:
            result = mailbox_poll(mailbox=mailbox)
        seconds = time.perf_counter() - started
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the forked workers, once reaped
        cpu = time.process_time() - cpu_started + children.ru_utime + children.ru_stime - children_before
    finally:
        dovecot.stop()
        shutil.rmtree(dovecot.root, ignore_errors=True)
        shutil.rmtree(MEDIA, ignore_errors=True)

    statuses = dict(sorted(result.statuses.items()))
    print(f"database: {connection.vendor}; error: {result.error or 'none'}; load average before: {LOAD}")
    print(
        f"CPU time of the intake processes (parent and forked workers): {cpu:.1f} s = {cpu * 1000 / args.n:.1f} ms "
        "per mail; the rest of the wall time is waiting for the CPU, the disk and the database"
    )
    print(
        f"phase 1, fetch and register (raw source kept, duplicates found): {fetch_seconds[0]:.1f} s; "
        f"phase 2, handle (orders, comments, triage, auto-replies): {seconds - fetch_seconds[0]:.1f} s"
    )
    print(f"stored {result.stored}, processed {result.processed}: {statuses}")
    print(
        f"work orders {WorkOrder.objects.count()}, comments "
        f"{WorkOrderEvent.objects.filter(kind='comment', internal=False).count()}, "
        f"auto-replies queued {Delivery.objects.filter(inbound__isnull=False).count()}, "
        f"inbound rows {InboundMessage.objects.count()}"
    )
    print(
        f"ingest: {seconds:.1f} s for {args.n} mails = {args.n / seconds:.0f} mails/s "
        f"(target < {TARGET_SECONDS} s): {'PASS' if seconds < TARGET_SECONDS else 'FAIL'}"
    )
    return 0 if seconds < TARGET_SECONDS and result.stored == args.n else 1


if __name__ == "__main__":
    sys.exit(main())
