"""Demo and scale data for work orders.

demo(): about 60 orders over the demo customers in every state, made through the real services (with the clock
set back, so that timelines span the last weeks), then one SLA sweep.
scale(n): n orders over two years with timelines and clocks, streamed with COPY on PostgreSQL (bulk_create
elsewhere). Scale clocks are measured in wall-clock time (7x24) to keep generation fast.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from unittest import mock

from django.db import connection, transaction
from django.utils import timezone

from weibao.contracts.choices import IntakeChannel, Severity
from weibao.workorders.choices import (
    OPEN_STATUSES,
    Category,
    Cause,
    Status,
)
from weibao.workorders.models import Clock, NumberCounter, WorkOrder, WorkOrderEvent

# symptom, category, severity
SYMPTOMS = [
    ("门诊大厅两台网络摄像机无图像，录像机提示视频丢失", Category.HARDWARE, Severity.B),
    ("核心交换机CPU占用持续95%以上，全院HIS系统访问缓慢", Category.NETWORK, Severity.A),
    ("3楼弱电间接入交换机掉电重启后部分端口不通", Category.NETWORK, Severity.B),
    ("程控交换机中继板告警，外线电话间歇性打不出去", Category.HARDWARE, Severity.A),
    ("门禁控制器离线，东门刷卡无反应", Category.HARDWARE, Severity.B),
    ("会议室投影机无信号，HDMI矩阵切换无效", Category.HARDWARE, Severity.C),
    ("无线AP频繁掉线，住院部护士站移动查房终端无法连接", Category.NETWORK, Severity.B),
    ("机房精密空调高温告警，温度达到32度", Category.HARDWARE, Severity.A),
    ("监控平台客户端登录提示证书过期", Category.SOFTWARE, Severity.C),
    ("一卡通消费机数据不上传，食堂对账不平", Category.SOFTWARE, Severity.B),
    ("服务器RAID阵列一块硬盘亮黄灯", Category.HARDWARE, Severity.B),
    ("防火墙策略调整后VPN用户无法访问内网OA", Category.NETWORK, Severity.B),
    ("楼层光纤跳线损坏，5楼整层断网", Category.NETWORK, Severity.A),
    ("希望在报表中增加按科室统计的视频调阅次数", Category.SOFTWARE, Severity.D),
    ("UPS电池自检失败，后备时间不足10分钟", Category.HARDWARE, Severity.B),
    ("广播系统分区3无声音", Category.HARDWARE, Severity.C),
    ("停车场道闸识别车牌错误率高", Category.SOFTWARE, Severity.C),
    ("存储容量告警，录像只能保存12天（要求30天）", Category.HARDWARE, Severity.C),
    ("核心路由器与运营商链路频繁抖动", Category.NETWORK, Severity.A),
    ("建议增加机房环境监控短信告警功能", Category.OTHER, Severity.D),
]
RESOLUTIONS = [
    "更换故障光模块后链路恢复，观察一小时无丢包",
    "远程登录重启服务并清理日志分区，系统恢复正常",
    "更换录像机硬盘2块，重建RAID后录像恢复",
    "重新熔接光纤并测试衰减合格",
    "升级固件至最新版本，问题不再复现",
    "调整防火墙策略并恢复VPN地址池",
    "更换门禁控制器电源适配器",
    "清理空调滤网并补充冷媒，温度恢复至23度",
]
WAIT_REASONS = ["等待客户确认报价", "客户要求周末再上门", "等待客户提供机房进入许可", "等待客户采购备件"]
# The pause-reason code that goes with each text above (issue 17).
WAIT_CODES = ["quote_approval", "awaiting_access", "awaiting_access", "parts"]
ESCALATE_REASONS = ["疑似设备固件缺陷，需厂商分析", "硬件返修需厂商确认", "远程与现场处理均未解决"]
COMMENTS = ["已电话联系客户，约定处理时间", "客户反馈问题依旧", "已将日志发给厂商", "备件已申请，预计明天到货"]

DEMO_REF = "demo:"
DEMO_KINDS = ["installation", "consultation", "commissioning", "training", "delivery"]


@contextlib.contextmanager
def _at(moment: datetime.datetime) -> Iterator[None]:
    """Run services as if it were `moment` (demo timelines in the past). Demo data only."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


# Paths to each demo end state: a list of steps, each (hours after report, step name).
PATHS: dict[str, list[tuple[float, str]]] = {
    Status.NEW: [],
    Status.ACKNOWLEDGED: [(0.1, "ack")],
    Status.DIAGNOSING: [(0.1, "ack"), (0.3, "diag"), (0.8, "log")],
    Status.DISPATCHED: [(0.1, "ack"), (0.3, "diag"), (1.0, "log"), (1.2, "dispatch"), (1.4, "accept")],
    Status.ON_SITE: [(0.1, "ack"), (0.3, "diag"), (1.0, "dispatch"), (1.2, "accept"), (2.5, "arrive")],
    Status.WAITING_CUSTOMER: [(0.1, "ack"), (0.5, "diag"), (2.0, "wait")],
    Status.ESCALATED: [(0.1, "ack"), (0.4, "diag"), (3.0, "log"), (5.0, "escalate")],
    Status.RESOLVED: [
        (0.1, "ack"),
        (0.3, "diag"),
        (1.0, "dispatch"),
        (1.1, "accept"),
        (3.0, "arrive"),
        (5.0, "resolve"),
    ],
    Status.OBSERVING: [(0.1, "ack"), (0.3, "diag"), (1.5, "log"), (2.0, "resolve"), (20.0, "confirm")],
    Status.REOPENED: [(0.1, "ack"), (0.3, "diag"), (2.0, "resolve"), (30.0, "comment_recur")],
    Status.CLOSED: [
        (0.1, "ack"),
        (0.3, "diag"),
        (1.0, "dispatch"),
        (1.2, "accept"),
        (3.0, "arrive"),
        (3.5, "plan"),
        (6.0, "resolve"),
        (24.0, "confirm"),
        (100.0, "close"),
    ],
    Status.CANCELLED: [(0.2, "cancel")],
}
DEMO_MIX = [
    (Status.NEW, 6),
    (Status.ACKNOWLEDGED, 5),
    (Status.DIAGNOSING, 6),
    (Status.DISPATCHED, 6),
    (Status.ON_SITE, 4),
    (Status.WAITING_CUSTOMER, 4),
    (Status.ESCALATED, 3),
    (Status.RESOLVED, 5),
    (Status.OBSERVING, 5),
    (Status.REOPENED, 3),
    (Status.CLOSED, 10),
    (Status.CANCELLED, 3),
]


def demo(*, stdout) -> None:
    from weibao.accounts.models import User
    from weibao.assets.models import Device, Vendor
    from weibao.customers.models import Customer, Site
    from weibao.workorders import services as svc
    from weibao.workorders.clocks import sla_sweep
    from weibao.workorders.pauses import pause_reasons_ensure

    pause_reasons_ensure()  # the migration seeds them; a flushed database gets them back here
    if WorkOrder.objects.filter(source_ref__startswith=DEMO_REF).exists():
        stdout.write("  workorders: demo orders present")
        return
    customers = list(Customer.objects.filter(code__in=["C001", "C002", "C003", "C004"]).order_by("code"))
    if not customers:
        stdout.write("  workorders: no demo customers (seed customers first)")
        return
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["duty", "manager", "field", "field2", "clerk", "customer", "customer2"]
        )
    }
    duty, manager = users["duty"], users["manager"]
    fields = [users.get("field"), users.get("field2")]
    customer_users = {u.organisation_id: u for u in users.values() if u.is_customer}
    vendors = list(Vendor.objects.order_by("pk")[:5])
    rng = random.Random(20260301)  # noqa: S311 - demo data, not security
    channels = [IntakeChannel.PHONE] * 5 + [
        IntakeChannel.EMAIL,
        IntakeChannel.WEB,
        IntakeChannel.CHAT,
        IntakeChannel.COMPLAINT,
        IntakeChannel.API,
        IntakeChannel.FIELD,
    ]
    now = timezone.now()
    made = 0
    plan = [status for status, count in DEMO_MIX for _ in range(count)]
    for k, status in enumerate(plan):
        customer = customers[k % len(customers)]
        sites = list(Site.objects.filter(customer=customer).order_by("pk"))
        site = sites[k % len(sites)]
        devices = list(Device.objects.filter(site=site).order_by("pk")[:20])
        symptom, category, severity = SYMPTOMS[k % len(SYMPTOMS)]
        # Open orders are recent (some overdue for the legacy review); finished ones spread over a month.
        if status in OPEN_STATUSES:
            age = datetime.timedelta(hours=rng.uniform(0.2, 10) if k % 5 else rng.uniform(80, 300))
        elif status in (Status.RESOLVED, Status.OBSERVING):
            age = datetime.timedelta(hours=rng.uniform(22, 60))
        else:
            age = datetime.timedelta(days=rng.uniform(6, 40))
        reported = now - age
        engineer = fields[k % 2] or duty
        reporter = customer_users.get(customer.organisation_id)
        channel = channels[k % len(channels)]
        with _at(reported):
            wo = svc.workorder_create(
                actor=reporter if channel == IntakeChannel.WEB and reporter else duty,
                customer=customer,
                site=site,
                channel=channel,
                symptom=symptom,
                severity=severity,
                category=category,
                devices=[devices[k % len(devices)]] if devices else (),
                reporter_name=reporter.name if reporter else "信息科值班员",
                reporter_phone="13905161234",
                source_ref=f"{DEMO_REF}{k}",
                # Most reports are faults; every seventh asks for something else (issue 17).
                service_kind=DEMO_KINDS[k // 7 % len(DEMO_KINDS)] if k % 7 == 6 else "fault_repair",
                maintenance_type="adaptive" if k % 7 == 6 else "corrective",
            )
        steps = PATHS[status]
        # Steps that would land in the future are squeezed into the time since the report.
        span = max((h for h, _s in steps), default=0) or 1
        scale_to = min(1.0, (age.total_seconds() / 3600 * 0.95) / span)
        for hours, step in steps:
            with _at(reported + datetime.timedelta(hours=hours * scale_to)):
                wo = _demo_step(
                    svc,
                    wo,
                    step,
                    duty=duty,
                    manager=manager,
                    engineer=engineer,
                    customer_user=customer_users.get(customer.organisation_id),
                    vendors=vendors,
                    k=k,
                )
        made += 1
    with transaction.atomic():
        sweep = sla_sweep()
    stdout.write(f"  workorders: {made} demo orders; SLA sweep {sweep}")


def _demo_step(svc, wo, step: str, *, duty, manager, engineer, customer_user, vendors, k: int):
    if step == "ack":
        return svc.workorder_acknowledge(workorder=wo, actor=duty, note="已接报，正在了解情况")
    if step == "diag":
        return svc.workorder_start_diagnosis(workorder=wo, actor=duty, note="远程登录设备查看日志")
    if step == "log":
        svc.workorder_log_work(
            workorder=wo, actor=duty, minutes=15 + (k * 7) % 60, note="远程排查：检查端口状态、日志与配置"
        )
        return wo
    if step == "dispatch":
        return svc.workorder_dispatch(workorder=wo, actor=manager, engineer=engineer, note="远程无法解决，需现场处理")
    if step == "accept":
        return svc.workorder_accept(workorder=wo, actor=engineer)
    if step == "arrive":
        return svc.workorder_arrive(workorder=wo, actor=engineer, note="已到达现场，与客户系统负责人确认故障")
    if step == "plan":
        return svc.workorder_record_plan(workorder=wo, actor=engineer, plan="更换故障部件并恢复配置，预计2小时")
    if step == "resolve":
        return svc.workorder_resolve(
            workorder=wo,
            actor=engineer if wo.arrived_at else duty,
            resolution=RESOLUTIONS[k % len(RESOLUTIONS)],
            cause=Cause.SYSTEM if k % 3 else Cause.HUMAN,
        )
    if step == "confirm":
        return svc.workorder_customer_confirm(workorder=wo, actor=customer_user or manager, note="确认已恢复")
    if step == "close":
        return svc.workorder_close(workorder=wo, actor=svc.system_user(), note="观察期内无复发，自动关闭")
    if step == "wait":
        return svc.workorder_wait_customer(
            workorder=wo,
            actor=duty,
            reason_code=WAIT_CODES[k % len(WAIT_CODES)],
            reason=WAIT_REASONS[k % len(WAIT_REASONS)],
        )
    if step == "escalate":
        if not vendors:
            return wo
        return svc.workorder_escalate(
            workorder=wo,
            actor=manager,
            vendor=vendors[k % len(vendors)],
            reason=ESCALATE_REASONS[k % len(ESCALATE_REASONS)],
        )
    if step == "comment_recur":
        actor = customer_user or duty
        # A customer's note only raises the flag; the desk reopens (issue 23). Staff's own note: a phone report.
        svc.workorder_comment(workorder=wo, actor=actor, body="同样的故障今天早上又出现了")
        wo.refresh_from_db()
        if wo.observation_reply_pending:
            return svc.workorder_reply_decide(
                workorder=wo, actor=duty, decision="reopened", reason_code="recurred", reason="客户回复故障复现"
            )
        return svc.workorder_reopen(
            workorder=wo, actor=duty, reason="客户来电：故障复现", source="phone", reason_code="recurred"
        )
    if step == "cancel":
        return svc.workorder_cancel(workorder=wo, actor=manager, reason="客户重复报修，已合并到另一工单")
    raise ValueError(step)


# --- scale --------------------------------------------------------------------------------------------------------

SCALE_REF = "scale"
OPEN_SHARE = 0.10  # a backlog of open orders large enough for the queue and sweep benchmarks (~100,000 at 1M)
H = datetime.timedelta(hours=1)
TARGETS = {  # SPEC §3 defaults in hours: response (spoken), arrival (city), plan, resolution
    Severity.A: (0.25, 2, 48, 48, 72),
    Severity.B: (0.25, 48, 72, 72, 72),
    Severity.C: (72, None, 108, 108, 168),
    Severity.D: (None, None, None, None, 168),
}
OPEN_MIX = [
    (Status.NEW, 6),
    (Status.ACKNOWLEDGED, 10),
    (Status.DIAGNOSING, 18),
    (Status.DISPATCHED, 14),
    (Status.ON_SITE, 6),
    (Status.WAITING_CUSTOMER, 10),
    (Status.ESCALATED, 5),
    (Status.REOPENED, 4),
    (Status.RESOLVED, 12),
    (Status.OBSERVING, 15),
]
OPEN_CHOICES = [str(s.value) for s, w in OPEN_MIX for _ in range(w)]
SEVERITY_CHOICES = ["A"] * 5 + ["B"] * 25 + ["C"] * 55 + ["D"] * 15
CHANNEL_CHOICES = (
    [IntakeChannel.PHONE] * 50
    + [IntakeChannel.EMAIL] * 12
    + [IntakeChannel.WEB] * 15
    + [IntakeChannel.CHAT] * 10
    + [IntakeChannel.API] * 5
    + [IntakeChannel.FIELD] * 4
    + [IntakeChannel.FAX] * 1
    + [IntakeChannel.SMS] * 2
    + [IntakeChannel.COMPLAINT] * 1
)

WO_COLUMNS = (
    "id",
    "number",
    "organisation_id",
    "customer_id",
    "site_id",
    "contract_id",
    "branch_id",
    "channel",
    "source_ref",
    "reported_by_id",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
    "title",
    "symptom",
    "severity",
    "category",
    "cause",
    "service_type",
    "chargeable",
    "in_warranty",
    "assignee_id",
    "status",
    "resume_status",
    "reported_at",
    "acknowledged_at",
    "accepted_at",
    "arrived_at",
    "plan",
    "resolved_at",
    "resolution",
    "observation_ends_at",
    "closed_at",
    "cancel_reason",
    "reopen_count",
    "next_deadline",
    "sla_state",
    "resolution_due_at",
    "version",
    "created_at",
    "updated_at",
    "reporter_phone_key",
    "observation_reply_pending",
    "wait_reason",
    "charge_reason",
)
EVENT_COLUMNS = (
    "workorder_id",
    "kind",
    "actor_id",
    "old_status",
    "new_status",
    "body",
    "data",
    "internal",
    "source_ref",
    "dedupe_key",
    "created_at",
)
CLOCK_COLUMNS = (
    "workorder_id",
    "kind",
    "target",
    "warn_ratio",
    "started_at",
    "deadline",
    "warn_at",
    "paused_at",
    "pauses",
    "stopped_at",
    "warned_at",
    "breached_at",
    "cycle",
)


def scale(*, n: int, stdout) -> None:
    """n work orders over two years (idempotent: only the missing ones are added)."""
    from weibao.accounts.choices import Role
    from weibao.accounts.models import User
    from weibao.contracts.models import Contract
    from weibao.customers.models import Site
    from weibao.workorders.services import system_user

    demo(stdout=stdout)
    have = WorkOrder.objects.filter(source_ref=SCALE_REF).count()
    todo = n - have
    if todo <= 0:
        stdout.write(f"  workorders: {have} scale orders present")
        return
    sites = list(
        Site.objects.filter(customer__code__startswith="S")
        .values_list("pk", "customer_id", "organisation_id", "region__branch_id", "customer__branch_id")
        .order_by("pk")
    ) or list(
        Site.objects.values_list("pk", "customer_id", "organisation_id", "region__branch_id", "customer__branch_id")
    )
    contracts = dict(Contract.objects.values_list("customer_id", "pk"))
    engineers: dict[int | None, list[int]] = defaultdict(list)
    for pk, branch_id in User.objects.filter(
        role__in=[Role.FIELD_ENGINEER, Role.DUTY_ENGINEER], is_active=True
    ).values_list("pk", "branch_id"):
        engineers[branch_id].append(pk)
    all_engineers = [pk for pks in engineers.values() for pk in pks]
    actor_id = system_user().pk
    desk_id = User.objects.filter(role=Role.DUTY_ENGINEER).values_list("pk", flat=True).first() or actor_id
    now = timezone.now()
    rng = random.Random(n * 7919 + have)  # noqa: S311 - synthetic data
    span = datetime.timedelta(days=730).total_seconds()
    times = sorted(now - datetime.timedelta(seconds=rng.random() * span) for _ in range(todo))
    counters = dict(NumberCounter.objects.values_list("year", "last"))
    ctx = _ScaleContext(sites, contracts, engineers, all_engineers, actor_id, desk_id, now, rng)
    pg = connection.vendor == "postgresql"
    batch = 50_000 if pg else 5_000
    first_id = _reserve_ids(todo)
    done = 0
    for start in range(0, todo, batch):
        chunk = times[start : start + batch]
        orders, events, clocks = [], [], []
        began = time.monotonic()
        for offset, reported in enumerate(chunk):
            year = timezone.localtime(reported).year
            counters[year] = counters.get(year, 0) + 1
            ctx.build(first_id + start + offset, f"WB-{year}-{counters[year]:06d}", reported, orders, events, clocks)
        built = time.monotonic()
        with transaction.atomic():
            if pg:
                _copy("workorders_workorder", WO_COLUMNS, orders)
                _copy("workorders_clock", CLOCK_COLUMNS, clocks)
                _copy("workorders_workorderevent", EVENT_COLUMNS, events)
            else:
                WorkOrder.objects.bulk_create([WorkOrder(**dict(zip(WO_COLUMNS, r, strict=True))) for r in orders])
                # COPY takes the JSON text "[]"; through the ORM the field wants the list itself.
                Clock.objects.bulk_create(
                    [Clock(**{**dict(zip(CLOCK_COLUMNS, r, strict=True)), "pauses": []}) for r in clocks]
                )
                WorkOrderEvent.objects.bulk_create(
                    [WorkOrderEvent(**dict(zip(EVENT_COLUMNS, r, strict=True))) for r in events], batch_size=2000
                )
            for year, last in counters.items():
                NumberCounter.objects.update_or_create(year=year, defaults={"last": last})
        done += len(chunk)
        stdout.write(
            f"  workorders: {have + done}/{n} orders ({len(events)} events, {len(clocks)} clocks; "
            f"built {built - began:.1f}s, written {time.monotonic() - built:.1f}s)"
        )
    if pg:
        with connection.cursor() as cursor:
            for table in ("workorders_workorder", "workorders_workorderevent", "workorders_clock"):
                # VACUUM sets the visibility map, so that counts and queues can use index-only scans at once.
                verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"  # no VACUUM in a transaction
                cursor.execute(f"{verb} {table}")  # noqa: S608 - fixed table names
    stdout.write(f"  workorders: {todo} scale orders added")


def _reserve_ids(count: int) -> int:
    """A block of `count` work-order ids that no concurrent insert can take."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence('workorders_workorder', 'id')")
            (seq,) = cursor.fetchone()
            cursor.execute("SELECT nextval(%s)", [seq])
            (first,) = cursor.fetchone()
            cursor.execute("SELECT setval(%s, %s)", [seq, first + count])
            return first
    last = WorkOrder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return last + 1


def _copy(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"  # noqa: S608 - fixed names
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


STOP_AT = {  # the last step of the path to each end state
    "new": "",
    "acknowledged": "ack",
    "diagnosing": "log",
    "dispatched": "accept",
    "on_site": "arrive",
    "waiting_customer": "diag",
    "escalated": "log",
    "reopened": "resolve",
    "resolved": "resolve",
    "observing": "confirm",
    "closed": "close",
    "cancelled": "",
}
MOVES = {  # step -> (event kind, new status)
    "ack": ("acknowledged", "acknowledged"),
    "diag": ("diagnosis_started", "diagnosing"),
    "dispatch": ("dispatched", "dispatched"),
    "arrive": ("arrived", "on_site"),
    "resolve": ("resolved", "resolved"),
    "confirm": ("customer_confirmed", "observing"),
    "close": ("closed", "closed"),
}
SYSTEM_KINDS = frozenset({"closed", "sla_breach"})
ENGINEER_KINDS = frozenset({"accepted", "arrived", "resolved"})


class _ScaleContext:
    """Generates one order with its events and clocks as plain tuples (the shapes of the COPY columns)."""

    def __init__(self, sites, contracts, engineers, all_engineers, actor_id, desk_id, now, rng) -> None:
        self.sites, self.contracts, self.engineers = sites, contracts, engineers
        self.all_engineers = all_engineers or [desk_id]
        self.actor_id, self.desk_id, self.now, self.rng = actor_id, desk_id, now, rng

    def build(self, pk: int, number: str, t0: datetime.datetime, orders: list, events: list, clocks: list) -> None:
        rng, now = self.rng, self.now
        site_id, customer_id, org_id, region_branch, customer_branch = self.sites[rng.randrange(len(self.sites))]
        branch_id = region_branch or customer_branch
        symptom, category, base_sev = SYMPTOMS[rng.randrange(len(SYMPTOMS))]
        severity = base_sev if rng.random() < 0.5 else rng.choice(SEVERITY_CHOICES)
        channel = rng.choice(CHANNEL_CHOICES)
        pool = self.engineers.get(branch_id) or self.all_engineers
        engineer = pool[rng.randrange(len(pool))]
        contract_id = self.contracts.get(customer_id)
        age_h = (now - t0).total_seconds() / 3600
        # The final state: recent orders are mostly still in work; older ones are closed, a backlog stays open.
        if age_h < 72 or rng.random() < OPEN_SHARE:
            status = rng.choice(OPEN_CHOICES)
        else:
            status = "cancelled" if rng.random() < 0.03 else "closed"
        response, arrival, plan_h, resolution_h, observe_h = TARGETS[severity]
        remote = rng.random() < 0.55
        # Realistic step times (hours after report), then cut at the end state and at "now".
        steps = [("ack", rng.uniform(0.02, 0.6))]
        steps.append(("diag", steps[-1][1] + rng.uniform(0.05, 1.0)))
        steps.append(("log", steps[-1][1] + rng.uniform(0.2, 2.0)))
        if not remote:
            steps.append(("dispatch", steps[-1][1] + rng.uniform(0.1, 3.0)))
            steps.append(("accept", steps[-1][1] + rng.uniform(0.05, 0.5)))
            steps.append(("arrive", steps[-1][1] + rng.uniform(0.5, 30.0)))
        steps.append(("resolve", steps[-1][1] + rng.uniform(0.5, 40.0)))
        steps.append(("confirm", steps[-1][1] + rng.uniform(1, 24)))
        steps.append(("close", steps[-1][1] - rng.uniform(1, 24) + observe_h))
        stop_at = STOP_AT[status]
        if status in ("dispatched", "on_site") and remote:
            steps = steps[:3] + [
                ("dispatch", steps[2][1] + 0.5),
                ("accept", steps[2][1] + 0.7),
                ("arrive", steps[2][1] + 3.0),
            ]
        kept = []
        for name, hours in steps:
            if stop_at == "":
                break
            kept.append((name, hours))
            if name == stop_at:
                break
        # An open order's steps all lie in the past: squeeze them into its age.
        last_h = kept[-1][1] if kept else 0
        if last_h > age_h * 0.95 and last_h > 0:
            factor = age_h * 0.95 / last_h
            kept = [(name, h * factor) for name, h in kept]
        at = {name: t0 + datetime.timedelta(hours=h) for name, h in kept}
        ev = events.append

        system_id, desk_id = self.actor_id, self.desk_id

        def event(kind, when, old="", new="", body="", data="{}", dedupe=""):
            actor = system_id if kind in SYSTEM_KINDS else engineer if kind in ENGINEER_KINDS else desk_id
            ev((pk, kind, actor, old, new, body, data, False, "", dedupe, when))

        event("created", t0, "", "new", symptom, f'{{"channel": "{channel}", "severity": "{severity}"}}')
        state = "new"
        moves = MOVES
        resolution = RESOLUTIONS[pk % len(RESOLUTIONS)] if "resolve" in at else ""
        for name, _h in kept:
            when = at[name]
            if name == "log":
                event("work_logged", when, body="远程排查", data=f'{{"minutes": {10 + pk % 50}}}')
            elif name == "accept":
                event("accepted", when)
            else:
                kind, new = moves[name]
                event(kind, when, state, new, resolution if name == "resolve" else "")
                state = new
        last = max(at.values(), default=t0)
        if status == "waiting_customer":
            last += datetime.timedelta(minutes=10)
            code = WAIT_CODES[pk % len(WAIT_CODES)]
            event(
                "waiting_customer",
                last,
                state,
                status,
                WAIT_REASONS[pk % len(WAIT_REASONS)],
                f'{{"pause_reason": "{code}"}}',
            )
        elif status == "escalated":
            last += datetime.timedelta(minutes=10)
            event("escalated", last, state, status, ESCALATE_REASONS[pk % len(ESCALATE_REASONS)])
        elif status == "reopened":
            last = min(now, last + datetime.timedelta(hours=2))
            event("reopened", last, state, status, "故障复现")
        elif status == "cancelled":
            last = t0 + datetime.timedelta(minutes=20)
            event("cancelled", last, state, status, "客户撤回报修")
        if status not in ("closed", "cancelled") and pk % 4 == 0:
            event("comment", min(now, last + datetime.timedelta(minutes=5)), body=COMMENTS[pk % len(COMMENTS)])

        # Clocks (7x24): stopped by the matching step, breached when it passed its deadline unstopped.
        sla_state, next_deadline, resolution_due = "ok", None, None
        final = status in ("closed", "cancelled")
        stops = {
            "response": at.get("ack"),
            "arrival": at.get("arrive") or at.get("resolve"),
            "plan": at.get("resolve"),
            "resolution": at.get("resolve"),
        }
        paused_at = last if status == "waiting_customer" else None
        for kind, hours in zip(
            ("response", "arrival", "plan", "resolution"),
            (
                response
                if channel in ("phone", "complaint", "walk_in", "field") or severity == Severity.C
                else (None if response is None else 12),
                arrival if not remote or status in ("dispatched", "on_site") else None,
                plan_h,
                resolution_h,
            ),
            strict=True,
        ):
            if hours is None:
                continue
            started = at.get("resolve") if (kind == "resolution" and status == "reopened") else t0
            started = last if (kind == "resolution" and status == "reopened") else started
            target = datetime.timedelta(hours=hours)
            deadline, warn_at = started + target, started + target * 0.75
            stopped = stops[kind] if not (kind == "resolution" and status == "reopened") else None
            if stopped is None and final:
                stopped = last
            ref = stopped or now
            warned = warn_at if warn_at <= ref else None
            breached = deadline if deadline <= ref and stopped is None else None
            if breached is None and stopped is not None and stopped > deadline:
                breached = deadline
            c_paused = paused_at if stopped is None else None
            clocks.append(
                (
                    pk,
                    kind,
                    target,
                    0.75,
                    started,
                    deadline,
                    warn_at,
                    c_paused,
                    "[]",
                    stopped,
                    warned,
                    breached,
                    2 if status == "reopened" and kind == "resolution" else 1,
                )
            )
            if stopped is None:
                if breached:
                    sla_state = "breached"
                    cycle = 2 if status == "reopened" and kind == "resolution" else 1
                    event("sla_breach", deadline, data=f'{{"clock": "{kind}"}}', dedupe=f"sla_breach:{kind}:{cycle}")
                elif warned and sla_state == "ok":
                    sla_state = "warning"
                if c_paused is None:
                    next_deadline = deadline if next_deadline is None else min(next_deadline, deadline)
                if kind == "resolution":
                    resolution_due = deadline
            elif breached and not final:
                sla_state = "breached"
        resolved_at = at.get("resolve") if status not in ("reopened",) else None
        observation_end = resolved_at + datetime.timedelta(hours=observe_h) if resolved_at else None
        if status in ("resolved", "observing") and observation_end and observation_end <= now:
            observation_end = now + datetime.timedelta(hours=rng.uniform(1, observe_h))
        closed_at = last if final else None
        orders.append(
            (
                pk,
                number,
                org_id,
                customer_id,
                site_id,
                contract_id,
                branch_id,
                channel,
                SCALE_REF,
                self.desk_id,
                "客户报修人",
                f"139{pk % 100_000_000:08d}",
                "",
                symptom[:80],
                symptom,
                severity,
                category,
                "system" if pk % 3 else "human",
                "contract" if contract_id else "paid",
                not contract_id,
                None,
                engineer if state != "new" else None,
                status,
                ("diagnosing" if status == "waiting_customer" else ""),
                t0,
                at.get("ack"),
                at.get("accept"),
                at.get("arrive"),
                "",
                resolved_at,
                resolution,
                observation_end,
                closed_at,
                "客户撤回报修" if status == "cancelled" else "",
                1 if status == "reopened" else 0,
                next_deadline if status in OPEN_STATUSES else None,
                sla_state if not final else "ok",
                resolution_due if status in OPEN_STATUSES else None,
                1 + len(kept),
                t0,
                last,
                f"139{pk % 100_000_000:08d}"[::-1],
                False,
                "",
                "" if contract_id else "not_covered",
            )
        )
