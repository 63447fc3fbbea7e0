"""Demo data of emergency plans and training: an approved emergency plan on the hospital's core network (with a
drill), and a training plan on the hospital's contract with a session and its attendance. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

STEPS = [
    {"text": "值班工程师远程登录核心交换机，确认堆叠与上联链路状态，收集日志", "responsible": "值班工程师"},
    {"text": "通知信息科值班人员，按通报模板告知影响范围（HIS/PACS/LIS）", "responsible": "值班工程师"},
    {"text": "现场工程师携带备件到场，隔离故障成员交换机，业务切换至备用成员", "responsible": "现场工程师"},
    {"text": "更换故障板卡/电源，恢复堆叠并验证 HIS 业务", "responsible": "现场工程师"},
    {"text": "业务恢复后观察 30 分钟，填写故障处理报告并请信息科签字", "responsible": "现场工程师"},
]
CONTACTS = [
    {"side": "ours", "name": "李明", "role": "值班工程师", "phone": "13805140004"},
    {"side": "ours", "name": "张伟", "role": "现场工程师", "phone": "13805140005"},
    {"side": "customer", "name": "周主任", "role": "信息科主任", "phone": "13951001234"},
    {"side": "vendor", "name": "华为技术支持", "role": "TAC", "phone": "400-822-9999"},
]


@transaction.atomic
def demo(*, stdout) -> None:
    from weibao.accounts.models import User
    from weibao.assets.models import Subsystem
    from weibao.contracts.models import Contract
    from weibao.customers.models import Contact
    from weibao.planning import services
    from weibao.planning.models import EmergencyPlan, TrainingPlan

    manager = User.objects.filter(username="manager").first()
    core = Subsystem.objects.filter(project__customer__code="C001", kind="network").order_by("pk").first()
    contract = Contract.objects.filter(code="HT-DEMO-001").select_related("customer").first()
    if manager is None or core is None or contract is None:
        stdout.write("  planning: skipped (needs the accounts, assets and contracts demo data)")
        return
    today = timezone.localdate()
    if not EmergencyPlan.objects.filter(subsystem=core).exists():
        plan = services.emergency_plan_create(
            actor=manager,
            subsystem=core,
            title="全院核心网络中断应急预案",
            contacts=CONTACTS,
            steps=STEPS,
            scope="医院核心网络（核心交换机堆叠、汇聚层、内外网出口），涉及 HIS、PACS、LIS 等业务系统。",
            triggers="核心交换机宕机、堆叠分裂或全院大面积断网（A 类故障）；HIS 访问中断超过 5 分钟。",
            spare_parts="CE12708 电源模块 1 块、主控板 1 块、光模块 10G-SR 4 个、跳线若干",
            fallback="如新配置导致异常，立即回退至最近一次备份配置（配置备份位于运维堡垒机 /backup/core/）。",
            communication="【故障通告】X月X日X时，院内核心网络出现故障，影响范围：……；我方工程师已在处理，"
            "预计恢复时间：……。联系人：李明 13805140004。",
        )
        services.emergency_plan_approve(plan=plan, actor=manager)
        services.drill_record(
            plan=plan,
            actor=manager,
            held_on=today - dt.timedelta(days=30),
            participants="李明、张伟、信息科周主任、华为 TAC",
            findings="堆叠切换耗时 6 分钟，符合预期；通报模板需补充 PACS 影响说明。",
        )
    if not TrainingPlan.objects.filter(contract=contract).exists():
        training = services.training_plan_create(
            actor=manager,
            customer=contract.customer,
            contract=contract,
            title="信息科网络运维培训",
            method="on_site",
            trainers="张伟（我方）、华为认证讲师",
            content="核心网络日常巡检、常见故障判断与应急切换演示",
            scope="核心网络与无线网络",
            trainees="信息科运维人员",
            starts_on=today - dt.timedelta(days=20),
            ends_on=today + dt.timedelta(days=40),
        )
        session = services.session_create(
            plan=training,
            actor=manager,
            held_on=today - dt.timedelta(days=14),
            days="1",
            location="医院信息科会议室",
            topic="核心网络日常巡检",
        )
        contacts = list(Contact.objects.filter(customer=contract.customer).order_by("pk")[:3])
        for i, contact in enumerate(contacts):
            services.attendance_record(session=session, actor=manager, contact=contact, feedback_score=5 - i % 2)
    stdout.write("  planning: emergency plan on the hospital's core network, a training with attendance")


def scale(*, n: int, stdout) -> None:
    demo(stdout=stdout)
