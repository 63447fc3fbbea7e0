"""Issue 22, the rules: the plan clock, the customer's answer, the agreed schedule on a 5x8 calendar across an official
holiday, D-class change requests that never breach, legacy-review reminders, the processing report, bad input."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from weibao.contracts.choices import ClockKind
from weibao.core import action_links
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.plans import services
from weibao.plans.choices import ChangeStatus, PlanStatus
from weibao.plans.models import ChangeRequest, Milestone, ProcessingReport, ReviewReminder, SolutionPlan
from weibao.plans.tests.conftest import make_order
from weibao.workorders.choices import EventKind, SlaState
from weibao.workorders.clocks import sla_sweep
from weibao.workorders.models import Alert, Clock, WorkOrderEvent

pytestmark = pytest.mark.django_db
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
PLAN = {"cause": "电源模块老化", "cause_confirmed_by": "甲方 王工", "actions": "更换电源模块"}


def plan_clock(wo) -> Clock:
    return Clock.objects.get(workorder=wo, kind=ClockKind.PLAN)


# --- the plan clock -----------------------------------------------------------------------------------------------


def test_plan_clock_stops_on_submission_not_on_drafting(order_a, duty_engineer):
    plan = services.plan_create(workorder=order_a, actor=duty_engineer, **PLAN)
    assert plan.status == PlanStatus.DRAFT
    assert plan_clock(order_a).stopped_at is None  # a draft is not a plan given to the customer
    order_a.refresh_from_db()
    assert order_a.plan_at is None
    assert not WorkOrderEvent.objects.filter(workorder=order_a, kind=EventKind.PLAN_SUBMITTED).exists()

    plan = services.plan_submit(plan=plan, actor=duty_engineer, expected_version=plan.version)

    clock = plan_clock(order_a)
    order_a.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    assert clock.stopped_at is not None
    assert order_a.plan_at == clock.stopped_at
    event = WorkOrderEvent.objects.get(workorder=order_a, kind=EventKind.PLAN_SUBMITTED)
    assert event.data["plan"] == plan.pk
    assert "更换电源模块" in event.body
    # A second click submits nothing twice.
    services.plan_submit(plan=plan, actor=duty_engineer)
    assert WorkOrderEvent.objects.filter(workorder=order_a, kind=EventKind.PLAN_SUBMITTED).count() == 1


def test_the_free_text_plan_action_makes_a_draft_and_leaves_the_clock_running(
    client, order_a, duty_engineer, customer_a_user
):
    # The order page's old "record solution plan" action (issue 12 point 6): no longer stops the plan clock without
    # the customer's answer — it drafts a plan; submitting that plan stops the clock.
    from weibao.workorders import services as wo_services

    wo_services.workorder_record_plan(workorder=order_a, actor=duty_engineer, plan="更换主控板")
    plan = SolutionPlan.objects.get(workorder=order_a)
    assert (plan.status, plan.actions, plan.revision) == (PlanStatus.DRAFT, "更换主控板", 1)
    assert plan_clock(order_a).stopped_at is None
    order_a.refresh_from_db()
    assert order_a.plan_at is None
    assert order_a.plan == ""  # the order's plan text is the submitted plan's
    event = WorkOrderEvent.objects.get(workorder=order_a, kind=EventKind.PLAN_RECORDED)
    assert event.internal  # a draft is ours until submitted
    assert event.data == {"plan": plan.pk, "revision": 1, "status": "draft"}
    # Again with another text: the same draft changes; the same text twice is one event.
    wo_services.workorder_record_plan(workorder=order_a, actor=duty_engineer, plan="更换主控板并升级固件")
    wo_services.workorder_record_plan(workorder=order_a, actor=duty_engineer, plan="更换主控板并升级固件")
    plan.refresh_from_db()
    assert SolutionPlan.objects.filter(workorder=order_a).count() == 1
    assert plan.actions == "更换主控板并升级固件"
    assert WorkOrderEvent.objects.filter(workorder=order_a, kind=EventKind.PLAN_RECORDED).count() == 2
    client.force_login(customer_a_user)
    assert "更换主控板" not in client.get(reverse("workorders:detail", args=[order_a.pk])).content.decode()

    services.plan_submit(plan=plan, actor=duty_engineer)
    assert plan_clock(order_a).stopped_at is not None
    # Waiting for the customer: the free-text action cannot slip a new text under the submitted plan.
    with pytest.raises(TransitionNotAllowed):
        wo_services.workorder_record_plan(workorder=order_a, actor=duty_engineer, plan="另一个方案")
    with pytest.raises(ValidationError):
        wo_services.workorder_record_plan(workorder=order_a, actor=duty_engineer, plan="  ")


def test_rejection_restarts_the_plan_clock_with_the_reason(submitted_plan, order_a, customer_a_user):
    stopped = plan_clock(order_a)
    with pytest.raises(ValidationError) as err:
        services.plan_answer(plan=submitted_plan, actor=customer_a_user, decision="reject")
    assert "reason" in err.value.message_dict
    assert plan_clock(order_a).stopped_at is not None  # nothing half-done

    plan = services.plan_answer(
        plan=submitted_plan, actor=customer_a_user, decision="reject", reason="停机窗口不可接受，请改到周末"
    )

    clock = plan_clock(order_a)
    order_a.refresh_from_db()
    assert plan.status == PlanStatus.REJECTED
    assert plan.answered_via == "portal"
    assert clock.stopped_at is None
    assert order_a.plan_at is None
    # The customer's review time is a pause: the deadline moved by it, the used time did not grow.
    start, _end, reason = clock.pauses[-1]  # each pause keeps its reason (issue 17)
    assert datetime.datetime.fromisoformat(start) == stopped.stopped_at
    assert reason == "plan_review"
    assert clock.deadline >= stopped.deadline
    event = WorkOrderEvent.objects.get(workorder=order_a, kind=EventKind.PLAN_REJECTED)
    assert event.body == "停机窗口不可接受，请改到周末"
    # The same answer again changes nothing; another answer to an answered version is refused.
    services.plan_answer(plan=plan, actor=customer_a_user, decision="reject", reason="同上")
    assert WorkOrderEvent.objects.filter(workorder=order_a, kind=EventKind.PLAN_REJECTED).count() == 1
    with pytest.raises(TransitionNotAllowed):
        services.plan_answer(plan=plan, actor=customer_a_user, decision="approve")


def test_a_new_version_after_changes_and_its_approval_makes_the_schedule_the_orders(
    submitted_plan, order_a, customer_a_user, duty_engineer
):
    services.plan_answer(plan=submitted_plan, actor=customer_a_user, decision="changes", reason="请补充回退方案")
    day = timezone.localdate() + datetime.timedelta(days=5)
    v2 = services.plan_create(
        workorder=order_a,
        actor=duty_engineer,
        **PLAN,
        risks="回退：保留旧模块",
        milestones=[{"title": "到货", "due_on": day}, {"title": "更换", "due_on": day}],
    )
    assert v2.revision == 2
    with pytest.raises(TransitionNotAllowed):  # one open version at a time
        services.plan_create(workorder=order_a, actor=duty_engineer, **PLAN)
    v2 = services.plan_submit(plan=v2, actor=duty_engineer)
    assert plan_clock(order_a).stopped_at is not None
    with pytest.raises(StaleEdit):
        services.plan_answer(plan=v2, actor=customer_a_user, decision="approve", expected_version=v2.version - 1)

    services.plan_answer(plan=v2, actor=customer_a_user, decision="approve", expected_version=v2.version)

    submitted_plan.refresh_from_db()
    assert submitted_plan.status == PlanStatus.SUPERSEDED
    assert list(Milestone.objects.filter(workorder=order_a, active=True).values_list("title", flat=True)) == [
        "到货",
        "更换",
    ]
    assert plan_clock(order_a).stopped_at is not None  # approved: the clock stays stopped
    assert WorkOrderEvent.objects.filter(workorder=order_a, kind=EventKind.PLAN_APPROVED).count() == 1


def test_a_customer_cannot_answer_another_customers_plan(submitted_plan, customer_b_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.plan_answer(plan=submitted_plan, actor=customer_b_user, decision="approve")


def test_the_one_time_link_answers_once(submitted_plan, order_a, duty_engineer, mailoutbox):
    _link, token = services.plan_link_create(plan=submitted_plan, actor=duty_engineer, sent_to="wang@example.cn")
    assert WorkOrderEvent.objects.get(workorder=order_a, kind=EventKind.PLAN_LINK_SENT).internal
    plan, _ = services.plan_link_preview(token=token)
    assert plan.pk == submitted_plan.pk

    plan = services.plan_answer_by_link(token=token, decision="approve", name="王工")

    assert (plan.status, plan.answered_via, plan.answer_name) == (PlanStatus.APPROVED, "link", "王工")
    with pytest.raises(action_links.LinkUsed):
        services.plan_answer_by_link(token=token, decision="reject", name="王工", reason="x")
    with pytest.raises(action_links.LinkInvalid):
        services.plan_link_preview(token=token + "x")


# --- the agreed schedule -------------------------------------------------------------------------------------------


def test_a_c_milestone_missed_on_a_5x8_calendar_across_a_holiday_alerts_once(
    site_a, contract_a, duty_engineer, manager, customer_a_user
):
    reported = datetime.datetime(2026, 9, 28, 10, 0, tzinfo=SHANGHAI)
    wo = make_order(
        site=site_a,
        actor=duty_engineer,
        contract=contract_a,
        severity="C",
        reported_at=reported,
        assignee=duty_engineer,
    )
    # Due on 2 October, inside the National Day holiday (1–7 October): due at the end of the next working day.
    plan = services.plan_create(
        workorder=wo,
        actor=duty_engineer,
        **PLAN,
        milestones=[{"title": "更换核心交换机", "due_on": datetime.date(2026, 10, 2)}],
    )
    milestone = plan.milestones.get()
    assert milestone.due_at == datetime.datetime(2026, 10, 8, 18, 0, tzinfo=SHANGHAI)
    services.plan_submit(plan=plan, actor=duty_engineer)
    services.plan_answer(plan=plan, actor=customer_a_user, decision="approve")

    holiday = datetime.datetime(2026, 10, 5, 12, 0, tzinfo=SHANGHAI)
    assert services.milestones_sweep(now=holiday) == 0  # nobody works: not missed yet
    assert services.milestones_sweep(now=datetime.datetime(2026, 10, 8, 17, 59, tzinfo=SHANGHAI)) == 0
    late = datetime.datetime(2026, 10, 8, 18, 30, tzinfo=SHANGHAI)
    assert services.milestones_sweep(now=late) == 1
    assert services.milestones_sweep(now=late + datetime.timedelta(days=1)) == 0  # once

    event = WorkOrderEvent.objects.get(workorder=wo, kind=EventKind.MILESTONE_MISSED)
    assert event.data["title"] == "更换核心交换机"
    alerts = Alert.objects.filter(event=event)
    assert {a.recipient_id for a in alerts} == {manager.pk, duty_engineer.pk}
    assert alerts.count() == 2


def test_a_reached_milestone_is_never_missed(submitted_plan, order_a, customer_a_user, duty_engineer):
    services.plan_answer(plan=submitted_plan, actor=customer_a_user, decision="approve")
    milestone = Milestone.objects.get(workorder=order_a)
    services.milestone_done(milestone=milestone, actor=duty_engineer, note="已完成更换")
    assert services.milestones_sweep(now=milestone.due_at + datetime.timedelta(days=30)) == 0
    assert WorkOrderEvent.objects.filter(workorder=order_a, kind=EventKind.MILESTONE_DONE).count() == 1


# --- bad input -------------------------------------------------------------------------------------------------------


def test_bad_plans_are_refused_with_field_errors_and_nothing_stored(site_a, contract_a, duty_engineer):
    wo = make_order(
        site=site_a,
        actor=duty_engineer,
        contract=contract_a,
        severity="C",
        reported_at=timezone.now() - datetime.timedelta(days=2),
    )
    reported_on = timezone.localtime(wo.reported_at).date()
    with pytest.raises(ValidationError) as err:
        services.plan_create(workorder=wo, actor=duty_engineer)
    assert "actions" in err.value.message_dict  # an empty plan
    with pytest.raises(ValidationError) as err:
        services.plan_create(
            workorder=wo,
            actor=duty_engineer,
            **PLAN,
            milestones=[
                {"title": "到货", "due_on": reported_on - datetime.timedelta(days=1)},
                {"title": "更换", "due_on": None},
                {"title": "", "due_on": ""},  # an empty spare row is ignored
            ],
        )
    errors = err.value.message_dict
    assert set(errors) == {"milestones.0.due_on", "milestones.1.due_on"}
    assert str(reported_on) in errors["milestones.0.due_on"][0]
    assert not wo.solution_plans.exists()
    # A C plan without a schedule cannot be submitted.
    plan = services.plan_create(workorder=wo, actor=duty_engineer, **PLAN)
    with pytest.raises(ValidationError) as err:
        services.plan_submit(plan=plan, actor=duty_engineer)
    assert "milestones" in err.value.message_dict
    assert plan_clock(wo).stopped_at is None


# --- D-class change requests ----------------------------------------------------------------------------------------


def test_a_d_change_request_never_breaches_but_shows_overdue(
    site_a, contract_a, duty_engineer, manager, customer_a_user
):
    wo = make_order(
        site=site_a,
        actor=duty_engineer,
        contract=contract_a,
        severity="D",
        reported_at=timezone.now() - datetime.timedelta(days=60),
    )
    assert not Clock.objects.filter(workorder=wo).exists()  # D has no clock
    with pytest.raises(ValidationError) as err:  # a customer proposes; the negotiation and our notes are ours
        services.change_request_create(
            contract=contract_a,
            actor=customer_a_user,
            title="报表增加导出 Excel",
            description="财务希望月报可导出",
            internal_note="客户不能写这个",
        )
    assert "internal_note" in err.value.message_dict
    change = services.change_request_create(
        contract=contract_a,
        actor=customer_a_user,
        title="报表增加导出 Excel",
        description="财务希望月报可导出",
        workorder=wo,
        plan="客户写的计划",
    )
    assert change.plan == ""
    assert change.workorder == wo
    with pytest.raises(ValidationError) as err:
        services.change_request_move(change=change, actor=manager, to=ChangeStatus.AGREED)
    assert {"plan", "estimate_days", "agreed_on"} <= set(err.value.message_dict)
    change = services.change_request_update(
        change=change,
        actor=manager,
        plan="二期迭代实现",
        estimate_days="2.5",
        chargeable=True,
        quote_amount="3000.00",
        agreed_on=timezone.localdate() - datetime.timedelta(days=10),
        expected_version=change.version,
    )
    assert change.quote_amount == Decimal("3000.00")
    change = services.change_request_move(change=change, actor=manager, to=ChangeStatus.AGREED)
    assert change.is_overdue

    result = sla_sweep(now=timezone.now() + datetime.timedelta(days=400))

    wo.refresh_from_db()
    assert wo.sla_state == SlaState.OK
    assert not WorkOrderEvent.objects.filter(workorder=wo, kind=EventKind.SLA_BREACH).exists()
    assert result["breaches"] == 0 or not Alert.objects.filter(workorder=wo).exists()
    with pytest.raises(TransitionNotAllowed):
        services.change_request_move(change=change, actor=customer_a_user, to=ChangeStatus.ACCEPTED)
    services.change_request_move(change=change, actor=manager, to=ChangeStatus.IN_PROGRESS)
    services.change_request_move(change=change, actor=manager, to=ChangeStatus.DELIVERED)
    change = services.change_request_move(change=change, actor=customer_a_user, to=ChangeStatus.ACCEPTED)
    assert change.accepted_by_name == customer_a_user.name
    assert not change.is_overdue


def test_bad_change_request_input(contract_a, manager):
    with pytest.raises(ValidationError) as err:
        services.change_request_create(
            contract=contract_a, actor=manager, title="", description="x", quote_amount="-1", estimate_days="abc"
        )
    assert {"title", "quote_amount", "estimate_days"} <= set(err.value.message_dict)
    assert not ChangeRequest.objects.exists()


# --- legacy follow-up -------------------------------------------------------------------------------------------------


def test_a_review_reminder_fires_on_the_working_day_and_only_once(site_a, contract_a, duty_engineer, manager):
    from weibao.workorders.models import LegacyReview

    wo = make_order(site=site_a, actor=duty_engineer, contract=contract_a, assignee=duty_engineer)
    saturday = datetime.date(2026, 12, 12)
    review = services.review_add(workorder=wo, actor=manager, notes="等待厂商固件", next_review_on=saturday)
    LegacyReview.objects.filter(pk=review.pk)  # stored as given
    assert services.reviews_remind_due(now=datetime.datetime(2026, 12, 12, 10, 0, tzinfo=SHANGHAI)) == 0
    assert services.reviews_remind_due(now=datetime.datetime(2026, 12, 14, 8, 59, tzinfo=SHANGHAI)) == 0
    monday = datetime.datetime(2026, 12, 14, 9, 0, tzinfo=SHANGHAI)
    assert services.reviews_remind_due(now=monday) == 1
    assert services.reviews_remind_due(now=monday + datetime.timedelta(hours=3)) == 0

    reminder = ReviewReminder.objects.get(review=review)
    assert reminder.event.kind == EventKind.REVIEW_DUE
    assert reminder.event.internal
    assert set(Alert.objects.filter(event=reminder.event).values_list("recipient_id", flat=True)) == {manager.pk}


def test_a_newer_review_replaces_the_reminder_date(order_a, manager):
    first = services.review_add(
        workorder=order_a, actor=manager, notes="一", next_review_on=datetime.date(2026, 12, 14)
    )
    services.review_add(workorder=order_a, actor=manager, notes="二", next_review_on=datetime.date(2026, 12, 21))
    assert services.reviews_remind_due(now=datetime.datetime(2026, 12, 15, 10, 0, tzinfo=SHANGHAI)) == 0
    assert not ReviewReminder.objects.filter(review=first).exists()


def test_a_review_date_in_the_past_is_refused(order_a, manager):
    with pytest.raises(ValidationError) as err:
        services.review_add(workorder=order_a, actor=manager, notes="x", next_review_on="2020-01-01")
    assert "next_review_on" in err.value.message_dict


def test_the_processing_report_is_a_kept_pdf_sent_to_the_customer(order_a, manager, django_capture_on_commit_callbacks):
    from weibao.notifications.models import Delivery
    from weibao.onsite.tests.pdfcheck import pdf_checks  # noqa: F401 - the on-site PDF checks, reused below

    order_a.reporter_email = "wang@example.cn"
    order_a.save(update_fields=["reporter_email"])
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_create(workorder=order_a, actor=manager, body="厂商已确认固件缺陷，预计下周发布补丁。")
    report = ProcessingReport.objects.get(pk=report.pk)
    assert report.file
    assert report.sent_to == "wang@example.cn"
    assert report.sent_at
    data = report.file.read()
    assert data.startswith(b"%PDF")
    event = report.event
    assert event.kind == EventKind.PROCESSING_REPORT
    assert not event.internal
    assert event.attachments.count() == 1
    delivery = Delivery.objects.get(workorder=order_a, notice="processing_report")
    assert delivery.payload["attachments"][0]["content_type"] == "application/pdf"


def test_after_a_reopen_the_engineer_is_prompted_for_a_new_plan(
    submitted_plan, order_a, customer_a_user, duty_engineer
):
    from weibao.plans.selectors import plan_panel, plans_to_redo
    from weibao.workorders import services as wo_services

    services.plan_answer(plan=submitted_plan, actor=customer_a_user, decision="approve")
    assert not plan_panel(workorder=order_a, user=duty_engineer).needs_new_plan
    wo_services.workorder_resolve(workorder=order_a, actor=duty_engineer, resolution="已更换")
    wo_services.workorder_reopen(workorder=order_a, actor=duty_engineer, reason="又断网了", source="phone")
    order_a.refresh_from_db()

    assert plan_panel(workorder=order_a, user=duty_engineer).needs_new_plan
    assert list(plans_to_redo(user=duty_engineer)) == [order_a]
    assert not plan_panel(workorder=order_a, user=customer_a_user).needs_new_plan  # a prompt for our engineer
    services.plan_create(workorder=order_a, actor=duty_engineer, **PLAN)
    assert not plan_panel(workorder=order_a, user=duty_engineer).needs_new_plan


def test_an_a_plan_needs_the_cause_confirmed_with_a_named_customer_person(site_a, contract_a, duty_engineer):
    wo = make_order(site=site_a, actor=duty_engineer, contract=contract_a, severity="A")
    plan = services.plan_create(workorder=wo, actor=duty_engineer, actions="立即更换主控板")
    with pytest.raises(ValidationError) as err:
        services.plan_submit(plan=plan, actor=duty_engineer)
    assert {"cause", "cause_confirmed_by"} <= set(err.value.message_dict)
    plan = services.plan_update(plan=plan, actor=duty_engineer, cause="主控板击穿", cause_confirmed_by="甲方 赵工")
    assert services.plan_submit(plan=plan, actor=duty_engineer).status == PlanStatus.SUBMITTED
