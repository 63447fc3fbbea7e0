"""Callbacks and complaint steps on the order's timeline (issue 12): one WorkOrderEvent per callback result and per
complaint step, and who sees what of them — a complaint about an engineer is the managers' (the engineer sees that
it exists, other staff nothing), the customer sees its own complaint's public steps, another customer gets 404,
the vendor never sees them. Also: the callback sweep runs every minute."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from weibao.accounts.services import token_create
from weibao.feedback import services
from weibao.feedback.models import Callback
from weibao.workorders import services as svc
from weibao.workorders.choices import EventKind
from weibao.workorders.models import WorkOrderEvent
from weibao.workorders.selectors import events_visible_to
from weibao.workorders.tests.factories import VendorFactory, make_workorder
from weibao.workorders.visibility import COMPLAINT_KINDS, RULES, Audience, redact

pytestmark = pytest.mark.django_db

TEXTS = {
    "words": "工程师态度恶劣-WORDS",  # the customer's words (registered)
    "investigating": "已开始调查-INVESTIGATING",  # a public step's note
    "statement": "我当时在赶下一单-STATEMENT",  # the engineer's statement (internal)
    "confirm": "属实-CONFIRM",  # a manager's confirmation (internal)
    "answer": "已对工程师批评教育-ANSWER",  # the answer to the customer
}


def _seen(client, user, order) -> tuple[int, str]:
    """The order page and the timeline API as `user` sees them (status, both texts joined)."""
    client.force_login(user)
    page = client.get(reverse("workorders:detail", args=[order.pk]))
    _token, raw = token_create(user=user, name="t")
    api = client.get(f"/api/work-orders/{order.pk}/timeline", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert page.status_code == api.status_code
    text = page.content.decode() + (json.dumps(api.json(), ensure_ascii=False) if api.status_code == 200 else "")
    return page.status_code, text


@pytest.fixture
def escalated(manager, duty_engineer, vendor_user, site_a):
    """An open order of customer A, escalated to the vendor (so the vendor sees the order, and its history)."""
    wo = make_workorder(site=site_a, actor=duty_engineer)
    vendor = VendorFactory(organisation=vendor_user.organisation)
    svc.workorder_acknowledge(workorder=wo, actor=manager)
    svc.workorder_escalate(workorder=wo, actor=manager, vendor=vendor, reason="硬件故障需厂商支持")
    return wo


def _complaint_steps(order, manager, engineer, **kwargs):
    c = services.complaint_register(
        actor=manager,
        customer=order.organisation,
        order=order,
        engineer=engineer,
        source="phone",
        complainant_name="王经理",
        description=TEXTS["words"],
        **{"category": "attitude", **kwargs},
    )
    services.complaint_investigate(complaint=c, actor=manager, note=TEXTS["investigating"])
    services.complaint_statement(complaint=c, actor=engineer or manager, text=TEXTS["statement"])
    if engineer is not None:
        services.complaint_confirm(complaint=c, actor=manager, note=TEXTS["confirm"])
    c.refresh_from_db()
    services.complaint_answer(complaint=c, actor=manager, answer=TEXTS["answer"], expected_version=c.version)
    return c


def test_each_complaint_step_appends_one_order_event(escalated, manager, field_engineer):
    c = _complaint_steps(escalated, manager, field_engineer)
    events = list(WorkOrderEvent.objects.filter(workorder=escalated, kind__in=COMPLAINT_KINDS).order_by("id"))
    assert [e.kind for e in events] == [
        EventKind.COMPLAINT_REGISTERED,
        EventKind.COMPLAINT_INVESTIGATING,
        EventKind.COMPLAINT_STATEMENT,
        EventKind.COMPLAINT_CONFIRMED,
        EventKind.COMPLAINT_ANSWERED,
    ]
    assert [e.internal for e in events] == [False, False, True, True, False]
    assert {e.data["number"] for e in events} == {c.number}
    assert events[-1].data == {
        "complaint": c.pk,
        "number": c.number,
        "complaint_status": "answered",
        "engineer": field_engineer.pk,
    }
    assert events[-1].body == TEXTS["answer"]
    assert all(e.old_status == e.new_status == "" for e in events)  # not a move of the order
    escalated.refresh_from_db()
    assert escalated.status == "escalated"


def test_complaint_about_an_engineer_per_role(
    client, escalated, manager, field_engineer, duty_engineer, customer_a_user, customer_b_user, vendor_user
):
    c = _complaint_steps(escalated, manager, field_engineer)
    # Managers: every step with its text.
    status, text = _seen(client, manager, escalated)
    assert status == 200
    assert c.number in text
    assert all(t in text for t in TEXTS.values())
    # The engineer complained about: that the complaint exists and how it moves, none of the words.
    status, text = _seen(client, field_engineer, escalated)
    assert status == 200
    assert c.number in text
    assert not any(t in text for t in TEXTS.values())
    shown = [e for e in events_visible_to(user=field_engineer, workorder=escalated) if e.kind in COMPLAINT_KINDS]
    assert len(shown) == 5
    assert {frozenset(e.data) for e in shown} == {frozenset({"complaint", "number", "complaint_status"})}
    # Other staff (the duty desk): nothing of it.
    status, text = _seen(client, duty_engineer, escalated)
    assert status == 200
    assert c.number not in text
    assert not any(t in text for t in TEXTS.values())
    # The customer: its own complaint's public steps with their text; the statement and the confirmation are ours.
    status, text = _seen(client, customer_a_user, escalated)
    assert status == 200
    assert c.number in text
    assert all(TEXTS[k] in text for k in ("words", "investigating", "answer"))
    assert TEXTS["statement"] not in text
    assert TEXTS["confirm"] not in text
    assert str(field_engineer.pk) not in [
        str(e.data.get("engineer")) for e in events_visible_to(user=customer_a_user, workorder=escalated)
    ]
    # Another customer: the order does not exist for it.
    status, text = _seen(client, customer_b_user, escalated)
    assert status == 404
    assert c.number not in text
    # The vendor the order was escalated to: the order, never the complaint.
    status, text = _seen(client, vendor_user, escalated)
    assert status == 200
    assert "硬件故障需厂商支持" in text
    assert c.number not in text
    assert not any(t in text for t in TEXTS.values())


def test_a_complaint_naming_no_engineer_is_seen_by_all_staff(client, escalated, manager, duty_engineer):
    c = _complaint_steps(escalated, manager, None, category="charges")  # charges: not about the engineer
    assert c.engineer_id is None
    status, text = _seen(client, duty_engineer, escalated)
    assert c.number in text
    assert all(TEXTS[k] in text for k in ("words", "investigating", "statement", "answer"))


def test_without_a_viewer_complaint_steps_about_an_engineer_are_hidden_from_staff(escalated, manager, field_engineer):
    # A notice or a robot has no user: fail closed.
    _complaint_steps(escalated, manager, field_engineer)
    event = WorkOrderEvent.objects.filter(workorder=escalated, kind=EventKind.COMPLAINT_REGISTERED).get()
    assert redact(event, Audience.STAFF) is None
    assert redact(event, Audience.STAFF, manager) is event
    assert RULES[EventKind.COMPLAINT_REGISTERED].vendor is None


def test_callback_results_on_the_order_timeline(
    client, close_order, site_a, manager, field_engineer, customer_a_user, customer_b_user
):
    wo = close_order(site_a, severity="A")
    services.callbacks_select()
    cb = Callback.objects.get(order=wo)
    services.callback_record(callback=cb, actor=manager, outcome="not_reached", remark="占线-BUSY")
    services.callback_record(
        callback=cb,
        actor=manager,
        outcome="reached",
        satisfaction=4,
        remark="很满意-VERBATIM",
        follow_up="new_order",
        follow_up_text="另一台摄像头也坏了",
    )
    cb.refresh_from_db()
    events = list(WorkOrderEvent.objects.filter(workorder=wo, kind=EventKind.CALLBACK_MADE).order_by("id"))
    assert [(e.data["outcome"], e.data["attempt"], e.internal) for e in events] == [
        ("not_reached", 1, True),
        ("reached", 2, False),
    ]
    assert events[1].data["satisfaction"] == 4
    assert events[1].data["follow_up_order"] == cb.follow_up_order.number
    # Staff see both tries with the manager's notes.
    status, text = _seen(client, field_engineer, wo)
    assert "占线-BUSY" in text
    assert "很满意-VERBATIM" in text
    # The customer: the reached call, its rating and follow-up; not the notes, not the unanswered try.
    shown = {e.pk: e for e in events_visible_to(user=customer_a_user, workorder=wo)}
    assert events[0].pk not in shown
    assert shown[events[1].pk].body == ""
    assert shown[events[1].pk].data == {
        "outcome": "reached",
        "satisfaction": 4,
        "follow_up": "new_order",
        "follow_up_order": cb.follow_up_order.number,
    }
    status, text = _seen(client, customer_a_user, wo)
    assert status == 200
    assert "4/5" in text
    assert "占线-BUSY" not in text
    status, _text = _seen(client, customer_b_user, wo)
    assert status == 404


def test_callback_sweep_runs_every_minute(close_order, site_a):
    # Point 3: a closed order is in the queue within a minute (the scheduled sweep), not the next hour.
    from crontask import scheduler

    from weibao.feedback import tasks

    job = next(j for j in scheduler.get_jobs() if j.name == tasks.select_callbacks.name)
    now = timezone.now()
    first = job.trigger.get_next_fire_time(None, now)
    second = job.trigger.get_next_fire_time(first, first)
    assert (first - now).total_seconds() <= 60
    assert (second - first).total_seconds() == 60
    services.callbacks_select()  # the mark is set
    wo = close_order(site_a, severity="B")
    assert not Callback.objects.filter(order=wo).exists()
    tasks.select_callbacks.call()
    assert Callback.objects.filter(order=wo).exists()


def test_a_callback_that_raises_a_complaint_shows_both_in_order(close_order, site_a, manager, field_engineer):
    wo = close_order(site_a, severity="A")
    services.callbacks_select()
    services.callback_record(
        callback=Callback.objects.get(order=wo),
        actor=manager,
        outcome="reached",
        satisfaction=1,
        follow_up="complaint",
        follow_up_text="工程师态度恶劣",
        complaint_category="attitude",
    )
    kinds = list(WorkOrderEvent.objects.filter(workorder=wo).order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.CALLBACK_MADE, EventKind.COMPLAINT_REGISTERED]
    registered = WorkOrderEvent.objects.get(workorder=wo, kind=EventKind.COMPLAINT_REGISTERED)
    assert registered.data["engineer"] == field_engineer.pk  # about the order's engineer: the managers'
