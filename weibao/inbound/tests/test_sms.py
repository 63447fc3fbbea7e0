"""Inbound SMS (上行短信): "reply 1 to confirm / 2 to refuse" for a quote approval sent by SMS and for the
observation question of a resolution notice; other text becomes a comment or an order like IM."""

import pytest

from weibao.inbound.models import InboundReceipt
from weibao.inbound.tests import helpers
from weibao.onsite import services as onsite
from weibao.onsite.tests.conftest import contract_a, device_a, on_site_order, spare_part  # noqa: F401
from weibao.workorders import services as wo_services
from weibao.workorders.models import WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db

PHONE = "13900497829"


@pytest.fixture
def quote_by_sms(on_site_order, field_engineer, spare_part):  # noqa: F811
    lines = [
        {"kind": "part", "quantity": "1", "description": "", "spare_part": spare_part},
        {"kind": "labour", "quantity": "2", "labour_basis": "hour"},
    ]
    quote = onsite.quote_create(workorder=on_site_order, actor=field_engineer, lines=lines)
    onsite.approval_link_create(quote=quote, actor=field_engineer, channel="sms", sent_to="+86 139 0049 7829")
    return quote


@pytest.mark.parametrize(("text", "status"), [("1", "approved"), ("２", "refused")])
def test_reply_answers_the_quote_sent_by_sms(client, accounts, quote_by_sms, text, status):
    response = helpers.sms_post(client, accounts["sms"], phone=PHONE, text=text)

    assert response.status_code == 200
    quote_by_sms.refresh_from_db()
    assert quote_by_sms.status == status
    assert quote_by_sms.answered_via == "link"
    receipt = InboundReceipt.objects.get()
    assert receipt.status == "answered"
    assert receipt.workorder == quote_by_sms.workorder
    # the same SMS delivered again changes nothing
    assert (
        helpers.sms_post(client, accounts["sms"], phone=PHONE, text=text, msg_id=receipt.message_key).status_code == 200
    )
    assert InboundReceipt.objects.count() == 1


def test_a_second_answer_after_the_quote_was_answered_is_not_a_new_order(client, accounts, quote_by_sms):
    helpers.sms_post(client, accounts["sms"], phone=PHONE, text="1")
    helpers.sms_post(client, accounts["sms"], phone=PHONE, text="2")

    quote_by_sms.refresh_from_db()
    assert quote_by_sms.status == "approved"
    assert WorkOrder.objects.count() == 1
    assert InboundReceipt.objects.order_by("-pk").first().status == "triage"  # "2" with no question open


def test_reply_1_closes_the_observation_question(client, accounts, contact, duty_engineer):
    from weibao.workorders.tests.factories import make_workorder

    order = make_workorder(site=contact.site, contact=contact)
    wo_services.workorder_acknowledge(workorder=order, actor=duty_engineer)
    wo_services.workorder_resolve(workorder=order, actor=duty_engineer, resolution="更换电源后恢复")
    wo_services.observation_links_for(workorder=order, recipient=PHONE, channel="sms")

    assert helpers.sms_post(client, accounts["sms"], phone=PHONE, text="1").status_code == 200

    order.refresh_from_db()
    assert order.status == "observing"
    receipt = InboundReceipt.objects.get()
    assert receipt.status == "answered"
    assert receipt.workorder == order


def test_free_text_during_observation_is_a_reply_for_the_desk(client, accounts, contact, duty_engineer):
    from weibao.workorders.tests.factories import make_workorder

    order = make_workorder(site=contact.site, contact=contact)
    wo_services.workorder_acknowledge(workorder=order, actor=duty_engineer)
    wo_services.workorder_resolve(workorder=order, actor=duty_engineer, resolution="更换电源后恢复")
    wo_services.observation_links_for(workorder=order, recipient=PHONE, channel="sms")

    helpers.sms_post(client, accounts["sms"], phone=PHONE, text="还是不行，又断了")

    order.refresh_from_db()
    assert order.observation_reply_pending is True
    assert WorkOrder.objects.count() == 1
    assert WorkOrderEvent.objects.filter(workorder=order, kind="comment", body__contains="又断了").exists()
    assert InboundReceipt.objects.get().status == "commented"


def test_unknown_mobile_goes_to_triage(client, accounts, contact):
    helpers.sms_post(client, accounts["sms"], phone="13700000000", text="楼道监控坏了")
    receipt = InboundReceipt.objects.get()
    assert receipt.status == "triage"
    assert not WorkOrder.objects.exists()
