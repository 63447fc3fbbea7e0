"""A batch intake's notice task (`notify_events`) makes exactly the deliveries the events would make one by one
(`notify_event`): the same recipients, channels, mails, robot cards and redaction, threads and quiet hours — in one
insert, sent by one `deliver_many` task — and nothing twice when it runs again."""

import datetime as dt

import pytest
from django.tasks import default_task_backend
from django.utils import timezone

from weibao.notifications.models import Delivery, NotificationPreference
from weibao.notifications.services import deliveries_for_event, deliveries_for_events
from weibao.notifications.tasks import notify_events
from weibao.notifications.tests.factories import RobotWebhookFactory

pytestmark = pytest.mark.django_db

DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def batch(settings, branch, customer_a, customer_b, customer_a_user, manager, duty_engineer, make_user):
    """Orders A, B and C of two customers served by two branches, people who follow them, robots of everyone, of a
    branch and of a customer; returns the events of their creation, in the order the intake wrote them."""
    from weibao.accounts.models import Branch
    from weibao.workorders.services import workorder_create_many

    settings.TASKS = DUMMY  # record the queued tasks, run none
    north = Branch.objects.create(code="north", name="北区", city="北京")
    customer_a.branch, customer_b.branch = branch, north
    customer_a.save(update_fields=["branch"])
    customer_b.save(update_fields=["branch"])
    make_user("service_manager", branch=north, language="en")
    customer_a_user.language = "en"
    customer_a_user.save(update_fields=["language"])
    NotificationPreference.objects.create(user=customer_a_user)  # follows all of the organisation's orders
    local = timezone.localtime()
    NotificationPreference.objects.create(  # quiet hours around now
        user=manager,
        quiet_start=(local - dt.timedelta(hours=1)).time().replace(second=0, microsecond=0),
        quiet_end=(local + dt.timedelta(hours=1)).time().replace(second=0, microsecond=0),
    )
    RobotWebhookFactory(name="全员群")  # everyone's: staff's view
    RobotWebhookFactory(name="总部群", kind="dingtalk", branch=branch, min_severity="B")
    RobotWebhookFactory(name="甲方群", kind="feishu", customer=customer_a)  # the customer's: customer's view
    site_a, site_b = customer_a.sites.first(), customer_b.sites.first()
    reports = [
        {"customer": site.customer, "site": site, "channel": "api", "severity": severity, "symptom": f"告警 {i}"}
        | ({"reporter_email": email} if email else {})
        for i, (site, severity, email) in enumerate(
            [
                (site_a, "A", "zhangsan@jia.example.cn"),
                (site_a, "C", ""),
                (site_b, "B", "wangwu@yi.example.cn"),
                (site_b, "C", "wangwu@yi.example.cn"),
                (site_a, "B", "zhangsan@jia.example.cn"),
            ]
        )
    ]
    orders = workorder_create_many(actor=duty_engineer, reports=reports)
    default_task_backend.clear()
    return [e.pk for o in orders for e in o.events.order_by("pk")]


def _made() -> list[tuple]:
    """Every delivery as it would be sent, its random Message-ID replaced by the row it names (threads compared)."""
    rows = list(Delivery.objects.order_by("pk"))
    names = {d.message_id: (d.event_id, d.channel, d.recipient) for d in rows if d.message_id}
    out = []
    for d in rows:
        payload = dict(d.payload)
        if "references" in payload:
            payload["references"] = [names.get(r, r) for r in payload["references"]]
            payload["in_reply_to"] = names.get(payload["in_reply_to"], payload["in_reply_to"])
        out.append(
            (
                d.event_id,
                d.notice,
                d.channel,
                d.recipient,
                d.recipient_user_id,
                d.robot_id,
                d.language,
                d.severity,
                d.subject,
                d.body_text,
                d.body_html,
                repr(payload),
                d.status,
                d.reason,
                d.next_try_at > d.created_at + dt.timedelta(minutes=1),  # held for quiet hours
                d.queued_at is None,
            )
        )
    return out


def test_the_batch_makes_the_same_deliveries_as_event_by_event(batch):
    for event_id in batch:
        deliveries_for_event(event_id=event_id)
    one_by_one = _made()
    Delivery.objects.all().delete()
    default_task_backend.clear()

    assert notify_events.call(event_ids=batch) == len(one_by_one)

    assert _made() == one_by_one
    channels = {(row[2], row[3]) for row in one_by_one}
    # the mix is real: customer mail, managers of both branches, the three robots as their rules say
    assert ("email", "zhangsan@jia.example.cn") in channels
    assert ("email", "wangwu@yi.example.cn") in channels
    assert {c for c, _r in channels} == {"email", "wecom", "dingtalk", "feishu"}
    assert sum(1 for row in one_by_one if row[1] == "new_order") == 3  # the A/B orders, to their branch's manager
    assert any(row[14] for row in one_by_one)  # the quiet manager's B notice waits; the A one does not
    threaded = [row for row in one_by_one if row[2] == "email" and "references': [(" in row[11]]
    assert threaded  # a second mail about an order answers the first


def test_one_deliver_many_task_per_batch_and_nothing_twice(batch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # another backend than the database: after commit
        made = deliveries_for_events(event_ids=batch)
    assert made

    queued = [(r.task.name, r.kwargs) for r in default_task_backend.results]
    due = [d.pk for d in made if d.queued_at is not None and d.queued_at <= timezone.now()]
    held = sorted(d.pk for d in made if d.queued_at is not None and d.queued_at > timezone.now())
    assert queued[0] == ("deliver_many", {"delivery_ids": due})
    # rows held for the quiet hours go to one deferred task per end of the hours (none without a deferring backend)
    assert sorted(pk for _name, kwargs in queued[1:] for pk in kwargs["delivery_ids"]) == held
    assert {name for name, _kwargs in queued} == {"deliver_many"}

    default_task_backend.clear()
    count = Delivery.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_for_events(event_ids=batch) == []
        assert notify_events.call(event_ids=batch) == 0
    assert Delivery.objects.count() == count
    assert default_task_backend.results == []


def test_a_batch_after_some_of_its_events_were_told_adds_only_the_rest(batch):
    first = deliveries_for_event(event_id=batch[0])
    made = deliveries_for_events(event_ids=batch)
    assert first
    assert made
    assert not {d.event_id for d in made} & {batch[0]}
    assert Delivery.objects.filter(event_id=batch[0]).count() == len(first)


def test_a_batch_that_raises_is_told_event_by_event(batch, monkeypatch):
    """Fault injection (no real event breaks the batch path today): the task falls back to one event at a time, so
    a bug in the batch path costs no notices."""
    for event_id in batch:
        deliveries_for_event(event_id=event_id)
    one_by_one = _made()
    Delivery.objects.all().delete()
    default_task_backend.clear()

    def broken(**kwargs):
        raise RuntimeError("a bug in the batch path")

    monkeypatch.setattr("weibao.notifications.services.deliveries_for_events", broken)
    assert notify_events.call(event_ids=batch) == len(one_by_one)
    assert _made() == one_by_one
