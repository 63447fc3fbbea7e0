"""Demo data of the month end: a pay rule (the source's "每次**元" filled in with demo amounts), hire and
probation dates, signed service forms on the demo orders reached on site, travel requests and claims (one taxi
approved before the trip, one refused for want of approval), and three months: one approved (locked), one reviewed,
one prepared. Idempotent: nothing is added once the demo months exist.

The demo orders are already closed when this runs, so their service forms are written directly with the time of
the visit (the on-site services stamp the current time) — demo data only."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from unittest import mock

from django.db import transaction
from django.utils import timezone

DEMO_RULE_NOTE = "演示金额（制度原文为每次**元，由管理员设定）"


@contextlib.contextmanager
def _at(moment: dt.datetime):
    """Run services as if it were `moment`. Demo data only."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


# After `seed --scale` the demo engineers may have thousands of orders: the demo signs forms on the latest few only.
DEMO_FORMS = 40


def _previous(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


@transaction.atomic
def demo(*, stdout) -> None:
    from weibao.accounts.models import User
    from weibao.onsite.models import ServiceForm
    from weibao.payroll import services
    from weibao.payroll.models import PayMonth, PayProfile, PayRule
    from weibao.workorders.models import WorkOrder

    this_month = timezone.localdate().replace(day=1)
    prepared = this_month
    reviewed = _previous(prepared)
    approved = _previous(reviewed)
    if PayMonth.objects.filter(month__in=[approved, reviewed, prepared]).count() == 3:
        stdout.write("  payroll: demo months exist")
        return
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["admin", "gm", "manager", "clerk", "duty", "field", "field2", "field3"]
        )
    }
    if len(users) < 8:
        stdout.write("  payroll: demo staff missing (seed accounts first)")
        return
    if not PayRule.objects.exists():
        PayRule.objects.create(
            valid_from=dt.date(2026, 1, 1),
            service_allowance=Decimal("30.00"),
            monthly_bonus=Decimal("500.00"),
            complaint_fine=Decimal("100.00"),
            forfeit_threshold=3,
            non_dedicated_visit_fee=Decimal("80.00"),
            base_salary=Decimal("4000.00"),
            probation_base_salary=Decimal("3200.00"),
            seniority_per_year=Decimal("50.00"),
            standard_days=Decimal("21.75"),
            note=DEMO_RULE_NOTE,
            created_by=users["admin"],
        )
    for username, hired, confirmed in (
        ("duty", dt.date(2018, 4, 1), dt.date(2018, 7, 1)),
        ("field", dt.date(2020, 9, 1), dt.date(2020, 12, 1)),
        ("field2", dt.date(2023, 3, 1), dt.date(2023, 6, 1)),
        ("field3", dt.date(2026, 9, 1), None),
    ):
        PayProfile.objects.get_or_create(
            user=users[username], defaults={"hire_date": hired, "confirmation_date": confirmed}
        )

    # Signed service forms on the demo orders that were reached on site (one left incomplete, to show why).
    orders = list(
        WorkOrder.objects.filter(arrived_at__isnull=False, assignee__isnull=False, service_forms__isnull=True).order_by(
            "-arrived_at"
        )[:DEMO_FORMS]
    )[::-1]
    for i, wo in enumerate(orders):
        signed_at = min(wo.arrived_at + dt.timedelta(hours=2), timezone.now())
        incomplete = i == 1
        ServiceForm.objects.create(
            workorder=wo,
            status="signed",
            signed_at=signed_at,
            symptom=wo.symptom[:500],
            inspection="" if incomplete else "现场检查设备与线路",
            cause="system",
            work_done="已处理，系统恢复正常",
            solved=True,
            customer_contact_name=wo.reporter_name or "客户联系人",
            customer_contact_phone=wo.reporter_phone or "13800000000",
            engineer_name=wo.assignee.name,
            engineer_phone=wo.assignee.phone,
            satisfaction=5 - (i % 2),
            complete=not incomplete,
            missing=["inspection"] if incomplete else [],
            updated_by=wo.assignee,
        )

    # Travel: a taxi asked for and approved before the trip, a public-transport claim, and a taxi never asked for.
    field_orders = [wo for wo in orders if wo.assignee_id == users["field"].pk]
    field2_orders = [wo for wo in orders if wo.assignee_id == users["field2"].pk]
    if field_orders:
        wo = field_orders[0]
        trip = wo.arrived_at - dt.timedelta(hours=1)
        with _at(trip - dt.timedelta(minutes=30)):
            approval = services.travel_approval_request(
                actor=users["field"],
                workorder=wo,
                kind="taxi",
                reason="客户核心交换机宕机，紧急上门",
                estimated_amount="60",
            )
        with _at(trip - dt.timedelta(minutes=20)):
            services.travel_approval_answer(approval=approval, actor=users["manager"], approve=True, note="同意")
        with _at(trip + dt.timedelta(hours=6)):
            services.travel_claim_submit(
                actor=users["field"],
                workorder=wo,
                kind="taxi",
                trip_at=trip,
                amount="56.80",
                description="公司→客户机房",
            )
    if field2_orders:
        wo = field2_orders[0]
        trip = wo.arrived_at - dt.timedelta(hours=1)
        with _at(trip + dt.timedelta(hours=5)):
            services.travel_claim_submit(
                actor=users["field2"], workorder=wo, kind="public", trip_at=trip, amount="6.00", description="地铁2号线"
            )
            services.travel_claim_submit(
                actor=users["field2"],
                workorder=wo,
                kind="taxi",
                trip_at=trip,
                amount="42.00",
                description="客户机房→公司",
            )
    if len(field_orders) > 1:
        services.travel_approval_request(
            actor=users["field"],
            workorder=field_orders[-1],
            kind="freight",
            reason="需运回故障 UPS 主机（约 40 公斤）",
            estimated_amount="150",
        )

    # The months: approved (locked), reviewed, prepared.
    for month in (approved, reviewed, prepared):
        if not PayMonth.objects.filter(month=month).exists():
            services.paymonth_prepare(month=month, actor=users["clerk"])
    pm = PayMonth.objects.get(month=approved)
    if pm.status == "prepared":
        pm = services.paymonth_review(pay_month=pm, actor=users["manager"], note="已核对服务反馈单")
    if pm.status == "reviewed":
        services.paymonth_approve(pay_month=pm, actor=users["gm"], note="同意发放")
    pm = PayMonth.objects.get(month=reviewed)
    if pm.status == "prepared":
        services.paymonth_review(pay_month=pm, actor=users["manager"], note="已核对，报总经理审批")
    stdout.write(
        f"  payroll: {len(orders)} service forms; months {approved:%Y-%m} approved, {reviewed:%Y-%m} "
        f"reviewed, {prepared:%Y-%m} prepared"
    )


def scale(*, n: int, stdout) -> None:
    """Bulk data is made by bench/payroll_month_end.py (service forms of one month for N engineers)."""
    stdout.write("  payroll: nothing at scale (see bench/payroll_month_end.py)")
