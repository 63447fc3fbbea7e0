"""Notices follow the timeline's one visibility rule (workorders.visibility): a customer's side is never told of an
event its people could not see on the order page."""

import pytest

from weibao.notifications.models import Delivery
from weibao.notifications.services import deliveries_for_event
from weibao.notifications.tests.factories import RobotWebhookFactory
from weibao.workorders.models import WorkOrderEvent

pytestmark = pytest.mark.django_db


def test_customer_robot_hears_no_staff_only_event(order_a, manager):
    ours = RobotWebhookFactory(branch=order_a.branch, event_kinds=["sla_warning"])
    theirs = RobotWebhookFactory(customer=order_a.customer, event_kinds=["sla_warning"])
    event = WorkOrderEvent.objects.create(
        workorder=order_a, kind="sla_warning", actor=manager, data={"clock": "response", "cycle": 1}
    )

    deliveries_for_event(event_id=event.pk)

    robots = set(Delivery.objects.filter(event_id=event.pk).values_list("robot_id", flat=True))
    assert ours.pk in robots
    assert theirs.pk not in robots  # SLA warnings are staff only


def test_internal_event_notifies_nobody_outside(order_a, manager, customer_a_user):
    # Even a notice-worthy kind tells the customer nothing when the event is internal.
    event = WorkOrderEvent.objects.create(
        workorder=order_a,
        kind="resolved",
        actor=manager,
        body="内部：临时绕过",
        old_status="on_site",
        new_status="resolved",
        internal=True,
    )

    deliveries_for_event(event_id=event.pk)

    assert not Delivery.objects.filter(event_id=event.pk).exists()
