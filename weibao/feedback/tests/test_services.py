"""Rules of the customer loop: callback selection, retries, results and follow-ups; the complaint workflow with its
deadlines on a 5x8 calendar across a holiday; confirmation; satisfaction figures."""

import datetime
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from weibao.contracts.clock import local_time
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.feedback import selectors, services
from weibao.feedback.choices import (
    CallbackRule,
    CallbackStatus,
    ComplaintEventKind,
    ComplaintStatus,
    FollowUp,
)
from weibao.feedback.models import Callback, CallbackAttempt, Complaint, ComplaintEvent
from weibao.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def _policy(**changes):
    policy = services.policy_get()
    for k, v in changes.items():
        setattr(policy, k, v)
    policy.save()
    return policy


# --- selection ----------------------------------------------------------------------------------------------------


def test_sampling_is_deterministic_and_holds_the_share():
    numbers = [f"WB-2026-{n:06d}" for n in range(2000)]
    picked = [n for n in numbers if services.sampled(n, 20)]
    assert 0.16 < len(picked) / len(numbers) < 0.24
    assert picked == [n for n in numbers if services.sampled(n, 20)]
    assert not any(services.sampled(n, 0) for n in numbers[:50])
    assert all(services.sampled(n, 100) for n in numbers[:50])


def test_rule_order_low_rating_before_severity_before_sample():
    policy = _policy(low_rating_max=2, sample_percent_cd=0)
    rule = services.callback_rule_for
    assert rule(severity="C", order_number="X", rating=2, policy=policy) == CallbackRule.LOW_RATING
    assert rule(severity="A", order_number="X", rating=3, policy=policy) == CallbackRule.SEVERE
    assert rule(severity="B", order_number="X", rating=None, policy=policy) == CallbackRule.SEVERE
    assert rule(severity="C", order_number="X", rating=3, policy=policy) is None
    policy.sample_percent_cd = 100
    assert rule(severity="D", order_number="X", rating=5, policy=policy) == CallbackRule.SAMPLED


def test_selection_takes_all_ab_and_the_share_of_cd(close_order, site_a, field_engineer):
    _policy(sample_percent_cd=0)
    a = close_order(site_a, severity="A")
    b = close_order(site_a, severity="B")
    c = close_order(site_a, severity="C")
    assert services.callbacks_select() == 2
    got = {cb.order_id: cb for cb in Callback.objects.all()}
    assert set(got) == {a.pk, b.pk}
    cb = got[a.pk]
    assert (cb.rule, cb.engineer, cb.customer_id, cb.contact_phone) == (
        CallbackRule.SEVERE,
        field_engineer,
        a.organisation_id,
        "13800000001",
    )
    # Running again adds nothing; raising the share to 100 % picks the C order up.
    assert services.callbacks_select() == 0
    _policy(sample_percent_cd=100)
    services.callbacks_select()
    assert Callback.objects.get(order=c).rule == CallbackRule.SAMPLED
    assert Callback.objects.count() == 3


def test_low_rating_on_the_service_form_is_called_back(close_order, site_a):
    _policy(sample_percent_cd=0, low_rating_max=2)
    low = close_order(site_a, severity="C", rating=2)
    fine = close_order(site_a, severity="C", rating=4)
    services.callbacks_select()
    assert Callback.objects.get(order=low).rule == CallbackRule.LOW_RATING
    assert not Callback.objects.filter(order=fine).exists()


def test_order_with_a_complaint_is_called_back_through_the_complaint(order_a, manager):
    complaint = _complain(order_a, manager)
    services.callbacks_select()
    assert not Callback.objects.filter(order=order_a, complaint__isnull=True).exists()
    complaint = services.complaint_investigate(complaint=complaint, actor=manager)
    complaint = services.complaint_answer(complaint=complaint, actor=manager, answer="已约谈工程师，向您致歉")
    complaint = services.complaint_accept(complaint=complaint, actor=manager)
    cb = Callback.objects.get(complaint=complaint)
    assert (cb.rule, cb.order_id, cb.contact_name) == (CallbackRule.COMPLAINT, order_a.pk, "王经理")


def test_due_date_is_in_working_hours_across_a_holiday(order_a):
    # Closed on the afternoon before the National Day holiday (2026-10-01..07 off): 8 working hours on 5x8
    # (09-12, 13-18) run 16:00-18:00 on 30 September, then 6 hours on 8 October.
    _policy(due_hours_severe=8)
    closed = local_time("2026-09-30 16:00")
    WorkOrder.objects.filter(pk=order_a.pk).update(closed_at=closed)
    services.callbacks_select(now=closed + timedelta(days=1))
    cb = Callback.objects.get(order=order_a)
    assert timezone.localtime(cb.due_at) == local_time("2026-10-08 16:00")


# --- results ------------------------------------------------------------------------------------------------------


@pytest.fixture
def callback(order_a):
    services.callbacks_select()
    return Callback.objects.get(order=order_a)


def test_not_reached_retries_then_gives_up(callback, manager):
    _policy(max_attempts=3, retry_after_hours=2)
    now = local_time("2026-12-02 11:00")
    cb = services.callback_record(callback=callback, actor=manager, outcome="not_reached", remark="无人接听", now=now)
    assert (cb.status, cb.attempts) == (CallbackStatus.PENDING, 1)
    assert timezone.localtime(cb.next_try_at) == local_time("2026-12-02 14:00")  # lunch 12-13 is not working time
    assert cb not in selectors.callback_queue(user=manager, view="due", now=now + timedelta(minutes=5))
    assert cb in selectors.callback_queue(user=manager, view="later", now=now + timedelta(minutes=5))
    services.callback_record(callback=cb, actor=manager, outcome="not_reached", now=now)
    cb = services.callback_record(callback=cb, actor=manager, outcome="not_reached", now=now)
    assert (cb.status, cb.attempts, cb.next_try_at) == (CallbackStatus.UNREACHABLE, 3, None)
    assert CallbackAttempt.objects.filter(callback=cb).count() == 3
    with pytest.raises(TransitionNotAllowed):
        services.callback_record(callback=cb, actor=manager, outcome="reached", satisfaction=5)


def test_reached_records_rating_and_words(callback, manager):
    cb = services.callback_record(
        callback=callback,
        actor=manager,
        outcome="reached",
        satisfaction="4",
        remark="工程师很专业，就是来得有点晚",
        expected_version=callback.version,
    )
    assert (cb.status, cb.satisfaction, cb.remark, cb.done_by) == (
        CallbackStatus.DONE,
        4,
        "工程师很专业，就是来得有点晚",
        manager,
    )
    assert cb not in selectors.callback_queue(user=manager, view="due")
    assert cb in selectors.callback_queue(user=manager, view="done")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"outcome": "", "satisfaction": 4}, "outcome"),
        ({"outcome": "maybe"}, "outcome"),
        ({"outcome": "reached"}, "satisfaction"),
        ({"outcome": "reached", "satisfaction": 0}, "satisfaction"),
        ({"outcome": "reached", "satisfaction": 6}, "satisfaction"),
        ({"outcome": "reached", "satisfaction": "abc"}, "satisfaction"),
        ({"outcome": "reached", "satisfaction": 3.5}, "satisfaction"),
        ({"outcome": "reached", "satisfaction": True}, "satisfaction"),
        ({"outcome": "not_reached", "satisfaction": 3}, "satisfaction"),
        ({"outcome": "reached", "satisfaction": 3, "follow_up": "new_order"}, "follow_up_text"),
        ({"outcome": "not_reached", "follow_up": "complaint", "follow_up_text": "x"}, "follow_up"),
        ({"outcome": "reached", "satisfaction": 3, "remark": "a\x00b"}, "remark"),
    ],
)
def test_bad_results_are_refused_and_nothing_is_stored(callback, manager, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        services.callback_record(callback=callback, actor=manager, **kwargs)
    assert field in exc.value.message_dict
    callback.refresh_from_db()
    assert (callback.status, callback.attempts, callback.version) == (CallbackStatus.PENDING, 0, 1)
    assert not CallbackAttempt.objects.exists()


def test_stale_result_is_refused(callback, manager):
    services.callback_record(callback=callback, actor=manager, outcome="not_reached")
    with pytest.raises(StaleEdit):
        services.callback_record(
            callback=callback, actor=manager, outcome="reached", satisfaction=5, expected_version=1
        )


def test_only_managers_work_the_queue(callback, field_engineer, customer_a_user):
    for user in (field_engineer, customer_a_user):
        with pytest.raises(PermissionDenied):
            services.callback_record(callback=callback, actor=user, outcome="not_reached")


def test_follow_up_opens_a_new_order(callback, manager, order_a):
    cb = services.callback_record(
        callback=callback,
        actor=manager,
        outcome="reached",
        satisfaction=2,
        follow_up=FollowUp.NEW_ORDER,
        follow_up_text="摄像头又黑屏了",
        follow_up_severity="B",
    )
    new = cb.follow_up_order
    assert new is not None
    assert new.pk != order_a.pk
    assert (new.site_id, new.severity, new.symptom, new.reporter_phone) == (
        order_a.site_id,
        "B",
        "摄像头又黑屏了",
        "13800000001",
    )


def test_follow_up_registers_a_complaint(callback, manager, field_engineer):
    cb = services.callback_record(
        callback=callback,
        actor=manager,
        outcome="reached",
        satisfaction=1,
        follow_up=FollowUp.COMPLAINT,
        follow_up_text="工程师态度恶劣",
        complaint_category="attitude",
    )
    complaint = Complaint.objects.get()
    assert (complaint.source, complaint.from_callback, complaint.engineer, complaint.category) == (
        "callback",
        cb,
        field_engineer,
        "attitude",
    )


def test_failed_follow_up_rolls_the_whole_result_back(callback, manager):
    with pytest.raises(ValidationError):
        services.callback_record(
            callback=callback,
            actor=manager,
            outcome="reached",
            satisfaction=1,
            follow_up=FollowUp.COMPLAINT,
            follow_up_text="x",
            complaint_category="nope",
        )
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.PENDING
    assert not Complaint.objects.exists()


# --- complaints ---------------------------------------------------------------------------------------------------


def _complain(order, actor, **kw):
    kw.setdefault("source", "phone")
    kw.setdefault("category", "late")
    kw.setdefault("complainant_name", "王经理")
    kw.setdefault("description", "工程师迟到三个小时")
    return services.complaint_register(actor=actor, customer=order.customer.organisation, order=order, **kw)


def test_complaint_deadlines_on_5x8_across_a_holiday(order_a, manager):
    # Registered Wednesday 30 September 2026, 15:00; 1–7 October is the National Day holiday. One working day
    # (8 h) = 3 h on 30 September + 5 h on Thursday 8 October.
    _policy(complaint_answer_hours=8, complaint_close_hours=40)
    at = local_time("2026-09-30 15:00")
    c = _complain(order_a, manager, registered_at=at)
    assert timezone.localtime(c.answer_due_at) == local_time("2026-10-08 15:00")
    assert c.number.startswith("TS-2026-")
    assert c.close_due_at > c.answer_due_at


def test_complaint_deadline_on_an_ordinary_week(order_a, manager):
    _policy(complaint_answer_hours=8)
    c = _complain(order_a, manager, registered_at=local_time("2026-12-04 16:00"))  # a Friday
    assert timezone.localtime(c.answer_due_at) == local_time("2026-12-07 16:00")  # Monday


def test_complaint_goes_through_its_steps_with_a_timeline(order_a, manager, field_engineer, customer_a_user):
    c = _complain(order_a, manager)
    assert (c.status, c.engineer) == (ComplaintStatus.REGISTERED, field_engineer)  # the order's engineer
    c = services.complaint_investigate(complaint=c, actor=manager, note="调取到场记录")
    services.complaint_statement(complaint=c, actor=field_engineer, text="路上堵车，已提前电话告知")
    c = services.complaint_answer(
        complaint=c, actor=manager, answer="经核实属实，已对工程师批评教育", expected_version=c.version
    )
    assert c.answered_at is not None
    assert not c.answer_overdue()
    c = services.complaint_escalate(complaint=c, actor=customer_a_user, reason="不接受")
    assert c.status == ComplaintStatus.ESCALATED
    assert c.answered_at is None
    c = services.complaint_answer(complaint=c, actor=manager, answer="总经理致电道歉并减免本次费用")
    c = services.complaint_accept(complaint=c, actor=customer_a_user)
    assert c.status == ComplaintStatus.CLOSED
    assert c.closed_at
    kinds = list(c.events.values_list("kind", flat=True))
    assert kinds == ["registered", "investigating", "engineer_statement", "answered", "escalated", "answered", "closed"]
    with pytest.raises(TransitionNotAllowed):
        services.complaint_investigate(complaint=c, actor=manager)


def test_illegal_moves_and_permissions(order_a, manager, field_engineer, duty_engineer, customer_b_user):
    c = _complain(order_a, manager)
    with pytest.raises(TransitionNotAllowed):
        services.complaint_answer(complaint=c, actor=manager, answer="x")  # not investigated yet
    with pytest.raises(TransitionNotAllowed):
        services.complaint_accept(complaint=c, actor=manager)
    with pytest.raises(PermissionDenied):
        services.complaint_investigate(complaint=c, actor=field_engineer)
    with pytest.raises(PermissionDenied):
        services.complaint_statement(complaint=c, actor=duty_engineer, text="不是我")  # not the engineer concerned
    with pytest.raises(PermissionDenied):
        services.complaint_escalate(complaint=c, actor=customer_b_user, reason="x")
    with pytest.raises(ValidationError) as exc:
        services.complaint_investigate(complaint=c, actor=manager, note="a\x00")
    assert "note" in exc.value.message_dict
    assert ComplaintEvent.objects.filter(complaint=c).count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"category": "rude"}, "category"),
        ({"source": "pigeon"}, "source"),
        ({"severity": "huge"}, "severity"),
        ({"description": "  "}, "description"),
        ({"complainant_name": ""}, "complainant_name"),
    ],
)
def test_bad_complaints_store_nothing(order_a, manager, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        _complain(order_a, manager, **kwargs)
    assert field in exc.value.message_dict
    assert not Complaint.objects.exists()
    assert not ComplaintEvent.objects.exists()


def test_customer_complains_only_about_its_own_orders(order_a, order_b, customer_a_user):
    c = services.complaint_register(
        actor=customer_a_user,
        customer=customer_a_user.organisation,
        order=order_a,
        source="phone",
        category="not_fixed",
        complainant_name="甲",
        description="没修好",
    )
    assert c.source == "portal"
    with pytest.raises(ValidationError) as exc:
        services.complaint_register(
            actor=customer_a_user,
            customer=customer_a_user.organisation,
            order=order_b,
            source="portal",
            category="other",
            complainant_name="甲",
            description="x",
        )
    assert "order" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.complaint_register(
            actor=customer_a_user,
            customer=order_b.organisation,
            order=order_b,
            source="portal",
            category="other",
            complainant_name="甲",
            description="x",
        )


def test_counts_against_the_engineer_only_once_confirmed(order_a, manager, field_engineer):
    c = _complain(order_a, manager)
    start, end = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    assert list(selectors.confirmed_complaints(start, end)) == []
    c = services.complaint_confirm(complaint=c, actor=manager, note="核实属实")
    assert list(selectors.confirmed_complaints(start, end)) == [c]
    again = services.complaint_confirm(complaint=c, actor=manager)
    assert again.confirmed_at == c.confirmed_at
    assert c.events.filter(kind=ComplaintEventKind.CONFIRMED).count() == 1
    services.complaint_confirm(complaint=c, actor=manager, confirmed=False)
    assert list(selectors.confirmed_complaints(start, end)) == []
    with pytest.raises(PermissionDenied):
        services.complaint_confirm(complaint=c, actor=field_engineer)


def test_a_complaint_without_engineer_cannot_be_confirmed(order_a, manager):
    c = _complain(order_a, manager, category="charges")  # about the bill: no engineer named
    assert c.engineer is None
    with pytest.raises(ValidationError):
        services.complaint_confirm(complaint=c, actor=manager)


def test_visibility_managers_engineer_others(order_a, manager, field_engineer, duty_engineer, make_user):
    c = _complain(order_a, manager)
    other_engineer = make_user("field_engineer")
    assert c in selectors.complaint_qs_for(manager)
    assert c in selectors.complaint_qs_for(field_engineer)  # the engineer concerned sees that it exists
    assert selectors.complaint_access(user=field_engineer, complaint=c) == "engineer"
    assert c not in selectors.complaint_qs_for(other_engineer)
    assert c not in selectors.complaint_qs_for(duty_engineer)
    services.complaint_note(complaint=c, actor=manager, text="内部：该工程师本月第二次")
    timeline = selectors.complaint_timeline(user=field_engineer, complaint=c)
    assert [e.kind for e in timeline] == ["registered"]
    assert all("内部" not in e.body for e in timeline)


def test_customer_sees_public_steps_only(order_a, manager, customer_a_user, customer_b_user, vendor_user):
    c = _complain(order_a, manager)
    services.complaint_note(complaint=c, actor=manager, text="内部备注")
    c = services.complaint_investigate(complaint=c, actor=manager)
    assert c in selectors.complaint_qs_for(customer_a_user)
    assert c not in selectors.complaint_qs_for(customer_b_user)
    assert c not in selectors.complaint_qs_for(vendor_user)
    kinds = [e.kind for e in selectors.complaint_timeline(user=customer_a_user, complaint=c)]
    assert kinds == ["registered", "investigating"]


# --- satisfaction -------------------------------------------------------------------------------------------------


def test_satisfaction_per_engineer_and_month(close_order, site_a, site_b, manager, field_engineer, make_user):
    other = make_user("field_engineer", name="李工")
    _policy(sample_percent_cd=100)
    o1 = close_order(site_a, severity="C", rating=5)
    close_order(site_b, severity="C", rating=3, engineer=other)
    services.callbacks_select()
    cb = Callback.objects.get(order=o1)
    services.callback_record(callback=cb, actor=manager, outcome="reached", satisfaction=2)
    rows = {r["key"]: r for r in selectors.satisfaction(user=manager, by="engineer")}
    mine = rows[field_engineer.pk]
    assert (mine["forms"], mine["forms_average"], mine["callbacks"], mine["callbacks_average"]) == (
        1,
        Decimal("5.00"),
        1,
        Decimal("2.00"),
    )
    assert (mine["count"], mine["average"]) == (2, Decimal("3.50"))
    assert rows[other.pk]["average"] == Decimal("3.00")
    months = selectors.satisfaction(user=manager, by="month")
    assert len(months) == 1
    assert months[0]["count"] == 3
    assert months[0]["average"] == Decimal("3.33")
    for by in ("order", "contract", "customer", "branch"):
        assert sum(r["count"] for r in selectors.satisfaction(user=manager, by=by)) == 3


def test_satisfaction_scoped_and_checked(close_order, site_a, site_b, customer_a_user, field_engineer):
    close_order(site_a, severity="C", rating=5)
    close_order(site_b, severity="C", rating=1)
    rows = selectors.satisfaction(user=customer_a_user, by="customer")
    assert [r["average"] for r in rows] == [Decimal("5.00")]
    with pytest.raises(PermissionDenied):
        selectors.satisfaction(user=field_engineer, by="engineer")
    with pytest.raises(ValidationError) as exc:
        selectors.satisfaction(
            user=customer_a_user, by="customer", start=datetime.date(2026, 5, 1), end=datetime.date(2026, 4, 1)
        )
    assert "start" in exc.value.message_dict
    with pytest.raises(ValidationError):
        selectors.satisfaction(user=customer_a_user, by="planet")


def test_callback_counts_per_engineer_and_contract(order_a, manager, field_engineer):
    services.callbacks_select()
    cb = Callback.objects.get()
    services.callback_record(callback=cb, actor=manager, outcome="reached", satisfaction=4)
    start, end = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    rows = selectors.callback_stats(user=manager, by="engineer", start=start, end=end)
    assert [(r["key"], r["done"], r["average"]) for r in rows] == [(field_engineer.pk, 1, Decimal("4.00"))]
    assert selectors.callback_stats(user=manager, by="contract", start=start, end=end)[0]["done"] == 1


def test_overdue_view(callback, manager):
    later = callback.due_at + timedelta(minutes=1)
    assert callback in selectors.callback_queue(user=manager, view="overdue", now=later)
    assert callback not in selectors.callback_queue(user=manager, view="overdue", now=callback.due_at)
    assert selectors.callback_counts(user=manager, now=later)["overdue"] == 1


def test_policy_update_checks_values(manager, field_engineer):
    with pytest.raises(ValidationError) as exc:
        services.policy_update(actor=manager, data={"sample_percent_cd": 120, "max_attempts": "x"})
    assert set(exc.value.message_dict) == {"sample_percent_cd", "max_attempts"}
    policy = services.policy_update(actor=manager, data={"sample_percent_cd": 30})
    assert policy.sample_percent_cd == 30
    with pytest.raises(PermissionDenied):
        services.policy_update(actor=field_engineer, data={})


def test_sweep_reads_only_new_closing_events(close_order, site_a, monkeypatch):
    first = close_order(site_a, severity="A")
    assert services.callbacks_select() == 1
    mark = services.policy_get().swept_event_id
    assert mark > 0
    monkeypatch.setattr(services, "SWEEP_OVERLAP", 0)
    Callback.objects.all().delete()  # had the sweep re-read old events, the order would come back
    second = close_order(site_a, severity="B")
    assert services.callbacks_select() == 1
    assert list(Callback.objects.values_list("order_id", flat=True)) == [second.pk]
    assert services.policy_get().swept_event_id > mark
    # A catch-up with `since` looks at every order closed from then on.
    assert services.callbacks_select(since=timezone.now() - timedelta(days=1)) == 1
    assert Callback.objects.filter(order=first).exists()


def test_first_sweep_starts_at_the_lookback_window(close_order, site_a):
    from weibao.workorders.models import WorkOrderEvent

    close_order(site_a, severity="A")
    newest = WorkOrderEvent.objects.order_by("-pk").first()
    assert services._first_event_since(timezone.now() + timedelta(days=1)) == newest.pk
    assert (
        services._first_event_since(timezone.now() - timedelta(days=365))
        == WorkOrderEvent.objects.order_by("pk").first().pk - 1
    )
