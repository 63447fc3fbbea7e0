"""Issue 21, build 5: stored deadlines of running clocks follow a calendar change, with one timeline event each."""

import datetime

import pytest
from django.core.management import call_command

from weibao.contracts.clock import local_time
from weibao.contracts.services import calendar_override_set, statutory_period_set
from weibao.contracts.tests.factories import CalendarFactory, ContractFactory
from weibao.workorders.choices import EventKind
from weibao.workorders.models import Clock, WorkOrder, WorkOrderEvent
from weibao.workorders.services import deadlines_recompute
from weibao.workorders.tests.factories import make_workorder

pytestmark = pytest.mark.django_db

SIX_DAYS = "08:00-18:00"


@pytest.fixture
def six_day_order(clock, site_a, duty_engineer):
    """An order on a Mon–Sat 08:00–18:00 China calendar, reported 2027-09-30 17:00 (before National Day)."""
    cal = CalendarFactory(
        name="6x10",
        mon_hours=SIX_DAYS,
        tue_hours=SIX_DAYS,
        wed_hours=SIX_DAYS,
        thu_hours=SIX_DAYS,
        fri_hours=SIX_DAYS,
        sat_hours=SIX_DAYS,
    )
    ContractFactory(
        customer=site_a.customer,
        calendar=cal,
        start_date=datetime.date(2027, 1, 1),
        end_date=datetime.date(2027, 12, 31),
    )
    clock.now = local_time("2027-09-30 17:00").astimezone(datetime.UTC)
    wo = make_workorder(site=site_a, actor=duty_engineer, severity="B", channel="email")
    assert wo.contract is not None
    assert wo.contract.calendar_id == cal.pk
    return wo


def local(value: datetime.datetime) -> str:
    return value.astimezone(local_time("2027-01-01 00:00").tzinfo).strftime("%Y-%m-%d %H:%M")


def test_an_official_period_moves_the_deadlines_once_with_one_event(
    six_day_order, admin_user, site_a, duty_engineer, django_assert_max_num_queries
):
    wo = six_day_order
    # Written intake: the response clock has 12 working hours; 2027 is estimated (Oct 1–5 off), so 1 h on Sep 30,
    # then Oct 6 08:00 + 11 h = Oct 7 09:00.
    response = Clock.objects.get(workorder=wo, kind="response")
    assert local(response.deadline) == "2027-10-07 09:00"
    assert deadlines_recompute() == {"checked": 1, "changed": 0}  # nothing changed: no event
    statutory_period_set(
        actor=admin_user, name="国庆节", first_day=datetime.date(2027, 10, 1), last_day=datetime.date(2027, 10, 7)
    )
    assert deadlines_recompute() == {"checked": 1, "changed": 1}
    response.refresh_from_db()
    assert local(response.deadline) == "2027-10-09 09:00"  # Oct 1–7 closed, Oct 8 10 h, Oct 9 1 h
    event = WorkOrderEvent.objects.get(workorder=wo, kind=EventKind.DEADLINES_RECOMPUTED)
    assert event.data["clocks"]["response"][1] == response.deadline.isoformat()
    assert not event.internal
    wo.refresh_from_db()
    assert wo.next_deadline == min(
        c.deadline for c in Clock.objects.filter(workorder=wo, stopped_at__isnull=True, paused_at__isnull=True)
    )
    # Safe to repeat (the nightly run): nothing moves, no second event, and a quiet night only reads, per batch.
    for _ in range(3):
        make_workorder(site=site_a, actor=duty_engineer, severity="B", channel="email")
    with django_assert_max_num_queries(6):
        assert deadlines_recompute() == {"checked": 4, "changed": 0}
    assert WorkOrderEvent.objects.filter(workorder=wo, kind=EventKind.DEADLINES_RECOMPUTED).count() == 1


def test_the_command_and_the_nightly_task_recompute_too(six_day_order, admin_user, capsys):
    from weibao.workorders.tasks import recompute_deadlines

    cal = six_day_order.contract.calendar
    calendar_override_set(calendar=cal, actor=admin_user, date=datetime.date(2027, 10, 6), action="closed")
    call_command("sla", "recompute", "--calendar", str(CalendarFactory().pk))  # another calendar: untouched
    assert not WorkOrderEvent.objects.filter(kind=EventKind.DEADLINES_RECOMPUTED).exists()
    call_command("sla", "recompute", "--calendar", str(cal.pk))
    assert "moved on 1" in capsys.readouterr().out
    assert WorkOrderEvent.objects.filter(kind=EventKind.DEADLINES_RECOMPUTED).count() == 1
    calendar_override_set(calendar=cal, actor=admin_user, date=datetime.date(2027, 10, 7), action="closed")
    result = recompute_deadlines.enqueue()
    assert result.return_value == {"checked": 1, "changed": 1}
    assert WorkOrderEvent.objects.filter(kind=EventKind.DEADLINES_RECOMPUTED).count() == 2


def test_paused_and_finished_orders_are_left_alone(six_day_order, admin_user, duty_engineer):
    from weibao.workorders import services as svc

    svc.workorder_wait_customer(
        workorder=six_day_order, actor=duty_engineer, reason_code="awaiting_access", reason="客户不在"
    )
    before = list(Clock.objects.filter(workorder=six_day_order).values_list("deadline", flat=True))
    statutory_period_set(
        actor=admin_user, name="国庆节", first_day=datetime.date(2027, 10, 1), last_day=datetime.date(2027, 10, 7)
    )
    assert deadlines_recompute()["changed"] == 0
    assert list(Clock.objects.filter(workorder=six_day_order).values_list("deadline", flat=True)) == before
    assert WorkOrder.objects.get(pk=six_day_order.pk).status == "waiting_customer"


def test_the_timeline_shows_the_moved_deadline(six_day_order, admin_user, client, duty_engineer):
    from django.urls import reverse

    statutory_period_set(
        actor=admin_user, name="国庆节", first_day=datetime.date(2027, 10, 1), last_day=datetime.date(2027, 10, 7)
    )
    deadlines_recompute()
    client.force_login(duty_engineer)
    body = client.get(reverse("workorders:detail", args=[six_day_order.pk])).content.decode()
    assert 'data-kind="deadlines_recomputed"' in body
    assert "时限已重新计算" in body
    assert "2027-10-07 09:00 → 2027-10-09 09:00" in body  # the next deadline (response), local time


def test_entering_a_period_recomputes_the_orders_after_commit(
    six_day_order, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        statutory_period_set(
            actor=admin_user, name="国庆节", first_day=datetime.date(2027, 10, 1), last_day=datetime.date(2027, 10, 7)
        )
    # The immediate task backend (tests) ran the queued recompute at commit: no nightly run needed.
    assert WorkOrderEvent.objects.filter(workorder=six_day_order, kind=EventKind.DEADLINES_RECOMPUTED).count() == 1
    assert local(Clock.objects.get(workorder=six_day_order, kind="response").deadline) == "2027-10-09 09:00"
