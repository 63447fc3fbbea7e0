"""The one visibility rule of the timeline (workorders.visibility): every event kind × staff/customer/vendor, on the
order page and in the API, and the reported leak (a legacy review's internal next steps) reproduced."""

import json

import pytest
from django.urls import reverse

from weibao.accounts.services import token_create
from weibao.workorders import services as svc
from weibao.workorders.choices import EventKind
from weibao.workorders.models import WorkOrderEvent
from weibao.workorders.tests.factories import VendorFactory
from weibao.workorders.visibility import RULES, Audience, audience_of, redact, rule_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated(manager, vendor_user, order_a):
    vendor = VendorFactory(organisation=vendor_user.organisation)
    svc.workorder_acknowledge(workorder=order_a, actor=manager)
    svc.workorder_escalate(workorder=order_a, actor=manager, vendor=vendor, reason="硬件故障需厂商支持")
    return order_a


def api_get(client, user, url):
    _token, raw = token_create(user=user, name="test")
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}")


def api_text(response) -> str:
    assert response.status_code == 200, response.content
    return json.dumps(response.json(), ensure_ascii=False)


def test_legacy_review_next_steps_never_reach_customer_or_vendor(
    client, manager, customer_a_user, vendor_user, escalated
):
    # The reported leak: a review with a processing report is customer-visible, its next steps are not.
    svc.legacy_review_add(
        workorder=escalated,
        actor=manager,
        notes="内部备注",
        next_steps="内部下一步：催厂商",
        customer_report="备件预计周五到货",
    )
    for user in (customer_a_user, vendor_user):
        client.force_login(user)
        page = client.get(reverse("workorders:detail", args=[escalated.pk])).content.decode()
        assert "备件预计周五到货" in page
        assert "催厂商" not in page
        api = api_text(api_get(client, user, f"/api/work-orders/{escalated.pk}/timeline"))
        assert "备件预计周五到货" in api
        assert "催厂商" not in api
        assert "next_review_on" not in api
    client.force_login(manager)
    assert "催厂商" in client.get(reverse("workorders:detail", args=[escalated.pk])).content.decode()
    assert "催厂商" in api_text(api_get(client, manager, f"/api/work-orders/{escalated.pk}/timeline"))


def test_every_event_kind_is_declared():
    # A new kind must be given its audience in visibility.RULES (until then it is staff only: fail closed).
    assert set(EventKind.values) - set(RULES) == set()
    assert set(RULES) - set(EventKind.values) == set()


def test_an_undeclared_kind_is_staff_only(customer_a_user, vendor_user, manager, order_a):
    event = WorkOrderEvent(workorder=order_a, kind="quote_sent", actor=manager, body="报价 9999 元")
    assert rule_for("quote_sent").customer is None
    assert redact(event, audience_of(customer_a_user)) is None
    assert redact(event, audience_of(vendor_user)) is None
    assert redact(event, audience_of(manager)) is event


# Every key any rule names, plus fields no rule names: what each side may see of them is the table's to say.
DATA_KEYS = sorted(
    {
        name
        for r in RULES.values()
        for side in (r.customer, r.vendor)
        for name in side or ()
        if name not in ("body", "status", "attachments") and not name.startswith("fields.")
    }
)
FIELD_NAMES = sorted(
    {
        name.removeprefix("fields.")
        for r in RULES.values()
        for side in (r.customer, r.vendor)
        for name in side or ()
        if name.startswith("fields.")
    }
)


def _probe_event(workorder, kind, actor, *, internal=False):
    data = {key: f"V-{key}" for key in DATA_KEYS} | {"minutes": 7, "next_steps": f"SECRET-N-{kind}"}
    data["fields"] = {name: ["", f"F-{name}"] for name in FIELD_NAMES} | {"branch": ["", f"SECRET-F-{kind}"]}
    return WorkOrderEvent.objects.create(
        workorder=workorder,
        kind=kind,
        actor=actor,
        body=f"BODY-{kind}",
        old_status="escalated",
        new_status="resolved",
        data=data,
        internal=internal,
    )


@pytest.mark.parametrize("kind", EventKind.values)
def test_timeline_page_and_api_follow_the_rule(client, kind, manager, customer_a_user, vendor_user, escalated):
    event = _probe_event(escalated, kind, manager)
    hidden = _probe_event(escalated, kind, manager, internal=True)
    for user in (manager, customer_a_user, vendor_user):
        client.force_login(user)
        page = client.get(reverse("workorders:detail", args=[escalated.pk])).content.decode()
        api = api_get(client, user, f"/api/work-orders/{escalated.pk}/timeline")
        assert api.status_code == 200
        _check_side(audience_of(user), kind, page, {e["id"]: e for e in api.json()}, event, hidden)


def _check_side(side, kind, page, shown, event, hidden):
    if side == Audience.STAFF:
        assert f"BODY-{kind}" in page
        assert f"SECRET-N-{kind}" in page
        assert f"SECRET-F-{kind}" in page
        assert shown[event.pk]["data"] == event.data
        assert shown[hidden.pk]["internal"] is True
        return
    allowed = rule_for(kind).fields_for(side)
    assert hidden.pk not in shown, side  # internal: staff only, whatever the kind
    assert f"SECRET-N-{kind}" not in page, side
    assert f"SECRET-F-{kind}" not in page, side
    if allowed is None:
        assert event.pk not in shown, side
        assert f"BODY-{kind}" not in page, side
        return
    got = shown[event.pk]
    assert (f"BODY-{kind}" in page) is ("body" in allowed), side
    assert (got["body"] == f"BODY-{kind}") is ("body" in allowed), side
    assert (got["new_status"] == "resolved") is ("status" in allowed), side
    assert set(got["data"]) - {"fields"} == {k for k in DATA_KEYS if k in allowed}, side
    assert set(got["data"].get("fields", {})) == {n for n in FIELD_NAMES if f"fields.{n}" in allowed}, side
    assert got["internal"] is False


def test_declared_audiences(customer_a_user, vendor_user):
    # The decisions themselves, spelled out: internal bookkeeping never leaves the house.
    customer, vendor = audience_of(customer_a_user), audience_of(vendor_user)
    assert rule_for(EventKind.SLA_WARNING).fields_for(customer) is None
    assert rule_for(EventKind.WORK_LOGGED).fields_for(vendor) is None
    assert "next_steps" not in rule_for(EventKind.LEGACY_REVIEW).fields_for(customer)
    assert "next_review_on" not in rule_for(EventKind.LEGACY_REVIEW).fields_for(vendor)
    assert "arrival_paused" not in rule_for(EventKind.APPOINTMENT).fields_for(customer)
    assert "entitlement" not in rule_for(EventKind.CREATED).fields_for(vendor)
    assert "fields.branch" not in rule_for(EventKind.UPDATED).fields_for(customer)
