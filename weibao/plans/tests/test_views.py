"""The plans pages: the order card, the editor with field errors per milestone row, the customer's answer in the
portal, the one-time link page, the change backlog with overdue dates, the legacy queue's overdue reviews, and the
internal note that never reaches a customer's page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from weibao.plans import services
from weibao.plans.choices import PlanStatus
from weibao.plans.models import SolutionPlan

pytestmark = pytest.mark.django_db


def test_the_order_page_loads_the_plan_card(client, order_a, duty_engineer, customer_a_user, submitted_plan):
    client.force_login(duty_engineer)
    page = client.get(reverse("workorders:detail", args=[order_a.pk])).content.decode()
    assert reverse("plans:panel", args=[order_a.pk]) in page
    card = client.get(reverse("plans:panel", args=[order_a.pk])).content.decode()
    assert 'data-status="submitted"' in card
    client.force_login(customer_a_user)
    card = client.get(reverse("plans:panel", args=[order_a.pk])).content.decode()
    assert 'data-testid="plan-review"' in card
    page = client.get(reverse("plans:detail", args=[submitted_plan.pk])).content.decode()
    assert "更换电源模块并调整冗余配置" in page
    assert "备件库存仅剩一个" not in page  # the internal note stays with us
    client.force_login(duty_engineer)
    assert "备件库存仅剩一个" in client.get(reverse("plans:detail", args=[submitted_plan.pk])).content.decode()


def test_the_editor_shows_errors_on_the_milestone_rows(client, order_a, duty_engineer):
    client.force_login(duty_engineer)
    url = reverse("plans:new", args=[order_a.pk])
    assert client.get(url).status_code == 200
    empty = client.post(url, {})
    assert empty.status_code == 422
    before = (timezone.localtime(order_a.reported_at).date() - datetime.timedelta(days=3)).isoformat()
    bad = client.post(url, {"actions": "更换", "m0_title": "到货", "m0_due_on": before, "m1_title": "更换"})
    assert bad.status_code == 422
    html = bad.content.decode()
    assert 'data-error-for="m0_due_on"' in html
    assert 'data-error-for="m1_due_on"' in html
    assert not SolutionPlan.objects.exists()
    day = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    ok = client.post(url, {"actions": "更换", "m0_title": "到货", "m0_due_on": day})
    plan = SolutionPlan.objects.get()
    assert ok.status_code == 302
    submitted = client.post(reverse("plans:submit", args=[plan.pk]), {"version": plan.version})
    assert submitted.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED


def test_the_customer_answers_in_the_portal(client, submitted_plan, customer_a_user, customer_b_user):
    client.force_login(customer_b_user)
    assert client.post(reverse("plans:answer", args=[submitted_plan.pk]), {"decision": "approve"}).status_code == 404
    client.force_login(customer_a_user)
    no_reason = client.post(reverse("plans:answer", args=[submitted_plan.pk]), {"decision": "reject"})
    assert no_reason.status_code == 422
    done = client.post(
        reverse("plans:answer", args=[submitted_plan.pk]), {"decision": "approve", "version": submitted_plan.version}
    )
    assert done.status_code == 302
    submitted_plan.refresh_from_db()
    assert submitted_plan.status == PlanStatus.APPROVED


def test_the_one_time_link_page(client, submitted_plan, duty_engineer):
    _link, token = services.plan_link_create(plan=submitted_plan, actor=duty_engineer, sent_to="wang@example.cn")
    url = reverse("plans:public_plan", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    assert "备件库存仅剩一个" not in page.content.decode()
    assert client.post(url, {"decision": "approve", "name": ""}).status_code == 422
    assert client.post(url, {"decision": "approve", "name": "王工"}).status_code == 200
    assert client.get(url).status_code == 410
    assert client.get(reverse("plans:public_plan", args=[token + "x"])).status_code == 404


def test_the_change_backlog_shows_overdue_dates(client, contract_a, manager, customer_a_user, customer_b_user):
    change = services.change_request_create(
        contract=contract_a,
        actor=manager,
        title="月报导出 Excel",
        description="x",
        plan="迭代",
        estimate_days="1",
        internal_note="毛利低",
        agreed_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    services.change_request_move(change=change, actor=manager, to="agreed")
    client.force_login(manager)
    page = client.get(reverse("plans:changes") + "?overdue=1").content.decode()
    assert "月报导出 Excel" in page
    assert 'data-testid="change-overdue"' in page
    client.force_login(customer_a_user)
    detail = client.get(reverse("plans:change", args=[change.pk])).content.decode()
    assert "月报导出 Excel" in detail
    assert "毛利低" not in detail
    client.force_login(customer_b_user)
    assert "月报导出 Excel" not in client.get(reverse("plans:changes")).content.decode()
    assert client.get(reverse("plans:change", args=[change.pk])).status_code == 404
    client.force_login(customer_a_user)
    new = client.post(reverse("plans:change_new"), {"contract": contract_a.pk, "title": "", "description": "x"})
    assert new.status_code == 422


def test_an_overdue_review_shows_in_the_legacy_queue(client, order_a, manager):
    from weibao.workorders.models import LegacyReview, WorkOrder

    WorkOrder.objects.filter(pk=order_a.pk).update(resolution_due_at=timezone.now() - datetime.timedelta(days=9))
    review = services.review_add(workorder=order_a, actor=manager, notes="等厂商", next_review_on=timezone.localdate())
    LegacyReview.objects.filter(pk=review.pk).update(next_review_on=timezone.localdate() - datetime.timedelta(days=2))
    client.force_login(manager)
    page = client.get(reverse("workorders:legacy")).content.decode()
    assert 'data-testid="review-overdue"' in page


def test_the_processing_report_page(client, order_a, manager, customer_a_user):
    client.force_login(manager)
    url = reverse("plans:report_new", args=[order_a.pk])
    assert client.post(url, {"body": ""}).status_code == 422
    assert client.post(url, {"body": "处理进展：等待厂商补丁"}).status_code == 302
    report = order_a.processing_reports.get()
    client.force_login(customer_a_user)
    pdf = client.get(reverse("plans:report_pdf", args=[report.pk]))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_the_follow_up_page_lists_missed_milestones_and_plans_to_redo(
    client, submitted_plan, order_a, manager, customer_a_user, duty_engineer
):
    from weibao.workorders import services as wo_services

    services.plan_answer(plan=submitted_plan, actor=customer_a_user, decision="approve")
    milestone = submitted_plan.milestones.get()
    services.milestones_sweep(now=milestone.due_at + datetime.timedelta(minutes=1))
    wo_services.workorder_resolve(workorder=order_a, actor=duty_engineer, resolution="已更换")
    wo_services.workorder_reopen(workorder=order_a, actor=duty_engineer, reason="复发", source="phone")
    client.force_login(manager)
    page = client.get(reverse("plans:overview")).content.decode()
    assert milestone.title in page
    assert page.count(order_a.number) >= 2  # missed and to re-plan
    client.force_login(customer_a_user)
    assert client.get(reverse("plans:overview")).status_code == 403
