"""Demo data of the customer loop: closed orders in the callback queue (one due now, one overdue, one waiting for a
retry, one done with a rating), a complaint being investigated with the engineer's statement, and a closed
complaint with its own callback — so the manager's queue, the complaint timeline, satisfaction and the customer
archive show something at once. Idempotent (the demo orders carry source_ref "demo:feedback")."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

DEMO_REF = "demo:feedback"


def _closed_order(
    *,
    customer,
    site,
    manager,
    engineer,
    symptom: str,
    severity: str,
    reporter: tuple[str, str],
    rating: int | None = None,
):
    from weibao.onsite import services as onsite
    from weibao.onsite.seed import demo_signature
    from weibao.workorders import services as wo

    order = wo.workorder_create(
        actor=manager,
        customer=customer,
        site=site,
        channel="phone",
        source_ref=DEMO_REF,
        symptom=symptom,
        severity=severity,
        reporter_name=reporter[0],
        reporter_phone=reporter[1],
    )
    order = wo.workorder_dispatch(workorder=order, actor=manager, engineer=engineer)
    if rating is not None:
        onsite.service_form_save(
            workorder=order,
            actor=engineer,
            data={
                "inspection": "现场检查",
                "work_done": "已处理",
                "solved": True,
                "satisfaction": rating,
                "customer_contact_name": reporter[0],
                "customer_contact_phone": reporter[1],
                "customer_remark": "等了很久才来" if rating <= 2 else "",
            },
        )
        order.refresh_from_db()
        onsite.service_form_sign(
            workorder=order,
            actor=engineer,
            customer_name=reporter[0],
            customer_signature=demo_signature(4),
            engineer_signature=demo_signature(5),
        )
        order.refresh_from_db()
    order = wo.workorder_resolve(workorder=order, actor=engineer, resolution="故障已排除，系统恢复正常")
    return wo.workorder_close(workorder=order, actor=manager, reason_code="customer_confirmed")


def demo(*, stdout) -> None:
    from weibao.accounts.models import User
    from weibao.customers.models import Customer, Site
    from weibao.feedback import services
    from weibao.feedback.models import Callback
    from weibao.workorders.models import WorkOrder

    if WorkOrder.objects.filter(source_ref=DEMO_REF).exists():
        stdout.write("  feedback: demo callbacks and complaints present")
        return
    users = {u.username: u for u in User.objects.filter(username__in=["manager", "field", "duty"])}
    customer = Customer.objects.filter(code="C001").first()
    site = Site.objects.filter(customer=customer).order_by("pk").first() if customer else None
    if site is None or "manager" not in users:
        stdout.write("  feedback: no demo customers or users (seed accounts and customers first)")
        return
    manager, engineer = users["manager"], users.get("field") or users.get("duty")
    now = timezone.now()
    with transaction.atomic():
        services.policy_get()
        due = _closed_order(
            customer=customer,
            site=site,
            manager=manager,
            engineer=engineer,
            severity="A",
            symptom="机房核心交换机宕机，全楼断网",
            reporter=("王主任", "13800001234"),
        )
        overdue = _closed_order(
            customer=customer,
            site=site,
            manager=manager,
            engineer=engineer,
            severity="B",
            symptom="门禁一卡通系统无法刷卡",
            reporter=("李科长", "13800002345"),
        )
        low = _closed_order(
            customer=customer,
            site=site,
            manager=manager,
            engineer=engineer,
            severity="C",
            rating=2,
            symptom="会议室投影仪偶尔黑屏",
            reporter=("赵老师", "13800003456"),
        )
        done = _closed_order(
            customer=customer,
            site=site,
            manager=manager,
            engineer=engineer,
            severity="B",
            rating=5,
            symptom="监控录像回放卡顿",
            reporter=("王主任", "13800001234"),
        )
        # The overdue one closed a week ago: its callback was due long since (history, for the overdue view).
        WorkOrder.objects.filter(pk=overdue.pk).update(closed_at=now - timedelta(days=7))
        services.callbacks_select()
        retry = Callback.objects.get(order=low)
        services.callback_record(callback=retry, actor=manager, outcome="not_reached", remark="无人接听")
        finished = Callback.objects.get(order=done)
        services.callback_record(
            callback=finished,
            actor=manager,
            outcome="reached",
            satisfaction=4,
            remark="处理得不错，希望以后响应再快一点",
        )

        open_complaint = services.complaint_register(
            actor=manager,
            customer=customer.organisation,
            order=due,
            source="phone",
            category="late",
            severity="major",
            complainant_name="王主任",
            complainant_phone="13800001234",
            description="A类故障，工程师到场比承诺晚了一个多小时，影响全楼办公",
        )
        services.complaint_investigate(complaint=open_complaint, actor=manager, note="调取派工与到场记录")
        services.complaint_statement(
            complaint=open_complaint, actor=engineer, text="途中遇高架事故封路，已电话告知客户"
        )
        closed_complaint = services.complaint_register(
            actor=manager,
            customer=customer.organisation,
            order=overdue,
            source="email",
            category="charges",
            complainant_name="李科长",
            complainant_phone="13800002345",
            description="上门费用与合同约定不一致",
        )
        c = services.complaint_investigate(complaint=closed_complaint, actor=manager)
        c = services.complaint_answer(complaint=c, actor=manager, answer="经核对合同，已退还多收的交通费80元")
        services.complaint_accept(complaint=c, actor=manager, note="客户电话确认接受")
    stdout.write(
        f"  feedback: 4 closed orders in the callback queue, complaints {open_complaint.number} (open) and "
        f"{closed_complaint.number} (closed)"
    )


def scale(*, n: int, stdout) -> None:
    """Bulk data: the every-minute selection picks callbacks from the closed orders the other apps created."""
    from weibao.feedback.services import callbacks_select

    added = callbacks_select()
    stdout.write(f"  feedback: {added} callbacks selected")
