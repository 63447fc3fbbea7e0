"""With the database task queue the notice for a timeline event is queued in the event's own transaction: it
commits with the event and disappears with a rollback (no notice for an order that does not exist, none lost
between commit and enqueue). With another backend it waits for the commit."""

import pytest
from django_tasks_db.models import DBTaskResult

from weibao.workorders.services import workorder_create
from weibao.workorders.tests.factories import Boom, make_workorder, make_workorder_then_fail

pytestmark = pytest.mark.django_db(transaction=True)

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def site_a(customer_a):
    return customer_a.sites.first()


def _report(site, actor):
    return make_workorder(site=site, actor=actor, symptom="断网")


def _report_then_fail(site, actor, check=lambda: None):
    make_workorder_then_fail(site=site, actor=actor, symptom="断网", check=check)


def _queued_notices():
    return list(DBTaskResult.objects.filter(task_path__endswith="notify_event").values_list("args_kwargs", flat=True))


def test_notice_commits_and_rolls_back_with_the_event(settings, site_a, duty_engineer):
    settings.TASKS = DB_QUEUE  # Django resets its task backends on the setting change
    inside = []
    with pytest.raises(Boom):
        _report_then_fail(site_a, duty_engineer, lambda: inside.append(len(_queued_notices())))
    assert inside == [1]  # already written, inside the transaction
    assert _queued_notices() == []

    order = _report(site_a, duty_engineer)
    event = order.events.get()
    assert _queued_notices() == [{"args": [], "kwargs": {"event_id": event.pk}}]


def test_with_another_backend_the_notice_waits_for_commit(settings, site_a, duty_engineer):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.tasks import default_task_backend

    default_task_backend.clear()
    inside = []
    with pytest.raises(Boom):
        _report_then_fail(site_a, duty_engineer, lambda: inside.append(len(default_task_backend.results)))
    assert inside == [0]  # not before the commit
    assert default_task_backend.results == []
    order = _report(site_a, duty_engineer)
    assert [r.kwargs for r in default_task_backend.results] == [{"event_id": order.events.get().pk}]
    assert _queued_notices() == []


def test_a_batch_intake_queues_one_notice_task_for_all_its_events(settings, site_a, duty_engineer):
    from weibao.workorders.services import workorder_create_many

    settings.TASKS = DB_QUEUE
    report = {"customer": site_a.customer, "site": site_a, "channel": "api", "symptom": "告警"}
    orders = workorder_create_many(actor=duty_engineer, reports=[report, report, report])
    events = sorted(e.pk for o in orders for e in o.events.all())
    rows = list(DBTaskResult.objects.values_list("task_path", "args_kwargs"))
    assert len(rows) == 1
    assert rows[0][0].endswith("notify_events")
    assert sorted(rows[0][1]["kwargs"]["event_ids"]) == events


def test_notify_events_makes_the_same_deliveries_as_one_by_one(site_a, duty_engineer):
    from weibao.notifications.models import Delivery
    from weibao.notifications.tasks import notify_event, notify_events

    first, second = (
        workorder_create(
            actor=duty_engineer,
            customer=site_a.customer,
            site=site_a,
            channel="phone",
            symptom=s,
            reporter_email="lisi@jia.example.cn",
        )
        for s in ("断网", "门禁离线")
    )
    ids = [first.events.get().pk, second.events.get().pk]
    Delivery.objects.all().delete()
    one_by_one = sum(notify_event.call(event_id=i) for i in ids)
    made = sorted(Delivery.objects.values_list("event_id", "recipient", "channel"))
    assert len(made) == 2  # the reporter's "we received it" notice, once per order
    Delivery.objects.all().delete()
    assert notify_events.call(event_ids=ids) == one_by_one
    assert sorted(Delivery.objects.values_list("event_id", "recipient", "channel")) == made
