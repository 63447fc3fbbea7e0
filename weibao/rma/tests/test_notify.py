"""The vendor is told (escalation, each question), our owner engineer hears the vendor's answer, and the periodic
reminders (with the vendor > 30 days; vendor answer overdue) go once per case/threshold and per escalation."""

import datetime

import pytest
from django.utils import timezone

from weibao.notifications.choices import Notice
from weibao.notifications.models import Delivery
from weibao.rma import notify, services, tasks
from weibao.rma.models import RmaReminder
from weibao.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned_order(order_a, field_engineer):
    WorkOrder.objects.filter(pk=order_a.pk).update(assignee=field_engineer)  # the owner engineer (set up, no move)
    order_a.refresh_from_db()
    return order_a


def _to(notice: str) -> set[str]:
    return set(Delivery.objects.filter(notice=notice).values_list("recipient", flat=True))


def test_vendor_hears_of_the_escalation_and_each_question_and_the_owner_of_the_answer(
    owned_order, manager, vendor, vendor_user, field_engineer, django_capture_on_commit_callbacks, mailoutbox
):
    from weibao.workorders import services as wo

    vendor.support_email = "support@vendor.cn"
    vendor.save()
    wo.workorder_acknowledge(workorder=owned_order, actor=manager)
    owned_order.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        esc = services.vendor_escalate(workorder=owned_order, actor=manager, vendor=vendor, reason="固件")
    assert _to(Notice.VENDOR_ESCALATED) == {vendor_user.email.lower(), "support@vendor.cn"}
    mail = next(m for m in mailoutbox if vendor_user.email.lower() in [a.lower() for a in m.to])
    assert f"/rma/escalations/{esc.pk}/" in mail.body  # the link to the portal
    with django_capture_on_commit_callbacks(execute=True):
        question = services.escalation_ask(escalation=esc, actor=manager, question="E102 报错是什么原因？")
    assert _to(Notice.VENDOR_QUESTION) == {vendor_user.email.lower(), "support@vendor.cn"}
    with django_capture_on_commit_callbacks(execute=True):
        services.escalation_answer(question=question, actor=vendor_user, answer="过温保护")
    assert _to(Notice.VENDOR_ANSWER) == {field_engineer.email.lower()}
    assert any("过温保护" in m.body for m in mailoutbox)
    # a second run of the same notification sends nothing twice
    before = Delivery.objects.count()
    assert notify.escalation_deliver(escalation_id=esc.pk, question_id=question.pk) == 0
    assert notify.answer_deliver(question_id=question.pk) == 0
    assert Delivery.objects.count() == before


def test_with_vendor_over_30_days_reminds_commercial_and_the_manager_once(shipped_case, commercial, manager):
    from weibao.rma.models import RmaCase

    RmaCase.objects.filter(pk=shipped_case.pk).update(sent_to_vendor_at=timezone.now() - datetime.timedelta(days=20))
    assert tasks.rma_reminders.enqueue().return_value == 0  # 20 days: not yet
    RmaCase.objects.filter(pk=shipped_case.pk).update(sent_to_vendor_at=timezone.now() - datetime.timedelta(days=31))
    assert tasks.rma_reminders.enqueue().return_value == 1
    assert _to(Notice.RMA_WITH_VENDOR) == {commercial.email.lower(), manager.email.lower()}
    assert tasks.rma_reminders.enqueue().return_value == 0  # once per case and threshold
    reminder = RmaReminder.objects.get()
    assert (reminder.case_id, reminder.threshold_days, reminder.deliveries) == (shipped_case.pk, 30, 2)
    assert Delivery.objects.filter(notice=Notice.RMA_WITH_VENDOR).count() == 2


def test_overdue_vendor_answer_reminds_the_owner_and_the_manager_once(
    owned_order, manager, vendor, field_engineer, vendor_user
):
    from weibao.rma.models import VendorEscalation
    from weibao.workorders import services as wo

    wo.workorder_acknowledge(workorder=owned_order, actor=manager)
    owned_order.refresh_from_db()
    esc = services.vendor_escalate(workorder=owned_order, actor=manager, vendor=vendor, reason="固件")
    VendorEscalation.objects.filter(pk=esc.pk).update(response_due_at=timezone.now() + datetime.timedelta(hours=1))
    assert notify.remind_vendor_overdue() == 0  # not due yet
    VendorEscalation.objects.filter(pk=esc.pk).update(response_due_at=timezone.now() - datetime.timedelta(hours=1))
    assert notify.remind_vendor_overdue() == 1
    assert _to(Notice.VENDOR_OVERDUE) == {field_engineer.email.lower(), manager.email.lower()}
    assert notify.remind_vendor_overdue() == 0
    assert RmaReminder.objects.filter(escalation=esc).count() == 1


def test_an_answered_escalation_is_not_reminded(owned_order, manager, vendor, vendor_user):
    from weibao.rma.models import VendorEscalation
    from weibao.workorders import services as wo

    wo.workorder_acknowledge(workorder=owned_order, actor=manager)
    owned_order.refresh_from_db()
    esc = services.vendor_escalate(workorder=owned_order, actor=manager, vendor=vendor, reason="固件")
    q = services.escalation_ask(escalation=esc, actor=manager, question="?")
    services.escalation_answer(question=q, actor=vendor_user, answer="已处理")
    VendorEscalation.objects.filter(pk=esc.pk).update(response_due_at=timezone.now() - datetime.timedelta(hours=1))
    assert notify.remind_vendor_overdue() == 0
