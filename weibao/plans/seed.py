"""Demo data of the plans app: a C-class order with an approved solution plan and its agreed schedule (one
milestone reached, one ahead), a B-class order whose plan waits for the customer, a legacy order with a review due
today and a processing report, and a D-class change-request backlog on the demo customer's contract (one agreed
and overdue). Idempotent: the orders carry a source reference and are made once."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

DEMO_REF = "demo:plans"


def demo(*, stdout) -> None:
    from weibao.accounts.models import User
    from weibao.contracts.models import Contract
    from weibao.customers.models import Customer
    from weibao.plans import services
    from weibao.plans.models import ChangeRequest
    from weibao.workorders import services as wo_services
    from weibao.workorders.models import WorkOrder

    if WorkOrder.objects.filter(source_ref__startswith=DEMO_REF).exists():
        stdout.write("  plans: demo plans present")
        return
    users = {u.username: u for u in User.objects.filter(username__in=["manager", "duty", "field"])}
    customer = Customer.objects.filter(code="C001").first()
    if customer is None or "manager" not in users or "duty" not in users:
        stdout.write("  plans: no demo customers or users (seed accounts and customers first)")
        return
    manager, duty = users["manager"], users["duty"]
    site = customer.sites.order_by("pk").first()
    if site is None:
        stdout.write("  plans: the demo customer has no site")
        return
    today = timezone.localdate()
    contact = customer.contacts.exclude(email="").order_by("pk").first() if hasattr(customer, "contacts") else None
    with transaction.atomic():
        # C: a plan agreed with the customer, with its schedule on the order.
        c_order = wo_services.workorder_create(
            actor=duty,
            customer=customer,
            site=site,
            channel="phone",
            source_ref=f"{DEMO_REF}:c",
            severity="C",
            symptom="门诊楼 HIS 系统高峰期响应慢，挂号偶发超时",
            reporter_name="刘科长",
            reporter_phone="13800002345",
            reported_at=timezone.now() - datetime.timedelta(days=3),
        )
        wo_services.workorder_acknowledge(workorder=c_order, actor=duty)
        plan = services.plan_create(
            workorder=c_order,
            actor=duty,
            cause="数据库服务器内存不足，高峰期频繁换页",
            cause_confirmed_by="信息科 刘科长",
            actions="1. 扩容数据库服务器内存至 256GB\n2. 调整数据库缓存参数\n3. 高峰期压力测试",
            risks="扩容需停机约 30 分钟，安排在周末夜间",
            parts="32GB DDR4 ECC 内存 × 4",
            internal_note="内存由厂商借用，测试后归还",
            milestones=[
                {"title": "内存到货", "due_on": today},
                {"title": "周末停机扩容", "due_on": today + datetime.timedelta(days=5)},
                {"title": "高峰期压力测试", "due_on": today + datetime.timedelta(days=8)},
            ],
        )
        plan = services.plan_submit(plan=plan, actor=duty)
        services.plan_answer(plan=plan, actor=manager, decision="approve", name="刘科长")  # agreed by phone
        first = plan.milestones.order_by("position").first()
        services.milestone_done(milestone=first, actor=duty, note="内存已到货入库")

        # B: a plan submitted, waiting for the customer's answer in the portal.
        b_order = wo_services.workorder_create(
            actor=duty,
            customer=customer,
            site=site,
            channel="phone",
            source_ref=f"{DEMO_REF}:b",
            severity="B",
            symptom="住院部无线网络频繁掉线",
            reporter_name="周护士长",
            reporter_phone="13800003456",
        )
        wo_services.workorder_acknowledge(workorder=b_order, actor=duty)
        b_plan = services.plan_create(
            workorder=b_order,
            actor=duty,
            cause="AP 信道干扰",
            cause_confirmed_by="周护士长",
            actions="重新规划信道并增加 2 台 AP",
            risks="施工期间局部信号中断",
            milestones=[{"title": "AP 安装", "due_on": today + datetime.timedelta(days=2)}],
        )
        services.plan_submit(plan=b_plan, actor=duty)

        # Legacy: an order past its resolution deadline, reviewed, with a processing report for the customer.
        legacy = wo_services.workorder_create(
            actor=duty,
            customer=customer,
            site=site,
            channel="phone",
            source_ref=f"{DEMO_REF}:legacy",
            severity="B",
            symptom="PACS 影像偶发无法调阅",
            reporter_name="放射科 陈主任",
            reporter_phone="13800004567",
            reported_at=timezone.now() - datetime.timedelta(days=6),
        )
        wo_services.workorder_acknowledge(workorder=legacy, actor=duty)
        services.review_add(
            workorder=legacy,
            actor=manager,
            notes="厂商二线仍在分析日志",
            next_steps="催促厂商周五前给出结论",
            customer_report="厂商正在分析日志，预计本周给出结论。",
            next_review_on=today,
        )
        services.report_create(
            workorder=legacy,
            actor=manager,
            body="问题现象：PACS 影像偶发无法调阅。\n处理进展：已收集日志提交厂商分析，临时措施为重启影像服务。\n下一步：厂商本周给出根因与补丁计划。",
            send_to=contact.email if contact else "",
        )

        # D: the change-request backlog (修改计划) of the customer's contract.
        contract = Contract.objects.filter(customer=customer).order_by("pk").first()
        if contract is not None and not ChangeRequest.objects.filter(contract=contract).exists():
            overdue = services.change_request_create(
                contract=contract,
                actor=manager,
                title="HIS 挂号报表增加导出 Excel",
                description="信息科希望月报可直接导出",
                plan="在下个维护窗口增加导出功能",
                estimate_days="2",
                agreed_on=today - datetime.timedelta(days=3),
            )
            services.change_request_move(change=overdue, actor=manager, to="agreed")
            services.change_request_create(
                contract=contract,
                actor=manager,
                title="门禁系统增加访客预约",
                description="访客可提前在线预约",
                chargeable=True,
            )
    stdout.write(
        f"  plans: demo plans on {c_order.number} (agreed schedule), {b_order.number} (awaiting the "
        f"customer), legacy {legacy.number} (review due, report)"
    )


def scale(*, n: int, stdout) -> None:
    stdout.write("  plans: nothing to scale")
